"""`pygo-tools new`, then build, install in a fresh venv and run the project's own tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import clean_env, make_venv, pip_install, run_build

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def new(path: Path, *args: str) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "pygo_tools", "new", str(path), *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{path}\n"
    return path


def run_its_tests(python: Path, project: Path) -> subprocess.CompletedProcess[str]:
    """The project's own pytest, from the project's folder, as its README says."""
    return subprocess.run(
        [str(python.parent / "pytest"), "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        env=clean_env(),
        check=False,
    )


@pytest.mark.parametrize("kind", ["extension", "executable"])
def test_new_project_builds_installs_and_passes_its_own_tests(kind: str, tmp_path: Path) -> None:
    project = new(tmp_path / "my-proj", *(["--executable"] if kind == "executable" else []))
    result = run_build(project, project / "dist")
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = (Path(line) for line in result.stdout.split())
    assert wheel.name.startswith("my_proj-0.1.0-" + ("cp39-abi3-manylinux_" if kind == "extension" else "py3-none-"))
    python = make_venv(tmp_path / "venv")
    pip_install(python, str(wheel), "pytest")
    tests = run_its_tests(python, project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert ("\n2 passed" if kind == "extension" else "\n3 passed") in tests.stdout
    if kind == "executable":
        command = subprocess.run([str(python.parent / "my-proj"), "Go"], capture_output=True, text=True)
        assert command.stdout == "Hello, Go!\n"
