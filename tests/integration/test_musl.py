"""Why there is no musllinux extension wheel: musl's loader refuses a Go c-shared library.

pygo-tools refuses musl targets with this reason (golang/go#13492, golang/go#54805). This test
keeps the reason honest: it builds a one-function Go library with Debian's musl-gcc and loads it
from a musl program, which fails as described; the same program built against glibc loads the
same code built with gcc. The day Go fixes it, the first test fails: lift the refusal in
platforms/targets.py (MUSL_REFUSAL) and build musllinux wheels.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pygo_tools.steps.toolchain import find_go

pytestmark = [pytest.mark.integration]

LIBRARY = """\
package main

import "C"

//export Answer
func Answer() C.int { return 42 }

func main() {}
"""
LOADER = """\
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    void *handle = dlopen(argv[1], RTLD_NOW);
    int (*answer)(void);
    if (handle == NULL) { printf("dlopen failed: %s\\n", dlerror()); return 1; }
    answer = (int (*)(void))dlsym(handle, "Answer");
    printf("loaded: Answer() = %d\\n", answer());
    return 0;
}
"""


def musl_gcc() -> str:
    found = shutil.which("musl-gcc")
    if found is None:
        if shutil.which("apt-get") is None:
            pytest.skip("musl-gcc is not installed and apt-get is unavailable (Debian's musl and musl-tools)")
        from support import pythons

        pythons._apt_install(["musl", "musl-tools"])
        found = shutil.which("musl-gcc")
    assert found, "apt-get installed musl-tools but musl-gcc is not on PATH"
    return found


def load(tmp_path: Path, cc: str, name: str) -> subprocess.CompletedProcess[str]:
    """Build the Go library and the loader with ``cc``, run the loader on the library."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "go.mod").write_text("module answer\n\ngo 1.21\n")
    (folder / "lib.go").write_text(LIBRARY)
    (folder / "main.c").write_text(LOADER)
    env = {**os.environ, "CC": cc, "CGO_ENABLED": "1", "GOFLAGS": "", "GOTOOLCHAIN": "local"}
    go = str(find_go().path)
    subprocess.run([go, "build", "-buildmode=c-shared", "-o", "libanswer.so", "."], cwd=folder, env=env, check=True)
    subprocess.run([cc, "-o", "loader", "main.c", "-ldl"], cwd=folder, check=True)
    return subprocess.run([str(folder / "loader"), str(folder / "libanswer.so")], capture_output=True, text=True)


def test_musl_refuses_to_load_a_go_c_shared_library(tmp_path: Path) -> None:
    loaded = load(tmp_path, musl_gcc(), "musl")
    assert loaded.returncode == 1, f"musl loaded the Go library: Go fixed golang/go#54805? {loaded.stdout}"
    assert "initial-exec TLS resolves to dynamic definition" in loaded.stdout, loaded.stdout


def test_the_same_library_and_loader_work_with_glibc(tmp_path: Path) -> None:
    loaded = load(tmp_path, "gcc", "glibc")
    assert (loaded.returncode, loaded.stdout.strip()) == (0, "loaded: Answer() = 42")
