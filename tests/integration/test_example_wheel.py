"""Build the example with `pygo-tools build`, inspect the wheel, install it and call it."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLE, copy_project, make_venv, pip_install, pyenv_pythons, run_build, run_python
from pygo_tools.platforms.linux import elf_needed, elf_runpath
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(project copy, wheel, build log) of the example built once for this module."""
    work = tmp_path_factory.mktemp("example")
    project = copy_project(EXAMPLE, work)
    result = run_build(project, work / "out")
    assert result.returncode == 0, result.stderr
    wheels = sorted((work / "out").glob("*.whl"))
    assert [str(w) for w in wheels] == result.stdout.split(), "stdout lists exactly the wheels written"
    return project, wheels[0], result.stderr


def test_wheel_is_abi3_and_manylinux(built: tuple[Path, Path, str]) -> None:
    _, wheel, _ = built
    assert re.fullmatch(r"hello_go-0\.1\.0-cp39-abi3-manylinux_2_\d+_x86_64\.whl", wheel.name), wheel.name
    assert read_wheel(wheel).wheel_info["Root-Is-Purelib"] == "false"


def test_record_lists_every_file_with_matching_hash(built: tuple[Path, Path, str]) -> None:
    contents = read_wheel(built[1])
    assert contents.unrecorded() == []
    assert contents.hash_mismatches() == []
    assert "hello_go/_native.abi3.so" in contents.record
    assert "hello_go/lib/libhello.so" in contents.record


def test_metadata_requires_cffi(built: tuple[Path, Path, str]) -> None:
    assert any(r.startswith("cffi") for r in read_wheel(built[1]).requires_dist)


def test_no_go_sources_shipped(built: tuple[Path, Path, str]) -> None:
    names = read_wheel(built[1]).names
    assert not [n for n in names if n.endswith(".go") or n.endswith("go.mod") or n.endswith(".h")]


def test_extension_finds_library_by_relative_runpath_only(built: tuple[Path, Path, str], tmp_path: Path) -> None:
    with zipfile.ZipFile(built[1]) as archive:
        archive.extractall(tmp_path)
    extension = tmp_path / "hello_go" / "_native.abi3.so"
    assert elf_runpath(extension) == ["$ORIGIN/lib"]
    assert "libhello.so" in elf_needed(extension)
    assert elf_runpath(tmp_path / "hello_go" / "lib" / "libhello.so") == []


def test_no_build_paths_inside_binaries(built: tuple[Path, Path, str], tmp_path: Path) -> None:
    project, wheel, _ = built
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path)
    for binary in ("hello_go/_native.abi3.so", "hello_go/lib/libhello.so"):
        data = (tmp_path / binary).read_bytes()
        for path in (str(project), str(project.parent), str(Path.home())):
            assert path.encode() not in data, f"{binary} contains {path}"


QUIET_LINE = re.compile(
    r"pygo-tools ✓ .+ \d+\.\ds( \(unchanged\))?|pygo-tools: built \S+\.whl"
    r"|wrote hello_go\.api: \d+ typed functions(, .+)?"
)


def test_quiet_build_log_is_one_line_per_step(built: tuple[Path, Path, str]) -> None:
    log = built[2]
    for step in ("config", "go build linux/amd64", "cffi compile hello_go._native", "repair wheel"):
        assert re.search(rf"^pygo-tools ✓ {re.escape(step)} \d+\.\ds", log, re.MULTILINE), step
    assert [line for line in log.splitlines() if not QUIET_LINE.fullmatch(line)] == []
    assert "pygo-" + "tmp" not in log and "/tmp/pygo-" not in log, "no temporary path, gone by now, is printed"


def test_verbose_build_shows_every_command_and_the_tools_output(built: tuple[Path, Path, str], tmp_path: Path) -> None:
    shutil.rmtree(built[0] / "build")  # else the unchanged Go library is reused without running go
    result = run_build(built[0], tmp_path / "out", "-v")
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stderr
    assert "pygo-tools ▸ go build linux/amd64" in log
    assert "go build -buildmode=c-shared -trimpath -buildvcs=false '-ldflags=-s -w -extldflags=-s'" in log
    assert "GOTOOLCHAIN=local" in log
    # auditwheel runs and speaks, or (same binaries as an earlier build) says which verdict it reused.
    assert ("auditwheel repair" in log and "INFO:auditwheel" in log) or re.search(
        r"auditwheel: binaries unchanged since it said manylinux_\d+_\d+_x86_64", log
    )
    assert "running bdist_wheel" in log, "setuptools' log"
    assert "  package = 'hello_go'" in log, "the resolved configuration"


def test_build_writes_nothing_into_the_go_sources(built: tuple[Path, Path, str]) -> None:
    project = built[0]
    go_dir = project / "hello_go" / "go"
    assert sorted(p.name for p in go_dir.iterdir()) == sorted(p.name for p in (EXAMPLE / "hello_go" / "go").iterdir())
    assert not list(go_dir.glob("pygo_*")), "generated Go joins the build through -overlay only"
    assert not (project / "hello_go" / "lib").exists()


@pytest.mark.parametrize("version", sorted(pyenv_pythons(), key=lambda v: int(v.split(".")[1])))
def test_one_abi3_wheel_runs_on_each_python(built: tuple[Path, Path, str], version: str, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv", pyenv_pythons()[version])
    pip_install(python, str(built[1]))
    result = run_python(python, str(EXAMPLE / "smoke.py"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"python {version}." in result.stdout
    assert "smoke: ok" in result.stdout


def test_returned_strings_are_freed(built: tuple[Path, Path, str], tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    pip_install(python, str(built[1]))
    script = (
        "import resource, hello_go\n"
        "def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for _ in range(2000): hello_go.hello('x' * 64, 16)\n"
        "before = rss()\n"
        "for _ in range(20000): hello_go.hello('x' * 64, 16)\n"  # ~1.1 KB per result
        "print(rss() - before)\n"
    )
    result = run_python(python, "-c", script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    grown_kib = int(result.stdout.strip())
    # 20,000 leaked results would be about 22 MB; freed ones leave the peak where it was.
    assert grown_kib < 4 * 1024, f"memory grew by {grown_kib} KiB"
