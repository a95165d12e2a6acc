"""`python setup.py bdist_wheel` (the seeds' command) and a pygo-tools 0.1.8 project, unchanged."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE, PROJECTS, copy_project, make_venv, pip_install, run_python

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def bdist_wheel(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "setup.py", "bdist_wheel"], cwd=project, capture_output=True, text=True, check=False
    )


def test_setup_py_bdist_wheel_leaves_one_repaired_wheel_in_dist(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    result = bdist_wheel(project)
    assert result.returncode == 0, result.stderr[-3000:]
    wheels = [p.name for p in (project / "dist").iterdir()]
    assert len(wheels) == 1, wheels
    assert re.fullmatch(r"hello_go-0\.1\.0-cp39-abi3-manylinux_2_\d+_x86_64\.whl", wheels[0])


def test_pygo_tools_018_project_builds_unchanged_and_imports(tmp_path: Path) -> None:
    project = copy_project(PROJECTS / "legacy_018", tmp_path)
    result = bdist_wheel(project)
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = (project / "dist").glob("*.whl")
    assert wheel.name.startswith("legacy_pkg-0.0.1-cp39-abi3-manylinux_")
    python = make_venv(tmp_path / "venv")
    pip_install(python, str(wheel))
    check = "import legacy_pkg, _legacy; print(legacy_pkg.greet('go'), legacy_pkg.add(2, 40))"
    run = run_python(python, "-c", check, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["hi", "go", "42"]
    assert not (project / "legacy_pkg" / "go" / "local").exists(), "its Makefile is not run"
