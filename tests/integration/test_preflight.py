"""Problems of the environment are clean errors, found before anything builds, on every route:
what cross targets need (zig, pefile, macholib) in one error with one `pip install`, an unusable
PYGO_TOOLS_CACHE, and `develop` building for the interpreter it installs into."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE, copy_project, venv_over_this_one

pytestmark = [pytest.mark.integration]

# Run pygo-tools as if these packages were not installed (importlib.util.find_spec gives None
# for a module whose sys.modules entry is None).
HIDE = "import sys; sys.modules.update(dict.fromkeys({hidden!r}))\n"
CLI = HIDE + "from pygo_tools.cli import main; sys.exit(main({argv!r}))\n"
SETUP_PY = HIDE + "sys.argv = ['setup.py', 'bdist_wheel']; exec(open('setup.py').read())\n"
PEP517 = HIDE + "from pygo_tools import backend\nbackend.build_wheel({out!r}, {{'target': {target!r}}})\n"
ALL_THREE = ["ziglang", "pefile", "macholib"]


def run(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env={**os.environ, **env}
    )


def nothing_built(project: Path, result: subprocess.CompletedProcess[str]) -> None:
    assert "go build" not in result.stderr and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert not list(project.rglob("*.whl")) and not list(project.rglob("libhello.*"))


@pytest.mark.parametrize("route", ["pygo-tools build", "setup.py", "PEP 517"])
def test_everything_cross_targets_lack_is_one_error_before_any_build(tmp_path: Path, route: str) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    if route == "pygo-tools build":
        argv = ["build", str(project), "--target", "all"]
        result = run(CLI.format(hidden=ALL_THREE, argv=argv), project)
    elif route == "setup.py":
        targets = "linux/amd64,linux/arm64,windows/amd64,darwin/arm64"
        result = run(SETUP_PY.format(hidden=ALL_THREE), project, PYGO_TOOLS_TARGET=targets)
    else:
        out = str(tmp_path / "out")
        result = run(PEP517.format(hidden=ALL_THREE, out=out, target="darwin/arm64"), project)
    assert result.returncode == 3, result.stderr[-3000:]
    error = result.stderr[result.stderr.index("pygo-tools: error: ") :]
    assert error.startswith("pygo-tools: error: this build needs what is not installed: zig cc, the C compiler, for ")
    if route == "pygo-tools build":
        assert "; macholib, which checks the binaries, for darwin/amd64, darwin/arm64" in error
        assert "; pefile, which checks the binaries, for windows/amd64, windows/arm64" in error
        assert "hint: pip install ziglang macholib pefile  (where pygo-tools is installed)" in error
    elif route == "setup.py":
        assert "compiler, for linux/arm64, windows/amd64, darwin/arm64;" in error
        assert "hint: pip install ziglang pefile macholib  (where pygo-tools is installed)" in error
    else:
        assert "compiler, for darwin/arm64; macholib, which checks the binaries, for darwin/arm64\n" in error
        assert "hint: pip install ziglang macholib  (where pygo-tools is installed)" in error
    assert error.count("pygo-tools: error:") == 1
    nothing_built(project, result)


def test_only_what_is_missing_is_named(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    argv = ["build", str(project), "--target", "windows/amd64", "--target", "linux/arm64"]
    result = run(CLI.format(hidden=["pefile"], argv=argv), project)
    assert result.returncode == 3
    assert "needs what is not installed: pefile, which checks the binaries, for windows/amd64\n" in result.stderr
    assert "hint: pip install pefile  (where" in result.stderr
    nothing_built(project, result)


@pytest.mark.parametrize("kind", ["file", "dangling link", "inside a file", "unwritable"])
def test_an_unusable_pygo_tools_cache_names_the_variable(tmp_path: Path, kind: str) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    cache = tmp_path / "cache"
    if kind == "file":
        cache.write_text("")
    elif kind == "dangling link":
        cache.symlink_to(tmp_path / "nowhere")
    elif kind == "inside a file":
        (tmp_path / "file").write_text("")
        cache = tmp_path / "file" / "cache"
    else:
        cache = Path("/proc/pygo-tools-cache")  # not even root may write there
    for code in (CLI.format(hidden=[], argv=["build", str(project)]), SETUP_PY.format(hidden=[])):
        result = run(code, project, PYGO_TOOLS_CACHE=str(cache))
        assert result.returncode == 2, result.stderr[-3000:]
        assert f"pygo-tools: error: PYGO_TOOLS_CACHE={cache}: " in result.stderr
        assert "hint: point PYGO_TOOLS_CACHE at a folder you can write to" in result.stderr
        nothing_built(project, result)


@pytest.mark.slow
def test_develop_builds_for_this_interpreter_whatever_the_target_variable_says(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    python = venv_over_this_one(tmp_path / "venv")
    env = {**os.environ, "PYGO_TOOLS_TARGET": "windows/amd64"}
    result = subprocess.run(
        [str(python), "-m", "pygo_tools", "develop", str(project)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "develop installs into this interpreter, so it builds for linux/amd64, not PYGO_TOOLS_TARGET=" in (
        result.stderr
    )
    called = subprocess.run(
        [str(python), "-c", "import hello_go, json; print(json.dumps(hello_go.hello('Go')))"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert json.loads(called.stdout) == "Hello, Go!", called.stderr
