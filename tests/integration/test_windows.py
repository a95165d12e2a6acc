"""Windows extension wheels built on Linux: their files checked with lief and pefile, and the
amd64 wheel run by python.org's CPython 3.9 and 3.13 under Wine."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import lief
import pefile
import pytest

import wine
from conftest import EXAMPLE, PROJECTS, REPO, copy_project, run_build
from pygo_tools.platforms.stable_abi import names_at
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.cross, pytest.mark.slow, pytest.mark.windows]

ARCHES = {"windows/amd64": ("win_amd64", 0x8664), "windows/arm64": ("win_arm64", 0xAA64)}


@pytest.fixture(scope="module")
def unpacked(example_wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    roots = {}
    for target in ARCHES:
        root = tmp_path_factory.mktemp(target.replace("/", "-"))
        with zipfile.ZipFile(example_wheels[target]) as archive:
            archive.extractall(root)
        roots[target] = root
    return roots


def go_dll(root: Path) -> Path:
    (dll,) = (root / "hello_go").glob("libhello-*.dll")
    return dll


@pytest.mark.parametrize("target", list(ARCHES))
def test_one_abi3_wheel_with_complete_record_and_nothing_stray(example_wheels: dict[str, Path], target: str) -> None:
    wheel = example_wheels[target]
    assert wheel.name == f"hello_go-0.1.0-cp39-abi3-{ARCHES[target][0]}.whl"
    contents = read_wheel(wheel)
    assert contents.unrecorded() == [] and contents.hash_mismatches() == []
    assert set(contents.record) == set(contents.names), "RECORD lists exactly the files"
    assert not [n for n in contents.names if n.endswith((".lib", ".a", ".def", ".exp", ".pdb", ".go"))]
    binaries = sorted(n for n in contents.names if n.endswith((".pyd", ".dll")))
    assert len(binaries) == 2 and binaries[0] == "hello_go/_native.pyd", binaries
    assert binaries[1].startswith("hello_go/libhello-"), "the Go DLL sits beside the .pyd"
    assert any(r.startswith("cffi") for r in contents.requires_dist)


@pytest.mark.parametrize("target", list(ARCHES))
def test_check_wheel_contents_passes(example_wheels: dict[str, Path], target: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_wheel_contents", str(example_wheels[target])], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(": OK")


@pytest.mark.parametrize("target", list(ARCHES))
def test_binaries_are_pe32_plus_for_the_target_machine(unpacked: dict[str, Path], target: str) -> None:
    root, machine = unpacked[target], ARCHES[target][1]
    for binary in (root / "hello_go" / "_native.pyd", go_dll(root)):
        pe = pefile.PE(str(binary))
        assert pe.OPTIONAL_HEADER.Magic == 0x20B, f"{binary.name} is not PE32+"
        assert pe.FILE_HEADER.Machine == machine
        parsed = lief.PE.parse(str(binary))
        assert parsed is not None and int(parsed.header.machine) == machine, "lief agrees"
        assert parsed.header.has_characteristic(lief.PE.Header.CHARACTERISTICS.DLL)


@pytest.mark.parametrize("target", list(ARCHES))
def test_pyd_imports_the_stable_abi_at_the_floor_and_the_go_dll_beside_it(
    unpacked: dict[str, Path], target: str
) -> None:
    root = unpacked[target]
    pe = pefile.PE(str(root / "hello_go" / "_native.pyd"))
    imports = {
        entry.dll.decode().lower(): [i.name.decode() for i in entry.imports] for entry in pe.DIRECTORY_ENTRY_IMPORT
    }
    assert not [dll for dll in imports if dll.startswith("python3") and dll != "python3.dll"], "abi3: python3.dll only"
    allowed = {n.name for n in names_at((3, 9), "windows")}
    assert imports["python3.dll"] and set(imports["python3.dll"]) <= allowed
    dll = go_dll(root)
    assert dll.name.lower() in imports, "the .pyd imports the Go DLL by its hashed name"
    from_go = set(imports[dll.name.lower()])
    assert "Hello" in from_go, "cgo's own //export, through cffi"
    assert any(re.fullmatch(r"pygo\d+_Hello", name) for name in from_go), "the typed module's export of Hello"
    exports = {e.name.decode() for e in pe.DIRECTORY_ENTRY_EXPORT.symbols}
    assert "PyInit__native" in exports


@pytest.mark.parametrize("target", list(ARCHES))
def test_no_build_path_in_the_binaries(example_wheels: dict[str, Path], unpacked: dict[str, Path], target: str) -> None:
    import macho_checks  # its byte check is not Mach-O specific

    work = example_wheels[target].parent.parent
    paths = [str(work), str(REPO), sys.prefix, str(Path.home()) + "/"]
    for binary in (unpacked[target] / "hello_go" / "_native.pyd", go_dll(unpacked[target])):
        macho_checks.check_no_build_paths(binary, paths)


@pytest.fixture(scope="module")
def windows_site(example_wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The amd64 wheel (and cffi's Windows wheel from PyPI) installed by Linux pip, per Python."""
    sites = {}
    for version in wine.PYTHONS:
        site = tmp_path_factory.mktemp(f"site-{version}")
        wine.install_wheel(example_wheels["windows/amd64"], version, site)
        sites[version] = site
    return sites


@pytest.mark.parametrize("version", list(wine.PYTHONS))
def test_runs_on_official_cpython_under_wine(windows_site: dict[str, Path], version: str, tmp_path: Path) -> None:
    python = wine.windows_python(version, tmp_path / "python")
    smoke = wine.run_python(python, windows_site[version], EXAMPLE / "smoke.py", cwd=tmp_path)
    assert smoke.returncode == 0, smoke.stdout[-3000:]
    assert f"python {version}." in smoke.stdout
    assert "Hello, World! Hello, World!" in smoke.stdout and "smoke: ok" in smoke.stdout
    assert "checksum_files of 8 files matches hashlib" in smoke.stdout
    checks = wine.run_python(python, windows_site[version], REPO / "tests" / "support" / "windows_checks.py", tmp_path)
    assert checks.returncode == 0, checks.stdout[-3000:]
    assert "windows: GoPanic: runtime error: makeslice: cap out of range" in checks.stdout
    assert "windows: two threads in Go at once: ok" in checks.stdout
    assert checks.stdout.rstrip().endswith("windows: ok")


@pytest.fixture(scope="module")
def newer_api(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(PROJECTS / "newer_api", tmp_path_factory.mktemp("newer-api"))


def set_floor(project: Path, floor: str) -> None:
    config = json.loads((project / "config.json").read_text())
    (project / "config.json").write_text(json.dumps({**config, "limited_api": floor}))


def test_newer_api_than_the_floor_fails_at_link_time(newer_api: Path) -> None:
    """The extension calls PyModule_AddObjectRef (CPython 3.10) with a 3.9 floor: the import
    library pygo-tools makes for python3.dll lacks it, so the link fails, naming it."""
    set_floor(newer_api, "3.9")
    result = run_build(newer_api, newer_api / "out", "--target", "windows/amd64")
    assert result.returncode != 0
    assert "undefined symbol: __declspec(dllimport) PyModule_AddObjectRef" in result.stderr, "the linker's words"
    assert (
        "pygo-tools: error: the extension uses PyModule_AddObjectRef, which python3.dll of CPython 3.9 does not "
        "export (not in the stable ABI at limited_api 3.9)\n  hint: raise limited_api"
    ) in result.stderr
    assert not (newer_api / "out").exists() or not list((newer_api / "out").iterdir())


def test_the_same_extension_links_with_a_310_floor(newer_api: Path) -> None:
    set_floor(newer_api, "3.10")
    result = run_build(newer_api, newer_api / "out", "--target", "windows/amd64")
    assert result.returncode == 0, result.stderr[-3000:]
    wheel = Path(result.stdout.strip())
    assert wheel.name == "newer_api-0.1.0-cp310-abi3-win_amd64.whl"
    with zipfile.ZipFile(wheel) as archive:
        pe = pefile.PE(data=archive.read("newer_api/_native.pyd"))
    (python3,) = [e for e in pe.DIRECTORY_ENTRY_IMPORT if e.dll.decode().lower() == "python3.dll"]
    assert "PyModule_AddObjectRef" in {i.name.decode() for i in python3.imports}


def test_top_level_extension_of_a_018_project_runs_under_wine(tmp_path: Path) -> None:
    """pygo-tools 0.1.8 made the extension a top-level module: the Go DLL then sits beside it at
    the top of site-packages, and the project's own wrapper (which frees with lib.free) works."""
    project = copy_project(PROJECTS / "legacy_018", tmp_path)
    result = run_build(project, tmp_path / "out", "--target", "windows/amd64")
    assert result.returncode == 0, result.stderr[-3000:]
    wheel = Path(result.stdout.strip())
    names = read_wheel(wheel).names
    assert "_legacy.pyd" in names and [n for n in names if n.startswith("liblegacy-") and n.endswith(".dll")]
    site = tmp_path / "site"
    wine.install_wheel(wheel, "3.13", site)
    script = tmp_path / "legacy.py"
    script.write_text("import legacy_pkg\nprint(legacy_pkg.greet('go'), legacy_pkg.add(2, 40))\n")
    run = wine.run_python(wine.windows_python("3.13", tmp_path / "python"), site, script, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    assert run.stdout.split() == ["hi", "go", "42"]
