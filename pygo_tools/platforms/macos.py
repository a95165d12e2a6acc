"""macOS from any host: Mach-O binaries, the minimum macOS, Go's -lresolv stub, install names
set at link time, checks of what was built, and the wheel's tag.

Everything here is chosen so that the binaries need no editing after the link: the Go dylib's
install name is ``@rpath/libNAME.dylib`` and the extension finds it through
``@loader_path``-relative rpath, both set by the linker. zig ad-hoc signs arm64 outputs as it
writes them; an edit afterwards would need a re-signing tool that Linux lacks.

On a Mac the wheel also goes through delocate. Should a binary still name a library by an
absolute path (a Mac toolchain that ignored the flags), the edits are planned first, then
applied once with ``install_name_tool``, and every binary touched is ad-hoc re-signed, since
arm64 macOS refuses a binary whose signature no longer matches (delocate ``tools.py`` does the
same). Those tools exist only on a Mac; elsewhere such a file fails the check instead.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import struct
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BuildError, ConfigError, ToolNotFoundError
from ..util import commands, log
from ..util.atomic import move_atomically, write_text_atomically
from ..util.cache import cache_dir
from ..wheel.contents import in_wheel, retag
from .base import (
    CROSS_HINT,
    ExtensionContext,
    ExtensionSettings,
    Platform,
    cross_include_dirs,
    find_tool,
    join_ldflags,
    tool_path,
)
from .stable_abi import Version

if TYPE_CHECKING:
    from .targets import Target

DEPLOYMENT_ENV = "MACOSX_DEPLOYMENT_TARGET"
DELOCATE_HINT = "pip install delocate (a dependency of pygo-tools on macOS)"
# Where macOS keeps its own libraries; anything else must be inside the wheel.
MACOS_SYSTEM_PREFIXES = ("/usr/lib/", "/System/Library/")
_RELATIVE = ("@rpath/", "@loader_path/")
_MACHO_CPUTYPE = {"amd64": 0x01000007, "arm64": 0x0100000C}  # CPU_TYPE_X86_64, CPU_TYPE_ARM64


class MacOS(Platform):
    goos = "darwin"
    sys_platform = "darwin"
    library_suffix = ".dylib"
    rpath_origin = "@loader_path"
    binary_readers = (("macholib", "macholib>=1.16"),)

    def resolve(self, target: Target, go_path: Path, go_version: tuple[int, int]) -> Target:
        """``target`` with the macOS version its C compiler targets."""
        major, minor = deployment_target(go_macos_minimum(go_path, go_version))
        return replace(target, os_version=f"{major}.{minor}")

    def go_library_ldflags(self, target: Target, output: Path, strip: bool) -> str:
        stubs = resolv_stub_dir() if target.uses_zig else None
        return join_ldflags(*go_link_flags(target, f"@rpath/{output.name}", stubs))

    def go_program_ldflags(self, target: Target, cgo: bool) -> str:
        if not cgo:
            return "-s -w"
        stubs = resolv_stub_dir() if target.uses_zig else None
        return join_ldflags(*go_link_flags(target, None, stubs))

    def prepare_go_build(self, target: Target) -> dict[str, str]:
        if target.uses_zig:
            write_resolv_stub()
        return deployment_env(target)

    def adjust_extension(self, settings: ExtensionSettings, context: ExtensionContext) -> ExtensionSettings:
        filename = context.module_name + (context.target.abi.posix_suffix or ".so")
        settings.extra_link_args = [*settings.extra_link_args, *extension_link_args(context.target, filename)]
        if context.target.uses_zig:
            settings.include_dirs = [*cross_include_dirs(context.work), *settings.include_dirs]
        return settings

    def cross_cflags(self) -> list[str]:
        return ["-fPIC"]

    def check_extension(self, built: Path, library: Path, target: Target) -> None:
        check_macho(built, target)
        check_macho(library, target)

    def unrepaired_platform_tag(self, target: Target) -> str:
        return f"macosx_11_0_{target.wheel_arch}"

    def repair(self, wheel: Path, target: Target, out_dir: Path) -> Path:
        return repair(wheel, target, out_dir)

    def program_platform_tag(self, target: Target, binaries: list[Path], cgo: bool) -> str:
        return macos_platform_tag(max(macos_minimum(b) for b in binaries), target)


MACOS = MacOS()

# Go's net and os packages link -lresolv on darwin (internal/syscall/unix/net_darwin.go). A text
# stub of macOS's libresolv satisfies the linker without an SDK; at run time dyld loads the real
# /usr/lib/libresolv.9.dylib, which every macOS has.
RESOLV_TBD = """\
--- !tapi-tbd
tbd-version:     4
targets:         [ x86_64-macos, arm64-macos ]
install-name:    '/usr/lib/libresolv.9.dylib'
current-version: 1
exports:
  - targets:         [ x86_64-macos, arm64-macos ]
    symbols:         [ _res_9_init, _res_9_ndestroy, _res_9_nclose, _res_9_ninit, _res_9_nquery,
                       _res_9_nsearch, _res_9_query, _res_9_search ]
...
"""

# The oldest macOS each Go release supports (its release notes), for Go without `link -macos`.
_GO_MACOS = {(1, 21): (10, 15), (1, 22): (10, 15), (1, 23): (11, 0), (1, 24): (11, 0), (1, 25): (12, 0)}
_LINK_MACOS = re.compile(r"-macos value\s*\n[^\n]*\(default (\d+)\.(\d+)")
_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.\d+)?$")


def go_macos_minimum(go_path: Path, go_version: tuple[int, int]) -> Version:
    """The oldest macOS the Go toolchain supports: its linker's ``-macos`` default (Go 1.27+
    prints it in ``go tool link -help``, which exits 2 as flag's help does), else the release
    notes' figure."""
    help_text = commands.run(
        [str(go_path), "tool", "link", "-help"], env={"GOTOOLCHAIN": "local"}, quiet=True, ok_codes=(0, 1, 2)
    )
    match = _LINK_MACOS.search(help_text)
    if match:
        return int(match.group(1)), int(match.group(2))
    return _GO_MACOS.get(go_version, (10, 15) if go_version < (1, 21) else (12, 0))


def deployment_target(go_minimum: Version) -> Version:
    """The macOS to build for: ``MACOSX_DEPLOYMENT_TARGET`` when it is newer than Go's minimum."""
    value = os.environ.get(DEPLOYMENT_ENV, "").strip()
    if not value:
        return go_minimum
    match = _VERSION.match(value)
    if not match or not 10 <= int(match.group(1)) <= 99:
        raise ConfigError(
            f"{DEPLOYMENT_ENV}={value!r} is not a macOS version",
            hint=f"use a version like 14.0, or unset it to build for macOS {go_minimum[0]}.{go_minimum[1]}",
        )
    wanted = (int(match.group(1)), int(match.group(2) or 0))
    if wanted < go_minimum:
        log.info(
            f"pygo-tools: {DEPLOYMENT_ENV}={value} is older than macOS {go_minimum[0]}.{go_minimum[1]}, "
            f"the oldest this Go supports; building for {go_minimum[0]}.{go_minimum[1]}"
        )
        return go_minimum
    return wanted


def resolv_stub_dir() -> Path:
    """The folder that holds ``libresolv.tbd``: pygo-tools' cache, under a hash of the stub.

    The folder goes into the Go link's flags, which Go hashes into the library's build ID; a
    path that differs between builds (the build directory) would make every rebuild differ.
    """
    digest = hashlib.sha256(RESOLV_TBD.encode()).hexdigest()[:12]
    return cache_dir() / f"macos-stubs-{digest}"


def write_resolv_stub() -> Path:
    """Make sure ``libresolv.tbd`` is in :func:`resolv_stub_dir` (written atomically)."""
    directory = resolv_stub_dir()
    stub = directory / "libresolv.tbd"
    if stub.is_file() and stub.read_text(encoding="utf-8") == RESOLV_TBD:
        return directory
    write_text_atomically(stub, RESOLV_TBD)
    return directory


def go_link_flags(target: Target, install_name: str | None, stub_dir: Path | None) -> tuple[list[str], list[str]]:
    """(ldflags, extldflags) for a darwin Go link.

    ``-s`` would make Go pass ``-Wl,-x`` to the linker, and zig then writes a corrupt indirect
    symbol table on arm64; ``-w`` alone drops DWARF (and makes Go pass ``-Wl,-S``).
    """
    extldflags = []
    if install_name:
        extldflags.append(f"-Wl,-install_name,{install_name}")
    if stub_dir is not None:
        extldflags.append(f"-L{stub_dir}")
    return ["-w"], extldflags


def deployment_env(target: Target) -> dict[str, str]:
    """On a Mac, the native compilers read the minimum macOS from the environment."""
    return {DEPLOYMENT_ENV: target.os_version} if target.os_version and not target.uses_zig else {}


def extension_link_args(target: Target, filename: str) -> list[str]:
    """Link flags beside the Go library's rpath: CPython's symbols are found in the loading
    interpreter, and room is left for install-name edits (delocate on a Mac). With zig the
    extension is a dylib (``-bundle`` makes zig crash), which CPython loads just as well, and a
    dylib records its own install name: ``@rpath/<filename>``, not the build path. On a Mac the
    interpreter's own LDSHARED (``-bundle -undefined dynamic_lookup``) is kept."""
    if target.uses_zig:
        return [
            "-Wl,-undefined,dynamic_lookup",
            f"-Wl,-install_name,@rpath/{filename}",
            "-Wl,-headerpad_max_install_names",
        ]
    return ["-Wl,-headerpad_max_install_names", f"-mmacosx-version-min={target.os_version}"]


def _macho(path: Path):  # type: ignore[no-untyped-def]  # macholib has no type hints
    try:
        from macholib.MachO import MachO
    except ImportError:
        raise ToolNotFoundError("macholib not found (needed to check macOS binaries)", hint=CROSS_HINT) from None
    try:
        return MachO(str(path)).headers
    except Exception as error:  # macholib raises bare ValueError/struct.error on garbage
        raise BuildError(f"{path.name} is not a readable Mach-O file: {error}") from None


def macho_load_names(path: Path) -> dict[str, list[str]]:
    """Install names a Mach-O file declares: ``id`` (its own), ``load`` (libraries), ``rpath``."""
    from macholib import mach_o

    found: dict[str, list[str]] = {"id": [], "load": [], "rpath": []}
    kinds = {
        mach_o.LC_ID_DYLIB: "id",
        mach_o.LC_LOAD_DYLIB: "load",
        mach_o.LC_LOAD_WEAK_DYLIB: "load",
        mach_o.LC_REEXPORT_DYLIB: "load",
        mach_o.LC_RPATH: "rpath",
    }
    for header in _macho(path):
        for command, _, data in header.commands:
            kind = kinds.get(command.cmd)
            if kind:
                found[kind].append(data.rstrip(b"\0").decode("utf-8", "replace"))
    return found


def check_macho(path: Path, target: Target, name: str | None = None) -> None:
    """For ``target``'s CPU; every library and rpath relative to the file or a system one."""
    shown = name or path.name
    for header in _macho(path):
        wanted = _MACHO_CPUTYPE[target.goarch]
        if header.header.cputype != wanted:
            raise BuildError(f"{shown} is for CPU type {header.header.cputype:#x}, not {target.name} ({wanted:#x})")
    names = macho_load_names(path)
    outside = [n for n in names["load"] if not n.startswith(_RELATIVE + MACOS_SYSTEM_PREFIXES)]
    outside += [n for n in names["id"] + names["rpath"] if not n.startswith(_RELATIVE)]
    if outside:
        raise BuildError(
            f"{shown} refers to {', '.join(outside)}: a path on the build machine, not in the wheel",
            hint="pygo-tools sets @rpath install names at link time; remove -install_name or -rpath "
            "flags with absolute paths from LDFLAGS and ldflags",
        )


_LC_VERSION_MIN_MACOSX = 0x24
_LC_BUILD_VERSION = 0x32
_MACHO_64 = 0xFEEDFACF


def macos_minimum(binary: Path) -> tuple[int, int]:
    """The minimum macOS version a 64-bit Mach-O file declares (LC_BUILD_VERSION or the older
    LC_VERSION_MIN_MACOSX). Two load-command fields: not worth a dependency."""
    data = binary.read_bytes()
    magic, _, _, _, ncmds, _, _, _ = struct.unpack_from("<8I", data, 0)
    if magic != _MACHO_64:
        raise BuildError(f"{binary.name} is not a 64-bit Mach-O file")
    offset = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<2I", data, offset)
        if cmd == _LC_BUILD_VERSION:
            version = struct.unpack_from("<I", data, offset + 12)[0]
            return version >> 16, (version >> 8) & 0xFF
        if cmd == _LC_VERSION_MIN_MACOSX:
            version = struct.unpack_from("<I", data, offset + 8)[0]
            return version >> 16, (version >> 8) & 0xFF
        offset += size
    raise BuildError(f"{binary.name} declares no minimum macOS version")


def macos_platform_tag(minimum: tuple[int, int], target: Target) -> str:
    """``macosx_13_0_arm64`` for binaries that need macOS 13.0. From macOS 11 on, installers
    know only ``X_0`` tags, so a minimum of 13.1 is tagged 14_0: never lower than needed."""
    major, minor = minimum
    if major >= 11 and minor:
        major, minor = major + 1, 0
    return f"macosx_{major}_{minor}_{target.wheel_arch}"


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
    move_atomically(patched, final)
    return retag(final, out_dir, platform=tag, remove=True)
