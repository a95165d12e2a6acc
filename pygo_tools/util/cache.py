"""Reuse a built artifact only when everything that made it is unchanged (ninja's command hashes).

An entry is stored under the hash of its inputs (command lines, flags, tool versions, input
file hashes), with the hash of its own bytes beside it. A different input, a missing entry or a
damaged one (its bytes no longer match) is a miss, and the caller builds again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import ConfigError
from .atomic import copy_atomically, write_text_atomically

CACHE_ENV = "PYGO_TOOLS_CACHE"


def cache_dir() -> Path:
    """pygo-tools' own cache: $PYGO_TOOLS_CACHE, else $XDG_CACHE_HOME/pygo-tools, else
    ~/.cache/pygo-tools; checked usable (a folder pygo-tools can write in) at first use."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        folder, source = Path(explicit), CACHE_ENV
    else:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pygo-tools"
        source = "XDG_CACHE_HOME" if os.environ.get("XDG_CACHE_HOME") else "the default cache folder"
    if str(folder) not in _USABLE:
        _check_usable(folder, source)
        _USABLE.add(str(folder))
    return folder


_USABLE: set[str] = set()


def _check_usable(folder: Path, source: str) -> None:
    what = f"{CACHE_ENV}={folder}" if source == CACHE_ENV else f"{folder} ({source})"
    hint = f"point {CACHE_ENV} at a folder you can write to (it is created if missing), or unset it"
    if folder.is_symlink() and not folder.exists():
        raise ConfigError(f"{what}: is a symbolic link to nothing ({os.readlink(folder)})", hint=hint)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{what}: is a file, not a folder", hint=hint)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix=".pygo-check-", dir=folder):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(f"{what}: cannot be used as pygo-tools' cache: {reason}", hint=hint) from None


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inputs_key(inputs: Mapping[str, object]) -> str:
    """A hash of ``inputs`` (JSON-able values; paths as strings)."""
    text = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def tool_identity(program: str) -> str:
    """Which compiler binary: its resolved path, size and modification time (a new install differs)."""
    found = shutil.which(program)
    if not found:
        return program
    real = Path(found).resolve()
    stat = real.stat()
    return f"{real}:{stat.st_size}:{int(stat.st_mtime)}"


class Stamp:
    """A record beside some outputs of the key that made them and of their bytes: a build whose
    key matches and whose outputs are still those bytes need not run again (a file truncated by
    a crash, or edited since, is not trusted)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def matches(self, key: str, outputs: tuple[Path, ...] = ()) -> bool:
        try:
            recorded = json.loads(self.path.read_text())
            return bool(recorded.get("key") == key and all(recorded.get(p.name) == file_digest(p) for p in outputs))
        except (OSError, ValueError, AttributeError):
            return False

    def write(self, key: str, outputs: tuple[Path, ...] = ()) -> None:
        write_text_atomically(self.path, json.dumps({"key": key, **{p.name: file_digest(p) for p in outputs}}))

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


class ArtifactCache:
    """Entries ``<key>`` and ``<key>.sha256`` in one folder (inside the build folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def fetch(self, key: str, destination: Path) -> bool:
        """Copy the entry for ``key`` to ``destination`` if it exists and is intact."""
        entry = self.folder / key
        digest = self.folder / f"{key}.sha256"
        try:
            expected = digest.read_text().strip()
            if not entry.is_file() or file_digest(entry) != expected:
                entry.unlink(missing_ok=True)
                return False
        except OSError:
            return False
        copy_atomically(entry, destination)
        return True

    def store(self, key: str, source: Path) -> None:
        """Keep a copy of ``source`` for ``key``: its digest first, then the entry, each atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.iterdir():  # one entry per artifact is enough
            if not old.name.startswith(key):
                old.unlink(missing_ok=True)
        write_text_atomically(self.folder / f"{key}.sha256", file_digest(source) + "\n")
        copy_atomically(source, self.folder / key)
