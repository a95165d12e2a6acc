"""Windows: check what the wheel's binaries import; the build already placed the Go DLL.

The ``.pyd`` imports the Go DLL by a hashed name from its own folder (``windows.py`` says why),
so nothing needs moving or patching. This step checks that it holds for every binary: PE32+
for the target's machine, each imported DLL either next to its importer in the wheel, or
``python3.dll``, or part of Windows; and no import library (``.lib``, ``.a``) left in.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from ..binaries import check_pe
from ..errors import BuildError
from ..targets import Target

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
            if dll.lower() == "python3.dll" and binary.suffix.lower() == ".pyd":
                continue
            if dll.lower() not in beside and not is_system_dll(dll):
                raise BuildError(
                    f"{wheel_name}: {inside} imports {dll}, "
                    "which is neither beside it in the wheel nor part of Windows",
                    hint="an abi3 extension imports python3.dll only; other DLLs must ship beside the .pyd",
                )


def repair(wheel: Path, target: Target, out_dir: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="pygo-win-") as temp:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(temp)
        check_windows_files(Path(temp), target, wheel.name)
    checked = out_dir / wheel.name
    shutil.copy2(wheel, checked)
    return checked
