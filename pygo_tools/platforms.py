"""What differs between Linux, macOS and Windows builds, behind one small dispatch on GOOS:
the Go link's flags, the extension's file name, compiler, linker and checks.

The details live in ``darwin.py`` and ``windows.py``; the pipeline calls only these functions.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import binaries, commands, darwin, log, windows
from .config import Config
from .errors import BuildError, CommandError
from .stable_abi import Version
from .targets import Target
from .toolchain import ZigCompiler

if TYPE_CHECKING:
    from .golib import GoLibrary

# Compiler flags for targets whose interpreter flags do not apply (the host's CFLAGS are for
# the host's OS); -g0 comes from the extension itself.
_CROSS_CFLAGS = ["-O2", "-fwrapv", "-DNDEBUG"]


def go_quote(arg: str) -> str:
    """Quote one argument for Go's flag lists (-ldflags, -extldflags), which split on spaces
    and honour quotes only around a whole argument."""
    if arg and not any(c.isspace() for c in arg) and arg[0] not in "'\"":
        return arg
    for quote in ('"', "'"):
        if quote not in arg:
            return f"{quote}{arg}{quote}"
    raise BuildError(f"cannot pass {arg!r} to the Go linker: it holds both kinds of quotes")


def join_ldflags(ldflags: list[str], extldflags: list[str]) -> str:
    """``-ldflags`` text: Go's own flags, then ``-extldflags`` for the external linker."""
    parts = [go_quote(flag) for flag in ldflags]
    if extldflags:
        value = " ".join(go_quote(flag) for flag in extldflags)
        parts += [f"-extldflags={value}"] if value == go_quote(value) else ["-extldflags", go_quote(value)]
    return " ".join(parts)


def go_library_ldflags(config: Config, target: Target, output: Path) -> str:
    """The ``-ldflags`` pygo-tools gives the Go library's link (the user's own come after)."""
    if target.goos == "darwin":
        stubs = darwin.resolv_stub_dir() if target.uses_zig else None
        return join_ldflags(*darwin.go_link_flags(target, f"@rpath/{output.name}", stubs))
    strip = ["-s", "-w"] if config.strip else []
    # -extldflags=-s: with cgo the external linker writes the library, and zig's keeps the C
    # parts' symbols and DWARF unless told to strip too.
    return join_ldflags(strip, ["-s"] if config.strip else [])


def go_program_ldflags(target: Target, cgo: bool) -> str:
    """The stripping part of a Go program's ``-ldflags``."""
    if target.goos == "darwin" and cgo:
        stubs = darwin.resolv_stub_dir() if target.uses_zig else None
        return join_ldflags(*darwin.go_link_flags(target, None, stubs))
    return "-s -w"


def prepare_go_build(target: Target) -> dict[str, str]:
    """Write what the target's Go link needs (macOS: the libresolv stub); return environment
    to add to the build's."""
    if target.goos == "darwin":
        if target.uses_zig:
            darwin.write_resolv_stub()
        return darwin.deployment_env(target)
    return {}


def extension_filename(fullname: str, target: Target) -> str | None:
    """``pkg/_native.pyd`` for Windows (abi3 modules there have no ``.abi3`` tag); None: the
    interpreter's own suffix (``.abi3.so``) is right."""
    if target.goos != "windows" or target.host:
        return None
    return os.path.join(*fullname.split(".")) + ".pyd"


def configure_extension(ext: Any, config: Config, library: GoLibrary, work: Path, zig: ZigCompiler | None) -> None:
    """Adjust the extension (already set up for Linux by extension.configure_extension)."""
    target = library.target
    if target.goos == "darwin":
        filename = config.extension.rsplit(".", 1)[-1] + ".abi3.so"
        ext.extra_link_args = [*ext.extra_link_args, *darwin.extension_link_args(target, filename)]
    elif target.goos == "windows" and not target.host:
        if zig is None:
            raise BuildError("building a Windows extension from here needs zig", hint=binaries.CROSS_HINT)
        implibs = work / "implib"
        python3 = windows.python3_import_library(floor(config), target, zig.command, implibs)
        dll_name = windows.mangled_name(library.path)
        go = windows.go_import_library(library.path, dll_name, target, zig.command, implibs)
        ext.include_dirs = [str(windows.include_dir(work / "include")), *ext.include_dirs]
        ext.libraries, ext.library_dirs = [], []
        # zig's -lNAME does not find NAME.dll.a: import libraries are passed by path.
        ext.extra_objects = [str(python3), str(go)]
        ext.extra_link_args = ["-s"] if config.strip else []


def library_destination(config: Config, library: GoLibrary, root: Path) -> Path:
    """Where the Go library goes under the wheel's ``root``: ``<package>/lib/`` (found through
    the extension's rpath), or on Windows next to the ``.pyd`` under its hashed name."""
    if library.target.goos == "windows" and not library.target.host:
        return root.joinpath(*config.extension_subdir.split("/"), windows.mangled_name(library.path))
    return root.joinpath(*config.library_subdir.split("/"), library.path.name)


def use_compiler(compiler: Any, target: Target, cc: list[str], config: Config) -> None:
    """Make setuptools' compiler object compile and link with ``cc`` (zig) for ``target``."""
    if target.goos == "linux":  # keep the interpreter's flags, swap the compiler for the target's
        compiler.compiler_so = [*cc, *compiler.compiler_so[1:]]
        compiler.linker_so = [*cc, *compiler.linker_so[1:]]
        return
    pic = ["-fPIC"] if target.goos == "darwin" else []
    compiler.compiler_so = [*cc, *pic, *_CROSS_CFLAGS]
    compiler.linker_so = [*cc, "-shared"]
    # setuptools runs commands through `call` (older ones through `spawn`).
    compiler.call = compiler.spawn = _spawn_explaining(target, floor(config))
    if target.goos == "windows":
        compiler.link = _without_import_library(compiler.link)


def _spawn_explaining(target: Target, limited: Version) -> Callable[[list[str]], None]:
    """Run compiler commands through commands.run, so a failed link is explained."""

    def spawn(command: list[str], **_: Any) -> None:
        try:
            commands.run(command, quiet=True)
        except CommandError as error:
            explained = windows.explain_link_error(error, limited) if target.goos == "windows" else None
            if explained is None:
                raise
            log.info(str(error))  # the linker's own words, above the explanation
            raise explained from None

    return spawn


def _without_import_library(link: Callable[..., None]) -> Callable[..., None]:
    """zig writes an import library (``.lib``) of the ``.pyd`` beside it, named after the object
    file; it does not belong in the wheel: remove what the link adds."""

    def linked(target_desc: Any, objects: list[str], output_filename: str, *args: Any, **kwargs: Any) -> None:
        folder = Path(output_filename).parent
        before = set(folder.glob("*.lib")) if folder.is_dir() else set()
        link(target_desc, objects, output_filename, *args, **kwargs)
        for stray in set(folder.glob("*.lib")) - before:
            stray.unlink()

    return linked


def check_extension(built: Path, library: GoLibrary) -> None:
    """The extension and the Go library are for the target's CPU and load nothing from the
    build machine. (Linux: ``verify.check_built_extension`` reads the RUNPATH.)"""
    target = library.target
    if target.goos == "darwin":
        binaries.check_macho(built, target)
        binaries.check_macho(library.path, target)
    elif target.goos == "windows":
        binaries.check_pe(built, target)
        binaries.check_pe(library.path, target)


def floor(config: Config) -> Version:
    """The ``limited_api`` floor as a version tuple: (3, 9)."""
    major, minor = config.limited_api.split(".")
    return int(major), int(minor)
