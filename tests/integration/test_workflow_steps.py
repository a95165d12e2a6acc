"""The generated workflow's own shell steps, run here as a Linux x86_64 runner would run them:
the build job in a fresh venv with pygo-tools installed from this checkout, then the test job's
install script and test command against the wheels it made."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE, REPO, clean_env, copy_project, make_venv
from pygo_tools.cli.generate_ci import WorkflowOptions, write_workflow

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TEST_COMMAND = "python -I -c \"import hello_go; print(hello_go.hello('CI', 2))\""


def run_step(script: str, cwd: Path, venv: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """One `run:` step, with the shell GitHub uses for `shell: bash`."""
    path = f"{venv / 'bin'}{os.pathsep}{clean_env()['PATH']}"
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env={**clean_env(), **env, "PATH": path, "VIRTUAL_ENV": str(venv)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_build_and_test_steps_run(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path / "checkout")
    options = WorkflowOptions(test_command=TEST_COMMAND, pygo_tools=f"pygo-tools @ {REPO.as_uri()}")
    workflow = yaml.safe_load(write_workflow(project, options).read_text())
    env = {**workflow["env"], "GITHUB_WORKSPACE": str(project), "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64"}

    build_venv = make_venv(tmp_path / "build-venv").parent.parent
    for step in workflow["jobs"]["build"]["steps"]:
        if "run" in step:
            result = run_step(step["run"], project, build_venv, env)
            assert result.returncode == 0, (step["name"], result.stdout[-2000:], result.stderr[-3000:])
    wheels = sorted(p.name for p in (project / "dist").glob("*.whl"))
    assert wheels == [  # one Linux job builds them all, the extension's macOS and Windows wheels too
        "hello_go-0.1.0-cp39-abi3-macosx_13_0_arm64.whl",
        "hello_go-0.1.0-cp39-abi3-macosx_13_0_x86_64.whl",
        "hello_go-0.1.0-cp39-abi3-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
        "hello_go-0.1.0-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        "hello_go-0.1.0-cp39-abi3-win_amd64.whl",
        "hello_go-0.1.0-cp39-abi3-win_arm64.whl",
    ]
    assert (project / "dist" / "hello_go-0.1.0.tar.gz").is_file()

    # The test job: a fresh checkout, the `dist` artifact, a fresh Python.
    checkout = copy_project(EXAMPLE, tmp_path / "test-checkout")
    shutil.copytree(project / "dist", checkout / "dist")
    test_venv = make_venv(tmp_path / "test-venv").parent.parent
    env["GITHUB_WORKSPACE"] = str(checkout)
    steps = workflow["jobs"]["test"]["steps"]
    install = next(s for s in steps if s.get("name") == "Install this platform's wheel")
    result = run_step(install["run"], checkout, test_venv, env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    test = steps[-1]
    assert test["working-directory"] == "${{ runner.temp }}"
    empty = tmp_path / "runner-temp"
    empty.mkdir()
    result = run_step(test["run"], empty, test_venv, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "Hello, CI! Hello, CI!\n"
    installed = subprocess.run(
        [str(test_venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "hello-go==0.1.0" in installed.replace("_", "-").lower() and "cffi==" in installed


def test_the_install_script_names_a_platform_without_a_wheel(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path / "checkout")
    workflow = yaml.safe_load(write_workflow(project).read_text())
    install = next(s for s in workflow["jobs"]["test"]["steps"] if s.get("name") == "Install this platform's wheel")
    (project / "dist").mkdir()
    # Only a wheel for another platform: what a test job sees when --target all skipped its own.
    (project / "dist" / "hello_go-0.1.0-cp39-abi3-win_arm64.whl").write_bytes(b"")
    venv = make_venv(tmp_path / "venv").parent.parent
    result = run_step(install["run"], project, venv, {"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64"})
    assert result.returncode == 1
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f"::error::no wheel for Linux X64 Python {version}" in result.stdout
    assert "among: hello_go-0.1.0-cp39-abi3-win_arm64.whl" in result.stdout
