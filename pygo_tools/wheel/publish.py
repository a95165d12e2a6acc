"""Putting finished wheels where the user asked: checked first, written whole, modes normalized.

A wheel appears under its final name only complete: it is written beside its destination under
a hidden temporary name and renamed (pip ``utils/filesystem.py::adjacent_tmp_file``). A full
disk or an interrupt leaves the destination as it was.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import zipfile
from pathlib import Path

from ..errors import BuildError, ConfigError
from ..util.atomic import PARTIAL_PREFIX, adjacent_temp


def check_out_dir(out: Path, what: str = "--out") -> None:
    """Fail before any build when ``out`` cannot take a wheel: a file, read-only, no space."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{what} {out}: is a file, not a folder", hint="name a folder (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix=PARTIAL_PREFIX, dir=out):
            pass
    except OSError as error:
        raise ConfigError(
            f"{what} {out}: cannot write there: {error.strerror or error}",
            hint="choose a folder you can write to",
        ) from None


def normalized_mode(mode: int) -> int:
    """0755 for anything executable, 0644 for the rest, whatever the umask was."""
    return 0o755 if mode & 0o111 else 0o644


def publish_wheel(wheel: Path, out_dir: Path) -> Path:
    """Write ``wheel`` into ``out_dir`` atomically, every entry 0644 or 0755; return its path.

    Entries keep their order, timestamps and content, so a reproducible wheel stays so.
    """
    final = out_dir / wheel.name
    try:
        with adjacent_temp(final) as partial:
            with partial.open("wb") as raw:
                with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(raw, "w") as target:
                    for info in source.infolist():
                        copy = zipfile.ZipInfo(info.filename, info.date_time)
                        copy.compress_type = info.compress_type
                        copy.create_system = 3  # unix, so the modes below mean what they say
                        if info.is_dir():
                            copy.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
                        else:
                            copy.external_attr = (stat.S_IFREG | normalized_mode(info.external_attr >> 16)) << 16
                        target.writestr(copy, source.read(info))
                raw.flush()
                os.fsync(raw.fileno())
            os.chmod(partial, 0o644)
    except OSError as error:
        reason = "no space left on the device" if error.errno == errno.ENOSPC else error.strerror or str(error)
        raise BuildError(f"cannot write {final}: {reason}", hint="free some space, or choose another --out") from None
    return final


def remove_partials(out_dir: Path, older_than: float = 60.0) -> None:
    """Remove hidden partial files that a killed (SIGKILL) earlier build left in ``out_dir``;
    recent ones may belong to a build running right now."""
    import time

    if out_dir.is_dir():
        for leftover in out_dir.glob(PARTIAL_PREFIX + "*"):
            try:
                if time.time() - leftover.stat().st_mtime > older_than:
                    leftover.unlink()
            except OSError:
                pass
