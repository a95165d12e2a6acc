"""Read wheels; edit them through one context manager that rewrites RECORD on the way out; retag
them one way."""

from __future__ import annotations

import base64
import csv
import email.parser
import hashlib
import io
import os
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import parse_wheel_filename
from wheel.wheelfile import WheelFile

from ..util import commands
from ..util.atomic import copy_atomically, move_atomically


@dataclass(frozen=True)
class WheelContents:
    path: Path
    names: tuple[str, ...]
    record: dict[str, str]  # path -> "sha256=..." ('' for RECORD itself)
    metadata: email.message.Message
    wheel_info: email.message.Message

    @property
    def tags(self) -> list[str]:
        return sorted(str(tag) for tag in parse_wheel_filename(self.path.name)[3])

    @property
    def requires_dist(self) -> list[str]:
        return self.metadata.get_all("Requires-Dist") or []

    def unrecorded(self) -> list[str]:
        """Files in the zip that RECORD does not list with a hash (RECORD itself aside)."""
        return [n for n in self.names if not n.endswith("/RECORD") and not self.record.get(n)]

    def hash_mismatches(self) -> list[str]:
        """Files whose content does not match the hash RECORD gives."""
        bad = []
        with zipfile.ZipFile(self.path) as archive:
            for name, digest in self.record.items():
                if not digest or name not in self.names:
                    continue
                algorithm, _, expected = digest.partition("=")
                actual = hashlib.new(algorithm, archive.read(name)).digest()
                if base64.urlsafe_b64encode(actual).rstrip(b"=").decode() != expected:
                    bad.append(name)
        return bad


def parse_wheel_name(name: str) -> tuple[str, str, str, str, str]:
    """A wheel's file name in its parts, compound tags as written: ``(distribution, version,
    python, abi, platform)``; the optional build tag stays with the version."""
    stem = name.removesuffix(".whl")
    head, python, abi, platform = stem.rsplit("-", 3)
    distribution, _, version = head.partition("-")
    return distribution, version, python, abi, platform


def read_wheel(path: Path) -> WheelContents:
    with zipfile.ZipFile(path) as archive:
        names = tuple(n for n in archive.namelist() if not n.endswith("/"))
        dist_info = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
        rows = csv.reader(io.StringIO(archive.read(f"{dist_info}/RECORD").decode()))
        record = {row[0]: row[1] for row in rows if row}
        parser = email.parser.Parser()
        metadata = parser.parsestr(archive.read(f"{dist_info}/METADATA").decode())
        wheel_info = parser.parsestr(archive.read(f"{dist_info}/WHEEL").decode())
    return WheelContents(path, names, record, metadata, wheel_info)


@contextmanager
def in_wheel(source: Path, destination: Path) -> Iterator[Path]:
    """Unpack ``source``, yield the directory, then pack it to ``destination`` with a new RECORD.

    wheel's ``WheelFile`` writes RECORD with every hash, sorts nothing away and honours
    ``SOURCE_DATE_EPOCH`` for the zip timestamps. Nothing is written if the body raises.
    """
    with tempfile.TemporaryDirectory(prefix="pygo-wheel-") as temp:
        root = Path(temp) / "unpacked"
        with WheelFile(source) as archive:
            archive.extractall(root)
            modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        for name, mode in modes.items():
            if mode and (root / name).is_file():
                os.chmod(root / name, mode & 0o777)
        yield root
        packed = Path(temp) / destination.name
        with WheelFile(packed, "w") as out:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                name = path.relative_to(root).as_posix()
                if not name.endswith(".dist-info/RECORD"):
                    out.write(str(path), name)
        move_atomically(packed, destination)


def retag(
    wheel: Path,
    out_dir: Path,
    *,
    python: str | None = None,
    abi: str | None = None,
    platform: str | None = None,
    remove: bool = False,
) -> Path:
    """The one way pygo-tools changes a wheel's tags: ``wheel tags``, which rewrites the file name,
    the WHEEL file's Tag lines and RECORD and keeps every other entry as it is (bytes, order,
    timestamps). Each of ``python``, ``abi``, ``platform`` replaces those tags when given
    (compound tags joined with dots: ``manylinux2014_aarch64.manylinux_2_17_aarch64``). The result
    goes into ``out_dir``; ``remove`` deletes the original."""
    command = [sys.executable, "-m", "wheel", "tags"]
    if remove:
        command.append("--remove")
    for option, value in (("--python-tag", python), ("--abi-tag", abi), ("--platform-tag", platform)):
        if value:
            command.append(f"{option}={value}")
    output = commands.run([*command, str(wheel)], quiet=True)
    result = wheel.parent / output.strip().splitlines()[-1]
    if out_dir.resolve() != wheel.parent.resolve():
        out_dir.mkdir(parents=True, exist_ok=True)
        moved = out_dir / result.name
        if result == wheel and not remove:
            copy_atomically(result, moved)
        else:
            move_atomically(result, moved)
        result = moved
    return result
