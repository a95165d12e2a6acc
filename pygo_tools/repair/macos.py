"""macOS: check the Mach-O files, tag the wheel from their minimum macOS; on a Mac, delocate.

pygo-tools sets install names at link time (``@rpath/libNAME.dylib``, rpath
``@loader_path/lib``), so a wheel built on Linux or on a Mac needs no edits: the same checks
and the same tag apply to both. Should a binary still name a library by an absolute path (a
Mac toolchain that ignored the flags), the edits are planned first, then applied once with
``install_name_tool``, and every binary touched is ad-hoc re-signed, since arm64 macOS refuses
a binary whose signature no longer matches (delocate ``tools.py`` does the same). Those tools
exist only on a Mac; elsewhere such a file fails the check instead.
"""

from __future__ import annotations

import posixpath
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import commands
from ..binaries import check_macho, macho_load_names
from ..errors import BuildError
from ..programs import macos_minimum, macos_platform_tag
from ..targets import Target
from ..wheelfile import in_wheel
from . import find_tool, tool_path

DELOCATE_HINT = "pip install delocate (a dependency of pygo-tools on macOS)"


@dataclass(frozen=True)
class InstallNameEdit:
    """One ``install_name_tool`` call on one file of the unpacked wheel."""

    file: str  # path inside the wheel
    args: tuple[str, ...]


def on_mac() -> bool:
    return sys.platform == "darwin"


def linked_libraries(binary: Path) -> list[str]:
    """Install names a Mach-O file links to (LC_LOAD_DYLIB and friends)."""
    return macho_load_names(binary)["load"]


def install_name(binary: Path) -> str | None:
    ids = macho_load_names(binary)["id"]
    return ids[0] if ids else None


def macho_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".so", ".dylib"))


def plan_edits(root: Path) -> list[InstallNameEdit]:
    """Edits that make every extension load Go dylibs shipped in the wheel by a relative path;
    none when the linker already wrote relative names."""
    dylibs = {p.name: p.relative_to(root).as_posix() for p in root.rglob("*.dylib")}
    edits = [
        InstallNameEdit(path, ("-id", f"@rpath/{name}"))
        for name, path in sorted(dylibs.items())
        if not (install_name(root / path) or "").startswith("@")
    ]
    for extension in sorted(root.rglob("*.so")):
        inside = extension.relative_to(root).as_posix()
        for old in linked_libraries(extension):
            name = posixpath.basename(old)
            if name in dylibs and not old.startswith("@"):
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
        binaries = macho_files(root)
        if not binaries:
            raise BuildError(f"{wheel.name}: no Mach-O files (.so, .dylib) to check")
        edits = plan_edits(root)
        if edits and on_mac():
            apply_edits(root, edits)
        for binary in binaries:
            check_macho(binary, target, name=binary.relative_to(root).as_posix())
        minimum = max(macos_minimum(b) for b in binaries)
        tag = macos_platform_tag(minimum, target)
    if on_mac():
        # delocate checks the architectures and that every library resolves, on the real system.
        delocate = find_tool("delocate-wheel", DELOCATE_HINT)
        checked = out_dir / "delocated"
        checked.mkdir()
        commands.run(
            [delocate, "--require-archs", target.wheel_arch, "-w", str(checked), str(patched)],
            # What the binaries need: a lower MACOSX_DEPLOYMENT_TARGET was raised at build time.
            env={"PATH": tool_path(), "MACOSX_DEPLOYMENT_TARGET": f"{minimum[0]}.{minimum[1]}"},
            hint="delocate's message is above; MACOSX_DEPLOYMENT_TARGET sets the oldest macOS",
        )
        patched = next(checked.glob("*.whl"))
    final = out_dir / patched.name
    shutil.move(str(patched), final)
    output = commands.run(
        [sys.executable, "-m", "wheel", "tags", "--remove", f"--platform-tag={tag}", str(final)], quiet=True
    )
    return out_dir / output.strip().splitlines()[-1]
