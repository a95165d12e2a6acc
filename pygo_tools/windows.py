"""Windows extensions from any host: import libraries, pyconfig.h, where the Go DLL goes.

An abi3 ``.pyd`` imports CPython's API from ``python3.dll``. pygo-tools writes the import
library for it itself, from the stable-ABI names at the project's ``limited_api`` floor
(``stable_abi.py``), so using newer API is a link error here rather than an import error on a
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
import shutil
import sysconfig
from pathlib import Path

from . import commands, log
from .errors import BuildError, CommandError
from .stable_abi import StableName, Version, names_at
from .targets import Target

IMAGE_SCN_MEM_EXECUTE = 0x20000000

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


def module_definition(names: list[StableName]) -> str:
    """A ``.def`` file for python3.dll: one line per name, data marked ``DATA``."""
    lines = ["LIBRARY python3.dll", "EXPORTS"]
    lines += [f"{n.name} DATA" if n.is_data else n.name for n in sorted(names, key=lambda n: n.name)]
    return "\n".join(lines) + "\n"


def python3_import_library(floor: Version, target: Target, zig: list[str], directory: Path) -> Path:
    """Write ``python3.def`` and make ``libpython3.dll.a`` from it in ``directory`` (well under a
    second with zig's dlltool, so it is made at every build rather than cached)."""
    directory.mkdir(parents=True, exist_ok=True)
    definition = directory / "python3.def"
    definition.write_text(module_definition(names_at(floor, "windows")), encoding="utf-8")
    library = directory / "libpython3.dll.a"
    with log.step(f"python3.dll import library (stable ABI {floor[0]}.{floor[1]})"):
        commands.run([*zig, "dlltool", "-m", target.dlltool_machine, "-d", str(definition), "-l", str(library)])
    return library


def include_dir(destination: Path) -> Path:
    """A copy of this interpreter's headers with a Windows ``pyconfig.h``."""
    source = Path(sysconfig.get_paths()["include"])
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("internal"))
    (destination / "pyconfig.h").write_text(PYCONFIG_H, encoding="utf-8")
    return destination


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
    definition.write_text("\n".join(lines) + "\n", encoding="utf-8")
    implib = directory / f"{library.stem}.dll.a"
    commands.run([*zig, "dlltool", "-m", target.dlltool_machine, "-d", str(definition), "-l", str(implib)])
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
