"""A build reuses its Go library only when nothing Go reads has changed.

tests/projects/inputs reads a file of every kind: headers through ``-I`` and a relative
``#include`` (Go's own cache misses both: golang/go#24355), a C file, embedded files, a local
module through ``replace``, a file left out by a build constraint, and CGO_CFLAGS. Each is
changed in turn, and the rebuilt wheel must say the new thing; with nothing changed, the
library is reused.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import PROJECTS, copy_project, run_build

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REUSED = re.compile(r"✓ go build linux/amd64 0\.0s \(unchanged\)")
STATE = "from inputs import api; print(api.Headers(), api.FromC(), api.Embedded(), api.Dep(), repr(api.Extra()))"


class Project:
    def __init__(self, root: Path, work: Path) -> None:
        self.root = root
        self.go = root / "inputs" / "go"
        self.work = work
        self.builds = 0

    def build(self, env: dict[str, str] | None = None) -> tuple[str, bool]:
        """Build, run STATE from the wheel; (what it printed, whether the library was reused)."""
        self.builds += 1
        result = run_build(self.root, self.work / f"dist{self.builds}", env=env)
        assert result.returncode == 0, result.stderr[-3000:]
        site = self.work / f"site{self.builds}"
        with zipfile.ZipFile(result.stdout.split()[-1]) as archive:
            archive.extractall(site)
        done = subprocess.run(
            [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r})\n{STATE}"],
            capture_output=True,
            text=True,
            cwd=self.work,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip(), bool(REUSED.search(result.stderr))


def test_every_input_go_reads_is_part_of_the_reuse_key(tmp_path: Path) -> None:
    project = Project(copy_project(PROJECTS / "inputs", tmp_path), tmp_path)
    go = project.go
    assert project.build() == ("110 1 a.txt=a dep-1 ''", False)
    assert project.build() == ("110 1 a.txt=a dep-1 ''", True), "nothing changed: reused"

    (project.root / "include" / "top.h").write_text("#define TOP 2\n")
    assert project.build()[0].startswith("210 "), "a header found through #cgo CFLAGS: -I"
    (go / "sub" / "sub.h").write_text("#define SUB 3\n")
    assert project.build()[0].startswith("230 "), 'a header in a subfolder, #include "sub/sub.h"'
    (go / "native.c").write_text("int from_c(void) { return 7; }\n")
    assert project.build()[0].startswith("230 7 "), "the package's C file"

    (go / "static" / "a.txt").write_text("changed\n")
    assert " a.txt=changed " in project.build()[0], "an embedded file's content"
    (go / "static" / "b.txt").write_text("new\n")
    assert " a.txt=changed,b.txt=new " in project.build()[0], "a file added to an embedded folder"
    (go / "static" / "a.txt").unlink()
    assert " b.txt=new " in project.build()[0], "a file removed from it"

    dep = project.root / "dep" / "dep.go"
    dep.write_text(dep.read_text().replace("dep-1", "dep-2"))
    assert " dep-2 " in project.build()[0], "a local module through replace ../../dep"

    extra = go / "extra.go"
    extra.write_text(extra.read_text().replace("//go:build never\n", ""))
    assert project.build()[0].endswith(" 'extra'"), "a file its build constraint no longer leaves out"

    state, reused = project.build(env={"CGO_CFLAGS": "-DOFFSET=5"})
    assert state.startswith("235 ") and not reused, "the C flags of the environment"
    assert project.build(env={"CGO_CFLAGS": "-DOFFSET=5"}) == (state, True)


def test_a_module_of_a_go_work_workspace_is_an_input(tmp_path: Path) -> None:
    project = Project(copy_project(PROJECTS / "inputs", tmp_path), tmp_path)
    go_mod = project.go / "go.mod"
    go_mod.write_text("module example.com/inputs\n\ngo 1.21\n")  # no require, no replace: the workspace
    shutil.copytree(project.root / "dep", tmp_path / "outside-dep")
    (project.go / "go.work").write_text(f"go 1.21\n\nuse .\nuse {tmp_path / 'outside-dep'}\n")
    assert project.build()[0].split()[3] == "dep-1"
    dep = tmp_path / "outside-dep" / "dep.go"
    dep.write_text(dep.read_text().replace("dep-1", "dep-3"))
    assert project.build()[0].split()[3] == "dep-3"
    assert project.build()[1], "and reused when nothing changed"


def test_the_sdist_carries_what_go_reads_for_every_target(tmp_path: Path) -> None:
    from pygo_tools.steps.config import load_config
    from pygo_tools.steps.gosdist import sdist_go_files
    from pygo_tools.steps.toolchain import find_go

    root = copy_project(PROJECTS / "inputs", tmp_path)
    (root / "inputs" / "go" / "static" / "data.bin").write_bytes(b"\0")  # no source suffix, embedded
    (root / "inputs" / "go" / "windows_only.go").write_text('//go:build windows\n\npackage main\n\nimport _ "embed"\n')
    config = load_config(root)
    files = {p.relative_to(root).as_posix() for p in sdist_go_files(config, find_go(config))}
    assert {
        "include/top.h",
        "inputs/go/sub/sub.h",
        "inputs/go/static/a.txt",
        "inputs/go/static/data.bin",
        "inputs/go/native.c",
        "inputs/go/extra.go",
        "inputs/go/windows_only.go",
        "inputs/go/go.mod",
        "dep/dep.go",
        "dep/go.mod",
    } <= files, files
    assert not any(name.startswith(("build/", "inputs/go/.")) for name in files)
