"""Checks on Mach-O and PE files before they go into a wheel: built for the target's CPU, and
(macOS) loading nothing from outside the wheel but the system's own libraries.

macholib (Mach-O) and pefile (PE; delvewheel's own reader) do the parsing.
"""

from __future__ import annotations

from pathlib import Path

from .errors import BuildError, ToolNotFoundError
from .targets import Target

# The packages of pygo-tools' [cross] extra, by name: PyPI's `pygo-tools` is the unrelated 0.1.8.
CROSS_HINT = "`pip install ziglang pefile macholib` where pygo-tools is installed (its [cross] extra)"
# Where macOS keeps its own libraries; anything else must be inside the wheel.
MACOS_SYSTEM_PREFIXES = ("/usr/lib/", "/System/Library/")
_RELATIVE = ("@rpath/", "@loader_path/")


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
        if header.header.cputype != target.macho_cputype:
            raise BuildError(
                f"{shown} is for CPU type {header.header.cputype:#x}, not {target.name} ({target.macho_cputype:#x})"
            )
    names = macho_load_names(path)
    outside = [n for n in names["load"] if not n.startswith(_RELATIVE + MACOS_SYSTEM_PREFIXES)]
    outside += [n for n in names["id"] + names["rpath"] if not n.startswith(_RELATIVE)]
    if outside:
        raise BuildError(
            f"{shown} refers to {', '.join(outside)}: a path on the build machine, not in the wheel",
            hint="pygo-tools sets @rpath install names at link time; remove -install_name or -rpath "
            "flags with absolute paths from LDFLAGS and ldflags",
        )


def check_pe(path: Path, target: Target, name: str | None = None) -> None:
    """A PE32+ file for ``target``'s machine."""
    shown = name or path.name
    try:
        import pefile
    except ImportError:
        raise ToolNotFoundError("pefile not found (needed to check Windows binaries)", hint=CROSS_HINT) from None
    try:
        pe = pefile.PE(str(path), fast_load=True)
    except pefile.PEFormatError as error:
        raise BuildError(f"{shown} is not a PE file: {error}") from None
    try:
        machine, magic = pe.FILE_HEADER.Machine, pe.OPTIONAL_HEADER.Magic
    finally:
        pe.close()
    if magic != pefile.OPTIONAL_HEADER_MAGIC_PE_PLUS or machine != target.pe_machine:
        raise BuildError(
            f"{shown} is a PE file for machine {machine:#x} (optional header {magic:#x}), "
            f"not PE32+ for {target.name} ({target.pe_machine:#x})"
        )
