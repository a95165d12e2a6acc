"""Every external command goes through ``run``: echoed so a user can paste it, checked, explained.

``run`` is for tools (go, zig, auditwheel...): output captured, shown with ``-v`` or on failure.
``run_attached`` is for Python processes of ours (a build backend, setup.py for another target):
their output goes where ours goes. Both run the command in its own process group, stopped with
everything it started when pygo-tools is interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import CommandError
from . import log
from .shell import format_command

DISK_FULL_HINT = "the disk is full (no space left on device): free some space, then build again"


def run(
    command: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    hint: str | None = None,
    quiet: bool = False,
    ok_codes: tuple[int, ...] = (0,),
) -> str:
    """Run ``command`` with ``env`` added to the environment; return its combined output.

    With ``-v`` the command is printed first and its output after it (unless ``quiet``). On an
    exit code outside ``ok_codes`` its output is always shown, in full, inside the raised
    :class:`CommandError` with the command as a line to paste (its added variables and folder
    included), so a failing tool's own words reach the user. The command runs in its own process
    group, which is killed when this process is interrupted: no tool goes on writing after
    pygo-tools stopped.
    """
    args = [os.fspath(part) for part in command]
    log.detail(f"  $ {format_command(args, env, cwd)}")
    # The tool's temporary files go to a folder of ours, removed however the tool ends: Go
    # and the C compilers leave theirs behind when they are interrupted.
    with tempfile.TemporaryDirectory(prefix="pygo-tmp-") as scratch:
        full_env = {**os.environ, **(env or {}), "TMPDIR": scratch, "GOTMPDIR": scratch}
        try:
            process = subprocess.Popen(
                args,
                cwd=cwd,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                **_own_group(),
            )
        except OSError as error:
            raise CommandError(args, 127, str(error), hint, env=env, cwd=cwd) from error
        with killed_on_interrupt(process):
            output: str = process.communicate()[0]
    if process.returncode not in ok_codes:
        if "no space left on device" in output.lower():
            hint = DISK_FULL_HINT  # whatever the tool: not the user's code
        raise CommandError(args, process.returncode, output, hint, env=env, cwd=cwd)
    if output.strip() and not quiet and log.verbose():
        log.info("\n".join(f"    {line}" for line in output.rstrip().splitlines()))
    return output


def run_attached(
    command: Sequence[str], *, cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> int:
    """Run ``command`` with its output going where ours goes (stdout redirected to stderr, which
    keeps stdout for results); return its exit code. Killed with its whole group on interrupt.
    ``env`` is the whole environment (default: ours); the child logs as verbosely as we do."""
    full_env = {**(dict(env) if env is not None else os.environ), **log.child_env()}
    log.detail(f"  $ {format_command(command, cwd=os.fspath(cwd) if cwd is not None else None)}")
    process = subprocess.Popen(list(command), cwd=cwd, env=full_env, stdout=sys.stderr, **_own_group())
    # A grace longer than the child's own for its tools, so it can stop them and clean up.
    with killed_on_interrupt(process, grace=10.0):
        return process.wait()


def _own_group() -> dict[str, Any]:
    # Process groups exist where killpg does (not on Windows, where kill() stops the process).
    return {"start_new_session": True} if hasattr(os, "killpg") else {}


@contextmanager
def killed_on_interrupt(process: subprocess.Popen[Any], grace: float = 3.0) -> Iterator[None]:
    """On any exception in the body (KeyboardInterrupt from Ctrl-C or SIGTERM), terminate the
    process and everything it started, then re-raise."""
    try:
        yield
    except BaseException:
        stop_group(process, grace)
        raise


def stop_group(process: subprocess.Popen[Any], grace: float = 3.0) -> None:
    """Stop the process and everything it started: SIGTERM to its group (Python processes of
    ours turn it into KeyboardInterrupt and clean up; C compilers remove their temporary files),
    then SIGKILL to whatever of the group is left after ``grace`` seconds. SIGINT is not used:
    a process started in the background ignores it."""
    if not hasattr(os, "killpg"):
        if process.poll() is None:
            process.kill()
            process.wait()
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        if _group_ended(process, grace):
            break
    process.wait()


def _group_ended(process: subprocess.Popen[Any], timeout: float) -> bool:
    """Wait until no process of the group is left (the leader reaped, the rest gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.poll()  # reap the leader: a zombie still counts as a member
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while the body runs: ``finally`` blocks clean up, and the tools
    pygo-tools started are stopped, instead of the process vanishing mid-write."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
