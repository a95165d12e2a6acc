"""macOS: point the extension at the Go dylib inside the wheel, re-sign, then delocate.

Go writes the dylib's install name as the absolute path it was built at, and the extension
records that path. Edits are planned first, then applied once; every binary touched is
ad-hoc re-signed afterwards, since arm64 macOS refuses to load a binary whose signature no
longer matches (delocate `tools.py` does the same).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from .. import commands
from ..targets import Target
from ..wheelfile import in_wheel
from . import find_tool, tool_path

DELOCATE_HINT = "pip install delocate (a dependency of pygo-tools on macOS)"


@dataclass(frozen=True)
class InstallNameEdit:
    """One ``install_name_tool`` call on one file of the unpacked wheel."""

    file: str  # path inside the wheel
    args: tuple[str, ...]


def linked_libraries(binary: Path) -> list[str]:
    """Install names a Mach-O file links to, from ``otool -L`` (first line is the file)."""
    output = commands.run(["otool", "-L", str(binary)], quiet=True)
    return [line.strip().split(" (")[0] for line in output.splitlines()[1:] if line.strip()]


def plan_edits(root: Path) -> list[InstallNameEdit]:
    """Edits that make every extension load Go dylibs shipped in the wheel by a relative path."""
    dylibs = {p.name: p.relative_to(root).as_posix() for p in root.rglob("*.dylib")}
    edits = [InstallNameEdit(path, ("-id", f"@rpath/{name}")) for name, path in sorted(dylibs.items())]
    for extension in sorted(root.rglob("*.so")):
        inside = extension.relative_to(root).as_posix()
        for old in linked_libraries(extension):
            name = posixpath.basename(old)
            if name in dylibs and not old.startswith("@loader_path/"):
                relative = posixpath.relpath(dylibs[name], posixpath.dirname(inside) or ".")
                edits.append(InstallNameEdit(inside, ("-change", old, f"@loader_path/{relative}")))
    return edits


def apply_edits(root: Path, edits: list[InstallNameEdit]) -> None:
    for edit in edits:
        commands.run(["install_name_tool", *edit.args, str(root / edit.file)])
    for file in sorted({edit.file for edit in edits}):
        commands.run(["codesign", "--force", "--sign", "-", str(root / file)])


def repair(wheel: Path, target: Target, out_dir: Path) -> Path:
    patched = out_dir / "patched" / wheel.name
    with in_wheel(wheel, patched) as root:
        apply_edits(root, plan_edits(root))
    delocate = find_tool("delocate-wheel", DELOCATE_HINT)
    commands.run(
        [delocate, "--require-archs", target.wheel_arch, "-w", str(out_dir), str(patched)],
        env={"PATH": tool_path()},
        hint="delocate's message is above; MACOSX_DEPLOYMENT_TARGET sets the oldest macOS",
    )
    return next(out_dir.glob("*.whl"))
