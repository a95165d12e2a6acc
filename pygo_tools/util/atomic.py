"""Write an output beside its final place, then rename it over: a reader sees the old file or the
whole new one, never half of one (as pip's ``utils/filesystem.py::adjacent_tmp_file``).

Every file pygo-tools writes for a later reader goes through here: stamps, caches, generated
modules, wheels, workflows.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Temporary files start with this: remove_partials() (wheel.publish) clears what a SIGKILL left.
PARTIAL_PREFIX = ".pygo-partial-"


@contextmanager
def adjacent_temp(final: Path) -> Iterator[Path]:
    """Yield a fresh temporary path in ``final``'s directory; on a clean exit it replaces ``final``.

    If the body raises (a full disk, an interrupt), the temporary file is removed and ``final``
    is left as it was.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=PARTIAL_PREFIX, suffix=final.suffix, dir=final.parent)
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)


def write_atomically(final: Path, data: bytes, mode: int = 0o644) -> None:
    with adjacent_temp(final) as temp:
        temp.write_bytes(data)
        temp.chmod(mode)


def write_text_atomically(final: Path, text: str, mode: int = 0o644) -> None:
    write_atomically(final, text.encode("utf-8"), mode)


def copy_atomically(source: Path, final: Path) -> None:
    """``shutil.copy2`` that never leaves half a file under ``final``."""
    with adjacent_temp(final) as temp:
        shutil.copy2(source, temp)


def move_atomically(source: Path, final: Path) -> Path:
    """Move ``source`` to ``final`` so that ``final`` is never half a file: a rename, or across
    file systems a copy beside ``final`` renamed over it."""
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, final)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        copy_atomically(source, final)
        source.unlink(missing_ok=True)
    return final
