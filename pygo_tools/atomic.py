"""Write an output beside its final place, then rename it over: a reader sees the old file or the
whole new one, never half of one (as pip's ``utils/filesystem.py::adjacent_tmp_file``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .output import PARTIAL_PREFIX


@contextmanager
def adjacent_temp(final: Path) -> Iterator[Path]:
    """Yield a fresh temporary path in ``final``'s directory; on a clean exit it replaces ``final``.

    If the body raises (a full disk, an interrupt), the temporary file is removed and ``final``
    is left as it was.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    # The prefix of output.py's partial wheels: remove_partials() clears what a SIGKILL left.
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
