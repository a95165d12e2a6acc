"""What a user sees while a build runs: a long step shows it is alive on a terminal, and a
missing go.mod is caught before Go runs, with a hint that works when pasted."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PROJECTS, copy_project, run_build
from pygo_tools.steps.toolchain import find_go

pytestmark = [pytest.mark.integration]


def run_on_a_terminal(command: list[str], env: dict[str, str], timeout: float = 300) -> tuple[int, str]:
    """Run ``command`` with a pseudo-terminal as its stdin, stdout and stderr; return its exit
    code and everything it wrote."""
    main, child = pty.openpty()
    process = subprocess.Popen(command, stdin=child, stdout=child, stderr=child, env=env, close_fds=True)
    os.close(child)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: every writer closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return process.wait(timeout=60), b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
def test_a_long_go_build_shows_its_elapsed_time_on_a_terminal(tmp_path: Path) -> None:
    project = copy_project(PROJECTS / "legacy_018", tmp_path)
    slow_go = tmp_path / "slow-go" / "go"
    slow_go.parent.mkdir()
    slow_go.write_text(f'#!/bin/sh\nif [ "$1" = build ]; then sleep 4; fi\nexec {find_go().path} "$@"\n')
    slow_go.chmod(0o755)
    env = {**os.environ, "PYGO_TOOLS_GO": str(slow_go), "TERM": "xterm"}
    env.pop("PYGO_TOOLS_VERBOSE", None)
    code, shown = run_on_a_terminal(
        [sys.executable, "-m", "pygo_tools", "build", str(project), "--out", str(tmp_path / "out")], env
    )
    assert code == 0, shown[-3000:]
    # Written by the build backend's process, which pygo-tools runs with the terminal as stderr.
    assert re.search(r"\r\x1b\[Kpygo-tools ▸ go build linux/amd64 [2-9]s", shown), shown[-3000:]
    assert re.search(r"\r\x1b\[Kpygo-tools ✓ go build linux/amd64 [4-9]\.\ds", shown), "the live line is erased"


def test_a_missing_go_mod_fails_before_go_runs_and_its_hint_works(tmp_path: Path) -> None:
    project = copy_project(PROJECTS / "legacy_018", tmp_path)
    (project / "legacy_pkg" / "go" / "go.mod").unlink()
    result = run_build(project, tmp_path / "out")
    assert result.returncode == 2
    assert "pygo-tools: error: config.json: no Go module at legacy_pkg/go (no go.mod found)" in result.stderr
    hint = re.search(r"hint: create one: (.*)", result.stderr)
    assert hint and hint.group(1) == "(cd legacy_pkg/go && go mod init legacy_pkg)"
    assert "✓" not in result.stderr, "nothing was built"
    go = find_go()
    path = f"{go.path.parent}{os.pathsep}{os.environ['PATH']}"
    subprocess.run(["bash", "-c", hint.group(1)], cwd=project, check=True, env={**os.environ, "PATH": path})
    rebuilt = run_build(project, tmp_path / "out")
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert rebuilt.stdout.strip().endswith(".whl")
