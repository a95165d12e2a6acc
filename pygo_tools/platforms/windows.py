"""Windows from any host: PE binaries, import libraries, pyconfig.h, where the Go DLL goes, and
the checks of what the wheel's binaries import.

An abi3 ``.pyd`` imports CPython's API from ``python3.dll`` (abi3t: ``python3t.dll``).
pygo-tools writes the import library for it itself, from the stable-ABI names at the project's
``limited_api`` floor (``stable_abi.py``), so using newer API is a link error here rather than an import error on a
user's machine. ``Python.h`` includes the ``pyconfig.h`` beside it, which describes the machine
that built the headers: the host's headers are copied and given a Windows one.

Windows finds the DLLs an extension imports in the extension's own folder (CPython loads
extensions with LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR), not in a ``lib/`` below it, and there is no
rpath. So the Go DLL ships next to the ``.pyd``, under a name that carries a hash of its
contents (``libhello-<hash>.dll``), and the ``.pyd`` imports it by that name: two packages that
each ship a different ``libhello.dll`` never get each other's in one process (the loader reuses
a loaded DLL of the same name). This is delvewheel's name mangling, done at link time: the
import library is written for the hashed name, so no binary is edited afterwards, and the
wheel keeps one top-level package (delvewheel's ``<dist>.libs/`` folder fails
``check-wheel-contents``).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BuildError, CommandError, ToolNotFoundError
from ..util import commands, log
from ..util.atomic import copy_atomically, write_text_atomically
from .base import CROSS_HINT, ExtensionContext, ExtensionSettings, Platform, headers_with_pyconfig, strip_ldflags
from .stable_abi import StableName, Version, names_at

if TYPE_CHECKING:
    from .targets import Target

IMAGE_SCN_MEM_EXECUTE = 0x20000000
_PE_MACHINE = {"amd64": 0x8664, "arm64": 0xAA64}  # IMAGE_FILE_MACHINE_AMD64, _ARM64
_DLLTOOL_MACHINE = {"amd64": "i386:x86-64", "arm64": "arm64"}


class Windows(Platform):
    goos = "windows"
    sys_platform = "win32"
    library_suffix = ".dll"
    executable_suffix = ".exe"
    binary_readers = (("pefile", "pefile>=2023.2.7"),)

    def go_library_ldflags(self, target: Target, output: Path, strip: bool) -> str:
        return strip_ldflags(strip)

    def extension_filename(self, fullname: str, target: Target) -> str | None:
        """``pkg/_native.pyd`` (stable-ABI modules on Windows have no ``.abi3`` tag)."""
        if not target.abi.stable:
            return None
        return "/".join(fullname.split(".")) + ".pyd"

    def adjust_extension(self, settings: ExtensionSettings, context: ExtensionContext) -> ExtensionSettings:
        if context.target.host:
            return settings
        if context.zig is None:
            raise BuildError("building a Windows extension from here needs zig", hint=CROSS_HINT)
        implibs = context.work / "implib"
        python3 = python3_import_library(context.floor, context.target, context.zig.command, implibs)
        go = go_import_library(
            context.library, mangled_name(context.library), context.target, context.zig.command, implibs
        )
        settings.include_dirs = [str(include_dir(context.work / "include")), *settings.include_dirs]
        settings.libraries, settings.library_dirs = [], []
        # zig's -lNAME does not find NAME.dll.a: import libraries are passed by path.
        settings.extra_objects = [str(python3), str(go)]
        settings.extra_link_args = ["-s"] if context.strip else []
        return settings

    def use_compiler(self, compiler: Any, target: Target, cc: list[str], floor: Version) -> None:
        super().use_compiler(compiler, target, cc, floor)
        compiler.link = _without_import_library(compiler.link)

    def explain_link_error(self, error: CommandError, floor: Version) -> BuildError | None:
        return explain_link_error(error, floor)

    def library_destination(self, target: Target, library: Path, library_subdir: str, extension_subdir: str) -> str:
        """Next to the ``.pyd`` under its hashed name (the module's docstring says why)."""
        if target.host:
            return super().library_destination(target, library, library_subdir, extension_subdir)
        return "/".join(filter(None, [extension_subdir, mangled_name(library)]))

    def check_extension(self, built: Path, library: Path, target: Target) -> None:
        check_pe(built, target)
        check_pe(library, target)

    def unrepaired_platform_tag(self, target: Target) -> str:
        return "win_amd64" if target.goarch == "amd64" else "win_arm64"

    def repair(self, wheel: Path, target: Target, out_dir: Path) -> Path:
        return repair(wheel, target, out_dir)

    def program_platform_tag(self, target: Target, binaries: list[Path], cgo: bool) -> str:
        return self.unrepaired_platform_tag(target)


WINDOWS = Windows()

# What an abi3 extension needs from CPython's configuration on 64-bit Windows: the LLP64 data
# model (long is 32 bits, pointers 64), a UTF-16 wchar_t, and a python3.dll that exports the
# API (HAVE_DECLSPEC_DLL + Py_ENABLE_SHARED make PyAPI_DATA `__declspec(dllimport)`, so data
# such as PyBaseObject_Type is reached through the import table). Written from those facts.
PYCONFIG_H = """\
/* pyconfig.h for abi3 extensions built for 64-bit Windows by pygo-tools (not CPython's own). */
#ifndef Py_CONFIG_H
#define Py_CONFIG_H

#define MS_WIN32
#define MS_WIN64
#define MS_WINDOWS
#define NT_THREADS
#define WITH_THREAD
#define PLATFORM "win32"

/* Extensions import the API from python3.dll. */
#define Py_ENABLE_SHARED 1
#define HAVE_DECLSPEC_DLL

/* LLP64 */
#define SIZEOF_SHORT 2
#define SIZEOF_INT 4
#define SIZEOF_LONG 4
#define SIZEOF_LONG_LONG 8
#define SIZEOF_FLOAT 4
#define SIZEOF_DOUBLE 8
#define SIZEOF_VOID_P 8
#define SIZEOF_SIZE_T 8
#define SIZEOF_TIME_T 8
#define SIZEOF_OFF_T 4
#define SIZEOF_FPOS_T 8
#define SIZEOF__BOOL 1
#define ALIGNOF_SIZE_T 8
#define ALIGNOF_LONG 4
#define ALIGNOF_MAX_ALIGN_T 8
#define HAVE_LONG_LONG 1
#define HAVE_UINTPTR_T 1
#define HAVE_INTPTR_T 1
#define DOUBLE_IS_LITTLE_ENDIAN_IEEE754 1

/* wchar_t is UTF-16 */
#define SIZEOF_WCHAR_T 2
#define HAVE_USABLE_WCHAR_T
#define HAVE_WCHAR_H 1
#define HAVE_STDDEF_H 1
#define HAVE_SYS_STAT_H 1

#define PYLONG_BITS_IN_DIGIT 30

#endif /* !Py_CONFIG_H */
"""


def module_definition(names: list[StableName], dll: str = "python3.dll") -> str:
    """A ``.def`` file for python3.dll (or python3t.dll): one line per name, data marked ``DATA``."""
    lines = [f"LIBRARY {dll}", "EXPORTS"]
    lines += [f"{n.name} DATA" if n.is_data else n.name for n in sorted(names, key=lambda n: n.name)]
    return "\n".join(lines) + "\n"


def python3_import_library(floor: Version, target: Target, zig: list[str], directory: Path) -> Path:
    """Write ``python3.def`` and make ``libpython3.dll.a`` from it in ``directory`` (well under a
    second with zig's dlltool, so it is made at every build rather than cached). For abi3t the
    same for ``python3t.dll``: the free-threaded stable ABI's DLL, which exports the stable-ABI
    names of its version (what the abi3t headers leave out, the extension cannot name anyway)."""
    dll = target.abi.windows_dll
    stem = dll.removesuffix(".dll")
    directory.mkdir(parents=True, exist_ok=True)
    definition = directory / f"{stem}.def"
    write_text_atomically(definition, module_definition(names_at(floor, "windows"), dll))
    library = directory / f"lib{stem}.dll.a"
    with log.step(f"{dll} import library (stable ABI {floor[0]}.{floor[1]})"):
        machine = _DLLTOOL_MACHINE[target.goarch]
        commands.run([*zig, "dlltool", "-m", machine, "-d", str(definition), "-l", str(library)])
    return library


def include_dir(destination: Path) -> Path:
    """A copy of this interpreter's headers with a Windows ``pyconfig.h``."""
    return headers_with_pyconfig(destination, PYCONFIG_H)


def mangled_name(library: Path) -> str:
    """``libhello-<hash>.dll``: the name the Go DLL ships under, from a hash of its contents."""
    digest = hashlib.sha256(library.read_bytes()).hexdigest()[:16]
    return f"{library.stem}-{digest}{library.suffix}"


def dll_exports(library: Path) -> list[tuple[str, bool]]:
    """(name, is_data) of every name a DLL exports; data lies in a non-executable section."""
    import pefile

    pe = pefile.PE(str(library), fast_load=True)
    try:
        pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_EXPORT"]])
        exported = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
        symbols = [s for s in (exported.symbols if exported else []) if s.name]
        result = []
        for symbol in symbols:
            section = pe.get_section_by_rva(symbol.address)
            executable = bool(section and section.Characteristics & IMAGE_SCN_MEM_EXECUTE)
            result.append((symbol.name.decode(), not executable))
        return result
    finally:
        pe.close()


def go_import_library(library: Path, dll_name: str, target: Target, zig: list[str], directory: Path) -> Path:
    """An import library that makes the ``.pyd`` import the Go DLL's exports from ``dll_name``."""
    exports = dll_exports(library)
    if not exports:
        raise BuildError(f"{library.name} exports nothing", hint='mark Go functions with //export (and import "C")')
    directory.mkdir(parents=True, exist_ok=True)
    definition = directory / f"{library.stem}.def"
    lines = [f"LIBRARY {dll_name}", "EXPORTS", *(f"{n} DATA" if data else n for n, data in sorted(exports))]
    write_text_atomically(definition, "\n".join(lines) + "\n")
    implib = directory / f"{library.stem}.dll.a"
    commands.run([*zig, "dlltool", "-m", _DLLTOOL_MACHINE[target.goarch], "-d", str(definition), "-l", str(implib)])
    return implib


def explain_link_error(error: CommandError, floor: Version) -> BuildError | None:
    """A missing CPython name at link time means API newer than the ``limited_api`` floor."""
    # lld says `undefined symbol: __imp_PyX`, or `__declspec(dllimport) PyX` when it demangles.
    pattern = r"undefined symbol: (?:__imp_|__declspec\(dllimport\) )?(_?Py\w+)"
    missing = sorted(set(re.findall(pattern, error.output)))
    if not missing:
        return None
    version = f"{floor[0]}.{floor[1]}"
    return BuildError(
        f"the extension uses {', '.join(missing)}, which python3.dll of CPython {version} does not export "
        f"(not in the stable ABI at limited_api {version})",
        hint="raise limited_api in the config to the version that added it, or do not use it; "
        "the linker's message is above",
    )


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
    if magic != pefile.OPTIONAL_HEADER_MAGIC_PE_PLUS or machine != _PE_MACHINE[target.goarch]:
        raise BuildError(
            f"{shown} is a PE file for machine {machine:#x} (optional header {magic:#x}), "
            f"not PE32+ for {target.name} ({_PE_MACHINE[target.goarch]:#x})"
        )


# DLLs every Windows has that a Go DLL or a zig-built extension may import. Anything else must
# ship in the wheel. pythonXY.dll is absent on purpose: an abi3 extension imports python3.dll.
WINDOWS_DLLS = frozenset(
    {
        "advapi32.dll", "bcrypt.dll", "bcryptprimitives.dll", "crypt32.dll", "dbghelp.dll", "dnsapi.dll",
        "gdi32.dll", "iphlpapi.dll", "kernel32.dll", "msvcrt.dll", "mswsock.dll", "netapi32.dll",
        "ntdll.dll", "ole32.dll", "oleaut32.dll", "powrprof.dll", "psapi.dll", "rpcrt4.dll",
        "secur32.dll", "setupapi.dll", "shell32.dll", "shlwapi.dll", "ucrtbase.dll", "user32.dll",
        "userenv.dll", "version.dll", "winmm.dll", "ws2_32.dll",
    }
)  # fmt: skip
BINARY_SUFFIXES = (".pyd", ".dll", ".exe")
STRAY_SUFFIXES = (".lib", ".a", ".exp", ".pdb", ".def")


def is_system_dll(name: str) -> bool:
    lower = name.lower()
    return lower in WINDOWS_DLLS or lower.startswith(("api-ms-win-", "ext-ms-win-"))


def imported_dlls(path: Path) -> list[str]:
    import pefile

    pe = pefile.PE(str(path), fast_load=True)
    try:
        pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"]])
        return [entry.dll.decode() for entry in getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])]
    finally:
        pe.close()


def check_windows_files(root: Path, target: Target, wheel_name: str) -> None:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    stray = [p.relative_to(root).as_posix() for p in files if p.name.lower().endswith(STRAY_SUFFIXES)]
    if stray:
        raise BuildError(f"{wheel_name}: build leftovers in the wheel: {', '.join(stray)}")
    for binary in (p for p in files if p.suffix.lower() in BINARY_SUFFIXES):
        inside = binary.relative_to(root).as_posix()
        check_pe(binary, target, name=inside)
        beside = {p.name.lower() for p in binary.parent.iterdir()}
        for dll in imported_dlls(binary):
            if dll.lower() == target.abi.windows_dll and binary.suffix.lower() == ".pyd":
                continue
            if dll.lower() not in beside and not is_system_dll(dll):
                raise BuildError(
                    f"{wheel_name}: {inside} imports {dll}, "
                    "which is neither beside it in the wheel nor part of Windows",
                    hint=f"a {target.abi.name} extension imports {target.abi.windows_dll} only; "
                    "other DLLs must ship beside the .pyd",
                )


def repair(wheel: Path, target: Target, out_dir: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="pygo-win-") as temp:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(temp)
        check_windows_files(Path(temp), target, wheel.name)
    checked = out_dir / wheel.name
    copy_atomically(wheel, checked)
    return checked
