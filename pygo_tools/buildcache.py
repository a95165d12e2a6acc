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
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(entry, destination)
        return True

    def store(self, key: str, source: Path) -> None:
        """Keep a copy of ``source`` for ``key``; written beside, then renamed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.iterdir():  # one entry per artifact is enough
            if not old.name.startswith(key):
                old.unlink(missing_ok=True)
        handle, partial = tempfile.mkstemp(dir=self.folder, prefix=".partial-")
        os.close(handle)
        try:
            shutil.copy2(source, partial)
            Path(f"{self.folder / key}.sha256").write_text(file_digest(Path(partial)) + "\n")
            os.replace(partial, self.folder / key)
        finally:
            Path(partial).unlink(missing_ok=True)
