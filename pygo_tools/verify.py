"""Checks on what a build produced, so a broken wheel fails here and not on a user's machine."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .config import Config
from .errors import BuildError
from .golib import GoLibrary
from .wheelfile import WheelContents, read_wheel


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


def check_built_extension(extension: Path, library: GoLibrary) -> None:
    """The extension must find the Go library through a relative rpath and nothing else."""
    if library.target.goos != "linux":
        return
    runpath = elf_runpath(extension)
    absolute = [entry for entry in runpath if not entry.startswith("$ORIGIN")]
    if absolute:
        raise BuildError(
            f"{extension.name} has a RUNPATH entry outside the wheel: {', '.join(absolute)}",
            hint="remove -Wl,-rpath flags with absolute paths from LDFLAGS/LDSHARED",
        )
    if not runpath:
        raise BuildError(f"{extension.name} has no RUNPATH; it could not find {library.path.name}")


def check_wheel(wheel: Path, config: Config) -> None:
    """RECORD is complete, no Go sources shipped; with an extension, it and the Go library are
    there and cffi is required; with programs, each is there and executable."""
    contents = read_wheel(wheel)
    if config.has_extension:
        _check_extension_files(wheel, contents, config)
    if config.executables:
        _check_programs(wheel, config)
    if contents.unrecorded():
        raise BuildError(f"{wheel.name}: RECORD does not list {', '.join(contents.unrecorded())}")
    shipped_go = [n for n in contents.names if n.endswith(".go") or n.endswith("/go.mod")]
    if shipped_go:
        raise BuildError(
            f"{wheel.name}: Go sources were packaged: {', '.join(shipped_go[:3])}",
            hint="Go code is compiled into the library; exclude it from package_data",
        )


def check_published(wheel: Path) -> None:
    """The last look before a wheel reaches the user, after every rewrite (repair, retag): the
    WHEEL file declares exactly the tags of the file name, and RECORD lists every file with the
    hash of its bytes. Installers read both; a mismatch means a pygo-tools bug, not yours."""
    contents = read_wheel(wheel)
    declared = sorted(contents.wheel_info.get_all("Tag") or [])
    hint = "this is a bug in pygo-tools: please report it with the output of the build run with -v"
    if declared != contents.tags:
        raise BuildError(f"{wheel.name}: WHEEL declares the tags {declared}, its name {contents.tags}", hint=hint)
    broken = contents.unrecorded() + contents.hash_mismatches()
    if broken:
        raise BuildError(f"{wheel.name}: RECORD does not match {', '.join(broken[:3])}", hint=hint)


def _check_extension_files(wheel: Path, contents: WheelContents, config: Config) -> None:
    extension_prefix = config.extension.replace(".", "/") + "."
    # abi3 modules are `_native.abi3.so` on Linux and macOS, `_native.pyd` on Windows.
    if not any(n.startswith(extension_prefix) and (".abi3." in n or n.endswith(".pyd")) for n in contents.names):
        raise BuildError(f"{wheel.name}: the abi3 extension {config.extension} is missing")
    library_prefix = f"{config.library_subdir}/lib{config.library}."
    # On Windows it sits next to the extension, named with a hash (windows.py says why).
    beside = "/".join(filter(None, [config.extension_subdir, f"lib{config.library}-"]))
    if not any(n.startswith(library_prefix) or (n.startswith(beside) and n.endswith(".dll")) for n in contents.names):
        raise BuildError(f"{wheel.name}: the Go library {library_prefix}* is missing")
    if config.wrapper and config.wrapper.replace(".", "/") + ".py" not in contents.names:
        raise BuildError(f"{wheel.name}: the typed module {config.wrapper} is missing")
    if not any(r.split(";")[0].replace(" ", "").lower().startswith("cffi") for r in contents.requires_dist):
        raise BuildError(f"{wheel.name}: METADATA does not require cffi")


def _check_programs(wheel: Path, config: Config) -> None:
    prefix = "/".join([*config.package.split("."), "bin"]) + "/"
    with zipfile.ZipFile(wheel) as archive:
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist() if i.filename.startswith(prefix)}
    for program in config.executables:
        found = [name for name in modes if name.split("/")[-1] in (program.name, program.name + ".exe")]
        if not found:
            raise BuildError(f"{wheel.name}: the program {program.name} is missing from {prefix}")
        if not found[0].endswith(".exe") and not modes[found[0]] & 0o111:
            raise BuildError(f"{wheel.name}: {found[0]} is not executable")
