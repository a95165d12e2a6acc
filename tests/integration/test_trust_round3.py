"""Trust, round three: faults never leave an output a later build trusts, two builds of one
project at once both succeed, names cannot break a venv, values never become options."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLE, PROJECTS, copy_project, run_build, venv_over_this_one
from pygo_tools.util.binaries import truncation_of

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def binaries_whole(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            assert truncation_of(archive.read(info)) is None, info.filename


# A C compiler that links as gcc does, then cuts its output in half and exits 0, as a linker
# writing to a full disk without checking its writes would.
CUTTING_CC = """#!/bin/sh
gcc "$@" || exit $?
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then out="$2"; fi
  shift
done
case "$out" in
  *.so|*a.out) size=$(wc -c < "$out"); truncate -s $((size / 2)) "$out" ;;
esac
exit 0
"""


def test_a_library_cut_short_with_exit_0_is_never_reused_or_shipped(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    cc = tmp_path / "cutting-cc"
    cc.write_text(CUTTING_CC)
    cc.chmod(cc.stat().st_mode | stat.S_IXUSR)
    cut = run_build(project, tmp_path / "dist", env={"CC": str(cc)})
    assert cut.returncode == 1
    assert "pygo-tools: error: go build's libhello.so was written only in part: its " in cut.stderr
    assert "free some space and build again" in cut.stderr and "Traceback" not in cut.stderr
    assert not list(tmp_path.rglob("*.whl"))
    again = run_build(project, tmp_path / "dist")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "go build linux/amd64 0.0s (unchanged)" not in again.stderr, "the cut library was not kept"
    binaries_whole(Path(again.stdout.split()[-1]))


def test_a_full_disk_is_one_clean_error_and_the_next_build_recovers(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    build = project / "build"
    build.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(build)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs to fill up here: {mounted.stderr.decode().strip()}")
    try:
        full = run_build(project, tmp_path / "dist")
    finally:
        subprocess.run(["umount", str(build)], check=True)
    assert full.returncode == 1
    assert "no space left" in full.stderr.lower() and "free some space" in full.stderr
    assert "Traceback" not in full.stderr and "fix the Go code" not in full.stderr
    assert not list(tmp_path.rglob("*.whl"))
    again = run_build(project, tmp_path / "dist")
    assert again.returncode == 0, again.stderr[-3000:]
    binaries_whole(Path(again.stdout.split()[-1]))


def test_two_builds_of_one_project_at_once_both_succeed(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    command = [sys.executable, "-m", "pygo_tools", "build", str(project), "--out", str(tmp_path / "dist")]
    first, second = (
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    )
    results = [process.communicate(timeout=600) for process in (first, second)]
    for process, (out, err) in zip((first, second), results):
        assert process.returncode == 0, err[-3000:]
        assert "Traceback" not in err
        binaries_whole(Path(out.split()[-1]))
    assert any("waiting for another build of example for linux/amd64" in err for _, err in results)


SETUP_SIC = """\
import setuptools
from pygo_tools import setup

setup(name="hello-cli", version=setuptools.sic({version!r}), packages=["hello_cli"])
"""


def without_project_table(pyproject: Path) -> None:
    """Keep [tool.pygo-tools], drop [project] and [tool.setuptools] (setup.py says instead)."""
    kept, skipping = [], False
    for line in pyproject.read_text().splitlines(keepends=True):
        if line.startswith("["):
            skipping = line.strip() in ("[project]", "[tool.setuptools]")
        if not skipping:
            kept.append(line)
    pyproject.write_text("".join(kept))


@pytest.mark.parametrize("version", ["0.2 -o {tmp}/elsewhere", "1.0 -extld=/bin/false", "-o{tmp}/x", "1.0\n-s"])
def test_a_version_that_would_be_linker_flags_stops_the_build(tmp_path: Path, version: str) -> None:
    project = copy_project(EXAMPLE.parent / "example-cli", tmp_path)
    without_project_table(project / "pyproject.toml")
    text = version.format(tmp=tmp_path)
    (project / "setup.py").write_text(SETUP_SIC.format(version=text))
    result = subprocess.run(
        [sys.executable, "setup.py", "bdist_wheel"], cwd=project, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"pygo-tools: error: the package version {text!r} is not a plain version" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "x").exists()
    assert "go build" not in result.stderr, "stopped before anything was built"


def test_develop_reinstalls_when_the_version_changes(tmp_path: Path) -> None:
    """A dynamic version (attr:) lives in the code, not in the metadata files develop watches."""
    project = copy_project(PROJECTS / "plaingo", tmp_path)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    assert 'version = "0.1.0"\n' in text
    pyproject.write_text(
        text.replace('version = "0.1.0"\n', 'dynamic = ["version"]\n')
        + '\n[tool.setuptools.dynamic]\nversion = {attr = "plaingo.__version__"}\n'
    )
    init = project / "plaingo" / "__init__.py"
    init.write_text('__version__ = "1.0"\n' + init.read_text())
    python = venv_over_this_one(tmp_path / "venv")
    pygo = [str(python), "-m", "pygo_tools", "develop", str(project)]
    env = dict(os.environ)
    first = subprocess.run(pygo, capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    init.write_text(init.read_text().replace('"1.0"', '"2.0"'))
    second = subprocess.run(pygo, capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "the project's version changed since its editable install; installing again" in second.stderr
    shown = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('plaingo'))"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert shown.stdout.strip() == "2.0"
