"""The README's Install and Quickstart and docs/tutorial.md, run as a reader follows them.

Each document runs in an empty folder holding a copy of this checkout as `pygo-tools` (what
`git clone` gives a reader; the clone itself cannot run here), with no pygo-tools, Go or venv
of ours on PATH. Every ```sh block runs, every file the document writes is written, every file
it shows must be exactly what is on disk, and every output it shows must be what was printed
(see tests/markdown_blocks.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import goproxy
from conftest import EXAMPLE, PROJECTS, REPO, clean_env, copy_project, run_build
from markdown_blocks import Reader, blocks, normalized, reader_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHECKOUT_IGNORED = shutil.ignore_patterns(
    ".git", ".venv", ".cache", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "out"
)


def reader_in(tmp_path: Path) -> Reader:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(REPO, home / "pygo-tools", ignore=CHECKOUT_IGNORED, symlinks=True)
    return Reader(home=home, env=reader_env(clean_env()))


def test_the_tutorial_runs_as_written(tmp_path: Path) -> None:
    reader = reader_in(tmp_path)
    # "Using a Go library" fetches example.com/greet: from a proxy of the tests' own, as Go
    # would from proxy.golang.org, into a module cache of the reader's.
    proxy = tmp_path / "goproxy"
    goproxy.publish(proxy, PROJECTS / "gomods" / "greet", "example.com/greet", "v1.0.0")
    reader.env.update(goproxy.environment(proxy, reader.home / ".gomodcache"))
    reader.follow((REPO / "docs" / "tutorial.md").read_text())
    assert reader.commands_run == 11, "every sh block ran"
    assert (reader.home / "greeter" / "greeter" / "go" / "numbers.go").is_file()
    arm64 = list((reader.home / "greeter" / "dist").glob("*manylinux2014_aarch64*.whl"))
    assert len(arm64) == 1, "the cross-compiling step wrote an arm64 wheel"


def readme_section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_readme_install_and_quickstart_run_as_written(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    reader = reader_in(tmp_path)
    reader.follow(readme_section(readme, "Install") + readme_section(readme, "Quickstart"))
    assert reader.commands_run >= 3
    assert list((reader.home / "myproj" / "dist").glob("myproj-0.1.0-cp39-abi3-manylinux_*.whl"))


def test_the_readme_shows_what_a_warm_build_prints(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    (sample,) = [b for b in blocks(readme) if b.language == "console" and b.text.startswith("$ pygo-tools build ")]
    command, *shown = sample.text.splitlines()
    assert command == "$ pygo-tools build example"
    project = copy_project(EXAMPLE, tmp_path)
    first = run_build(project, project / "dist")
    assert first.returncode == 0, first.stderr[-3000:]
    warm = run_build(project, project / "dist")
    assert warm.returncode == 0, warm.stderr[-3000:]
    printed = normalized(warm.stderr + warm.stdout, tmp_path)
    assert printed == normalized("\n".join(shown), tmp_path)
