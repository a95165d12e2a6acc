"""Progress as named, timed steps on stderr, so stdout stays for results (wheel paths).

Quiet by default: one ``pygo-tools ✓ step 1.2s`` line per step. Verbose (``-v``, or
``PYGO_TOOLS_VERBOSE=1`` for the setup.py and PEP 517 routes) adds each step's start, the resolved
configuration, every command and the tools' output. Inside one process the choice is a context
variable; the environment variable is the user's switch and carries it to child processes only. A step that runs long
shows it is alive: its elapsed time, rewritten in place on a terminal, or a line now and then
in a log file.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

VERBOSE_ENV = "PYGO_TOOLS_VERBOSE"
_VERBOSE: ContextVar[bool | None] = ContextVar("pygo_tools_verbose", default=None)


def is_true(value: str | None) -> bool:
    """How pygo-tools reads a yes/no environment variable or config setting."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def verbose() -> bool:
    """``-v`` (or a PEP 517 setting) for this build; else the user's ``PYGO_TOOLS_VERBOSE``."""
    chosen = _VERBOSE.get()
    if chosen is not None:
        return chosen
    return os.environ.get(VERBOSE_ENV, "").strip().lower() not in ("", "0", "false", "no", "off")


@contextmanager
def verbosity(on: bool) -> Iterator[None]:
    """Choose verbosity while the body runs (a whole command-line run)."""
    token = _VERBOSE.set(on)
    try:
        yield
    finally:
        _VERBOSE.reset(token)


def child_env() -> dict[str, str]:
    """What a child process of ours (a build backend, setup.py) needs to log as this one does."""
    if verbose():
        return {VERBOSE_ENV: "1"}
    return {VERBOSE_ENV: "0"} if VERBOSE_ENV in os.environ else {}


def info(message: str) -> None:
    """A line every user sees."""
    with _lock:
        _TICKER.clear()
        print(message, file=sys.stderr, flush=True)


def detail(message: str) -> None:
    """A line shown with ``-v`` only."""
    if verbose():
        info(message)


@contextmanager
def step(name: str, live: bool = True) -> Iterator[None]:
    """Print ``✓ name 1.2s`` (or ``✗ name failed after 1.2s``) when a step ends; with ``-v``,
    ``▸ name`` when it starts too. ``live=False`` for a step whose body prints by itself (a
    setuptools command): its elapsed time is not shown, which could land mid-line."""
    detail(f"pygo-tools ▸ {name}")
    start = time.monotonic()
    _TICKER.push(name, start, live)
    try:
        yield
    except BaseException:
        _TICKER.pop()
        info(f"pygo-tools ✗ {name} failed after {time.monotonic() - start:.1f}s")
        raise
    _TICKER.pop()
    info(f"pygo-tools ✓ {name} {time.monotonic() - start:.1f}s")


_lock = threading.RLock()


class Ticker:
    """Shows that the innermost running step is alive.

    On a terminal, after ``live_after`` seconds, ``pygo-tools ▸ go build linux/amd64 23s`` is
    rewritten in place every second (and erased before the next line is printed). Elsewhere
    (CI logs, pipes), and with ``-v`` (whose output streams), ``... still running after 20s``
    is printed at ``log_after`` seconds, then every ``log_every`` seconds.
    """

    def __init__(self, live_after: float = 2.0, log_after: float = 20.0, log_every: float = 60.0) -> None:
        self.live_after = live_after
        self.log_after = log_after
        self.log_every = log_every
        self.stream: TextIO = sys.stderr
        self.shown = False
        self._steps: list[tuple[str, float, list[float], bool]] = []
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()

    def push(self, name: str, start: float, live: bool = True) -> None:
        with _lock:
            self._steps.append((name, start, [start + self.log_after], live))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="pygo-tools-ticker", daemon=True)
                self._thread.start()

    def pop(self) -> None:
        with _lock:
            self.clear()
            if self._steps:
                self._steps.pop()

    def clear(self) -> None:
        """Erase the live line, if one is shown."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.shown = False

    def tick(self, now: float) -> None:
        """Show the innermost step's elapsed time, if it is due."""
        with _lock:
            if not self._steps:
                return
            name, start, next_log, live = self._steps[-1]
            if not live:
                return
            elapsed = now - start
            self.stream = sys.stderr
            if _is_terminal(self.stream) and not verbose():
                if elapsed >= self.live_after:
                    self.stream.write(f"\r\x1b[Kpygo-tools ▸ {name} {elapsed:.0f}s")
                    self.stream.flush()
                    self.shown = True
            elif now >= next_log[0]:
                print(f"pygo-tools … {name}: still running after {elapsed:.0f}s", file=self.stream, flush=True)
                next_log[0] = now + self.log_every

    def _run(self) -> None:
        while True:
            self._wake.wait(1.0)
            with _lock:
                if not self._steps:
                    self._thread = None
                    return
            self.tick(time.monotonic())


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_TICKER = Ticker()


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """Hide what a library prints on stdout (cffi's ``generating ...``) unless verbose."""
    if verbose():
        yield
        return
    import io
    from contextlib import redirect_stdout

    with redirect_stdout(io.StringIO()):
        yield
