"""One build of a project's target at a time: a lock file in its build folder.

Two builds of one project at once (two terminals, an editor's and a user's, two CI steps) would
share ``build/<target>/``: one removes the folder the other is writing. The second waits for
the first, and says so. The lock is the operating system's (``flock``): a build killed with
SIGKILL releases it, and no stale lock file blocks the next one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import log

try:
    import fcntl
except ImportError:  # Windows: builds of one project are not serialized there
    fcntl = None  # type: ignore[assignment]


@contextmanager
def exclusive(path: Path, what: str) -> Iterator[None]:
    """Hold the lock ``path`` while the body runs; if another process holds it, say so and wait."""
    if fcntl is None:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # a read-only tree: the build's own first write says what is wrong
        yield
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info(f"pygo-tools: waiting for another build of {what} to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock
