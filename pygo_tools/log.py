"""Progress as named, timed steps on stderr, so stdout stays for results (wheel paths)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


def info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Print ``▸ name`` before and ``✓ name 1.2s`` (or ``✗ name``) after a step."""
    info(f"pygo-tools ▸ {name}")
    start = time.monotonic()
    try:
        yield
    except BaseException:
        info(f"pygo-tools ✗ {name} failed after {time.monotonic() - start:.1f}s")
        raise
    info(f"pygo-tools ✓ {name} {time.monotonic() - start:.1f}s")
