"""CPython 3.14 and 3.15, and wheels for free-threaded Python (issue 22), on real interpreters.

pygo-tools itself runs on Debian's CPython 3.14.10 and 3.15.2 (GIL builds) and on a
free-threaded CPython 3.13.15t built from source (tests/new_pythons.py). From 3.15,
``--free-threaded`` adds a ``cp315-abi3.abi3t`` wheel; 3.13t builds its own ``cp313-cp313t``
wheel. Every wheel is installed in a fresh venv, imported and called, and the interpreters
are asked which wheels they take (pip ``--dry-run`` and packaging's tags). The tests under a
free-threaded interpreter (threads, mutation, memory, Ctrl-C, fork) are in
test_free_threaded.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import EXAMPLE, PROJECTS, SOURCE_DATE_EPOCH, copy_project, make_venv, pip_install, run_python
from new_pythons import FREE_THREADED, build, build_env, builder_venv, run_venv_python
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# The typed module of tests/projects/plaingo, one call per kind of Go type (test_plain_go.py
# has the whole table); printed as one line each.
TYPED_CALLS = """
from plaingo import api
from plaingo.api import Point, Shape
print(repr(api.Sha256Hex(memoryview(b'xabc')[1:])), repr(api.Upper(bytearray(b'abc'))))
print(api.JoinAll(('a', 'b'), '-'), api.Split('ü\\x00ß', '\\x00'), api.Total(range(5)), api.Doubles([1, 255]))
print(api.Counts(['a', 'b', 'a']), api.Keys({'b': True, 'a': False}), api.Move(Point(1.0, 2.0, 'p'), 1, 1))
print(api.Describe(api.Square('sq', 2.0)), api.Depth(api.Chain(300)), api.MinMax([3, 1, 2]))
for call in (lambda: api.Total([1, 'x']), lambda: api.MinMax([]), lambda: api.Sleep(5, timeout=0.05),
             lambda: api.Boom(['a'])):
    try:
        call()
    except Exception as error:
        print(type(error).__name__, error)
"""
TYPED_OUTPUT = [
    "'6162630000000000' b'ABC'",
    "a-b ['ü', 'ß'] 10 [2, 510]",
    "{'a': 2, 'b': 1} ['a', 'b'] Point(X=2.0, Y=3.0, Label=\"p'\")",
    "('sq:4:{1 1 center 0}:true', 2) 300 (1, 3)",
    "TypeError Total() argument 'xs': item 1 is str, expected int",
    "GoError empty",
    "GoTimeout context deadline exceeded",
    "GoPanic boom: a",
]


def calls_typed_module(python: Path, cwd: Path) -> None:
    result = run_venv_python(python, "-c", TYPED_CALLS, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == TYPED_OUTPUT


def wheel_by_abi(wheels: list[Path]) -> dict[str, Path]:
    """{"abi3": ..., "abi3t": ...} by each wheel's last abi tag (abi3.abi3t: abi3t)."""
    return {w.name.split("-")[3].rsplit(".", 1)[-1]: w for w in wheels}


def fresh_venv(kind: str, where: Path) -> Path:
    """A venv of ``kind`` without pygo-tools (a user's, to install a wheel into)."""
    from new_pythons import interpreter, pythons

    if kind == "3.11":
        return make_venv(where)
    return pythons.make_venv(interpreter(kind), where)


@pytest.fixture(scope="module")
def py315(pygo_tools_dist: Path) -> Iterator[Path]:
    """CPython 3.15 with pygo-tools and its [cross] extra (zig, pefile, macholib)."""
    with builder_venv("3.15", pygo_tools_dist, "ziglang", "pefile", "macholib", "build", "uv") as python:
        yield python


@pytest.fixture(scope="module")
def py314(pygo_tools_dist: Path) -> Iterator[Path]:
    with builder_venv("3.14", pygo_tools_dist) as python:
        yield python


@pytest.fixture(scope="module")
def built315(py315: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """tests/projects/plaingo built by CPython 3.15 with --free-threaded: abi3 and abi3t."""
    work = tmp_path_factory.mktemp("built315")
    project = copy_project(PROJECTS / "plaingo", work)
    wheels = build(py315, "3.15", project, work / "out", "--free-threaded", SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    assert [w.name for w in wheels] == [
        "plaingo-0.1.0-cp39-abi3-manylinux_2_34_x86_64.whl",
        "plaingo-0.1.0-cp315-abi3.abi3t-manylinux_2_34_x86_64.whl",
    ]
    return wheel_by_abi(wheels)


def test_315_writes_an_abi3_and_an_abi3t_wheel_each_loadable_by_its_name(built315: dict[str, Path]) -> None:
    abi3, abi3t = read_wheel(built315["abi3"]), read_wheel(built315["abi3t"])
    # `.abi3.so`, not setuptools' `.abi3-x86_64-linux-gnu.so` of 3.15 (3.14 and older skip it).
    assert [n for n in abi3.names if n.endswith(".so")] == ["plaingo/_native.abi3.so", "plaingo/lib/libplaingo.so"]
    assert [n for n in abi3t.names if n.endswith(".so")] == ["plaingo/_native.abi3t.so", "plaingo/lib/libplaingo.so"]
    assert abi3t.wheel_info.get_all("Tag") == ["cp315-abi3-manylinux_2_34_x86_64", "cp315-abi3t-manylinux_2_34_x86_64"]
    assert abi3.wheel_info.get_all("Tag") == ["cp39-abi3-manylinux_2_34_x86_64"]
    assert abi3.names == tuple(n.replace(".abi3t.", ".abi3.") for n in abi3t.names)


def test_abi3_wheel_is_the_same_bytes_without_free_threaded(
    py315: Path, built315: dict[str, Path], tmp_path: Path
) -> None:
    project = copy_project(PROJECTS / "plaingo", tmp_path)
    (alone,) = build(py315, "3.15", project, tmp_path / "out", SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    assert alone.name == built315["abi3"].name
    assert alone.read_bytes() == built315["abi3"].read_bytes()


@pytest.mark.parametrize("kind", ["3.15", "3.14", "3.11"])
def test_the_abi3_wheel_built_on_315_runs_on_older_pythons(
    built315: dict[str, Path], kind: str, tmp_path: Path
) -> None:
    python = fresh_venv(kind, tmp_path / "venv")
    pip_install(python, str(built315["abi3"]))
    calls_typed_module(python, tmp_path)


def test_the_abi3t_wheel_runs_on_gil_315(built315: dict[str, Path], tmp_path: Path) -> None:
    """PEP 803: an abi3t 3.15 extension loads on GIL 3.15 as well."""
    python = fresh_venv("3.15", tmp_path / "venv")
    pip_install(python, str(built315["abi3t"]))
    where = run_python(python, "-c", "import plaingo._native as n; print(n.__file__.rsplit('/', 1)[1])", cwd=tmp_path)
    assert where.stdout.strip() == "_native.abi3t.so", where.stderr
    calls_typed_module(python, tmp_path)


# Which wheel each interpreter takes. Free-threaded 3.14 and 3.15 cannot be built here: for them
# packaging's own table of tags decides (the same code pip runs there).
TAKES = {
    "3.15": {"abi3": True, "abi3t": True},
    "3.11": {"abi3": True, "abi3t": False},
    FREE_THREADED: {"abi3": False, "abi3t": False},  # 3.13t loads neither (it gets cp313t)
}


@pytest.mark.parametrize("kind", sorted(TAKES))
def test_pip_on_each_interpreter_takes_the_wheels_it_can_load(
    built315: dict[str, Path], kind: str, tmp_path: Path
) -> None:
    python = fresh_venv(kind, tmp_path / "venv")
    for abi, wheel in built315.items():
        report = tmp_path / f"{abi}.json"
        command = ["-m", "pip", "install", "--dry-run", "--no-deps", "--quiet", "--report", str(report), str(wheel)]
        result = run_venv_python(python, *command, cwd=tmp_path)
        taken = result.returncode == 0 and json.loads(report.read_text())["install"] != []
        assert taken == TAKES[kind][abi], f"{kind} {wheel.name}: {result.stderr[-1500:]}"
        if not taken:
            assert "is not a supported wheel on this platform" in result.stderr
    # Offered both, GIL 3.15 picks the abi3t wheel (the more specific cp315), 3.11 the abi3 one.
    if kind != FREE_THREADED:
        report = tmp_path / "both.json"
        links = ["--no-index", "--find-links", str(built315["abi3"].parent), "--report", str(report)]
        command = ["-m", "pip", "install", "--dry-run", "--no-deps", "--quiet", *links, "plaingo"]
        result = run_venv_python(python, *command, cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        chosen = json.loads(report.read_text())["install"][0]["download_info"]["url"].rsplit("/", 1)[1]
        assert chosen == built315["abi3t" if kind == "3.15" else "abi3"].name


@pytest.mark.parametrize(
    ("version", "abi", "takes"),
    [
        ((3, 15), "cp315t", {"abi3t"}),  # free-threaded 3.15: abi3t only
        ((3, 16), "cp316t", {"abi3t"}),
        ((3, 14), "cp314t", set()),  # free-threaded 3.14: neither (it gets cp314t)
        ((3, 15), "cp315", {"abi3", "abi3t"}),
        ((3, 9), "cp39", {"abi3"}),
    ],
)
def test_packaging_tags_send_free_threaded_pythons_to_the_abi3t_wheel(
    built315: dict[str, Path], version: tuple[int, int], abi: str, takes: set[str]
) -> None:
    from packaging.tags import cpython_tags, parse_tag, platform_tags

    accepted = set(cpython_tags(version, [abi], list(platform_tags())))
    taken = {name for name, wheel in built315.items() if parse_tag("-".join(wheel.name[:-4].split("-")[2:])) & accepted}
    assert taken == takes


@pytest.mark.parametrize("kind", ["3.14", "3.15"])
def test_setup_py_and_pip_routes_build_on_314_and_315(
    request: pytest.FixtureRequest, kind: str, tmp_path: Path
) -> None:
    """The example (a setup.py project) through `setup.py bdist_wheel` and `pip wheel`, with the
    interpreter's own setuptools: on 3.15 PYGO_TOOLS_FREE_THREADED=1 gives both wheels, and
    `--config-settings free-threaded=true` makes the one PEP 517 wheel the abi3t one."""
    python = request.getfixturevalue("py315" if kind == "3.15" else "py314")
    project = copy_project(EXAMPLE, tmp_path)
    extra = {"PYGO_TOOLS_FREE_THREADED": "1"} if kind == "3.15" else {}
    setup = run_venv_python(
        python, "setup.py", "bdist_wheel", "--dist-dir", str(tmp_path / "setup"), cwd=project,
        env=build_env(kind, **extra),
    )  # fmt: skip
    assert setup.returncode == 0, setup.stderr[-4000:]
    expected = ["hello_go-0.1.0-cp39-abi3-manylinux_2_34_x86_64.whl"]
    if kind == "3.15":
        expected.append("hello_go-0.1.0-cp315-abi3.abi3t-manylinux_2_34_x86_64.whl")
    assert sorted(p.name for p in (tmp_path / "setup").iterdir()) == sorted(expected)
    settings = ["--config-settings", "free-threaded=true"] if kind == "3.15" else []
    pip = run_venv_python(
        python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", *settings,
        "-w", str(tmp_path / "pip"), str(project), cwd=tmp_path, env=build_env(kind),
    )  # fmt: skip
    assert pip.returncode == 0, pip.stderr[-4000:]
    assert [p.name for p in (tmp_path / "pip").iterdir()] == [expected[-1]]
    venv = fresh_venv(kind, tmp_path / "venv")
    pip_install(venv, str(tmp_path / "pip" / expected[-1]))
    smoke = run_python(venv, str(EXAMPLE / "smoke.py"), cwd=tmp_path)
    assert smoke.returncode == 0, smoke.stderr[-3000:]
    assert f"python {kind}." in smoke.stdout


@pytest.mark.parametrize("front_end", ["build", "uv"])
def test_build_and_uv_make_the_abi3t_wheel_when_asked(py315: Path, front_end: str, tmp_path: Path) -> None:
    """`python -m build` and `uv build` (unisolated: the builder venv has pygo-tools) with
    `-C free-threaded=true`: their one PEP 517 wheel is the abi3t one."""
    project = copy_project(PROJECTS / "plaingo", tmp_path)
    out = tmp_path / "out"
    if front_end == "build":
        command = [str(py315), "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)]
    else:
        uv = py315.parent / "uv"
        command = [str(uv), "build", "--wheel", "--no-build-isolation", "--python", str(py315), "--out-dir", str(out)]
    result = subprocess.run(
        [*command, "-C", "free-threaded=true", str(project)],
        cwd=tmp_path, capture_output=True, text=True, env=build_env("3.15"), check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert [p.name for p in out.glob("*.whl")] == ["plaingo-0.1.0-cp315-abi3.abi3t-manylinux_2_34_x86_64.whl"]


def test_free_threaded_wheels_need_315_headers_and_say_so(tmp_path: Path) -> None:
    """This venv's CPython (3.11) cannot compile abi3t: one error line, a hint, no wheel."""
    project = copy_project(PROJECTS / "plaingo", tmp_path)
    result = run_venv_python(
        Path(sys.executable), "-m", "pygo_tools", "build", str(project), "--free-threaded", cwd=tmp_path,
        env=build_env(FREE_THREADED),
    )  # fmt: skip
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines[0] == (
        "pygo-tools: error: free-threaded wheels (abi3t) are compiled with CPython 3.15's headers or newer, "
        f"and this build runs on CPython 3.{sys.version_info.minor}"
    )
    assert lines[1].startswith("  hint: run the build with python3.15 or newer")
    assert not (project / "dist").exists() or not list((project / "dist").iterdir())


# What each cross target's abi3t wheel must be: its extension's file and platform tag.
CROSS = {
    "linux/arm64": ("hello_go/_native.abi3t.so", "manylinux2014_aarch64.manylinux_2_17_aarch64"),
    "darwin/arm64": ("hello_go/_native.abi3t.so", "macosx_13_0_arm64"),
    "windows/amd64": ("hello_go/_native.pyd", "win_amd64"),
}


@pytest.mark.cross
def test_abi3t_wheels_for_other_targets_are_built_and_checked_file_by_file(py315: Path, tmp_path: Path) -> None:
    """Nothing here runs a free-threaded 3.15 (or macOS, or Windows 3.15), so the files are
    checked: ELF for aarch64, Mach-O for arm64 with relative install names, and a Windows
    ``.pyd`` that imports CPython from ``python3t.dll`` (abi3t's DLL; GIL installs of 3.15 ship
    it too) and nothing else outside Windows and the wheel."""
    import macho_checks as checks
    from pygo_tools.platforms.windows import imported_dlls

    project = copy_project(EXAMPLE, tmp_path)
    targets = [f"--target={name}" for name in CROSS]
    wheels = build(py315, "3.15", project, tmp_path / "out", *targets, PYGO_TOOLS_FREE_THREADED="only")
    assert [w.name for w in wheels] == [f"hello_go-0.1.0-cp315-abi3.abi3t-{tag}.whl" for _, tag in CROSS.values()]
    for wheel, (extension, _) in zip(wheels, CROSS.values()):
        contents = read_wheel(wheel)
        assert extension in contents.names, contents.names
        assert not [n for n in contents.names if ".abi3." in n]
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(tmp_path / wheel.stem)
    unpacked = {name: tmp_path / wheel.stem for name, wheel in zip(CROSS, wheels)}
    elf = (unpacked["linux/arm64"] / CROSS["linux/arm64"][0]).read_bytes()
    assert elf[:4] == b"\x7fELF" and int.from_bytes(elf[18:20], "little") == 183  # EM_AARCH64
    mac = unpacked["darwin/arm64"]
    extension, library = mac / CROSS["darwin/arm64"][0], mac / "hello_go" / "lib" / "libhello.dylib"
    for binary in (extension, library):
        checks.check_cpu(binary, "arm64")
        checks.check_libraries_resolve(binary, mac)
        checks.check_signature(binary)
        checks.check_indirect_symbols(binary)
    checks.check_undefined_symbols(extension, mac, (3, 15))  # CPython's names at abi3t's version
    checks.check_exports_init(extension, "_native")
    checks.check_tag_covers_minimum("macosx_13_0_arm64", [extension, library])
    pyd = unpacked["windows/amd64"] / CROSS["windows/amd64"][0]
    imports = [dll.lower() for dll in imported_dlls(pyd)]
    assert "python3t.dll" in imports and "python3.dll" not in imports, imports
