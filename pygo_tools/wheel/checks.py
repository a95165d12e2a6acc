"""Checks on a built wheel, so a broken one fails here and not on a user's machine.

``check_contents`` runs on the wheel setuptools wrote, against what the build says must be in
it; ``check_published`` is the last look before any wheel reaches the user, after every rewrite.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BuildError
from ..util.binaries import TRUNCATED_HINT, truncation_of
from .contents import WheelContents, read_wheel


@dataclass(frozen=True)
class ExpectedContents:
    """What the build put into the wheel, as paths inside it."""

    extension: str = ""  # the cffi module, dotted ("" without one)
    extension_file: str = ""  # its file: "myproj/_native.abi3.so", "myproj/_native.pyd"
    library_prefix: str = ""  # "myproj/lib/libhello." (the Go library, on most OSes)
    library_beside_prefix: str = ""  # "myproj/libhello-" (Windows: beside the extension, hashed)
    typed_module: str = ""  # "myproj/api.py" with a wrapper
    programs_dir: str = ""  # "myproj/bin/" with Go programs
    programs: tuple[str, ...] = field(default=())  # their names
    universal: bool = False  # the WebAssembly wheel: the extension is a .py, wasmtime is required


def check_contents(wheel: Path, expected: ExpectedContents) -> None:
    """RECORD is complete, no Go sources shipped; with an extension, it and the Go library are
    there and cffi is required; with programs, each is there and executable."""
    contents = read_wheel(wheel)
    if expected.extension and expected.universal:
        _check_universal_files(wheel, contents, expected)
    elif expected.extension:
        _check_extension_files(wheel, contents, expected)
    if expected.programs:
        _check_programs(wheel, expected)
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
    check_binaries_whole(wheel)


def check_binaries_whole(wheel: Path) -> None:
    """No binary in the wheel ends before its own headers say it does (a library cut short by a
    full disk, whatever exit code the tool that wrote it gave)."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            problem = truncation_of(archive.read(info))
            if problem:
                raise BuildError(f"{wheel.name}: {info.filename} is cut short: {problem}", hint=TRUNCATED_HINT)


def _check_extension_files(wheel: Path, contents: WheelContents, expected: ExpectedContents) -> None:
    # Stable-ABI modules are `_native.abi3.so` (abi3t: `.abi3t.so`) on Linux and macOS,
    # `_native.pyd` on Windows; a name another Python would not load is as bad as none.
    if expected.extension_file not in contents.names:
        found = [n for n in contents.names if n.startswith(expected.extension.replace(".", "/") + ".")]
        instead = f" (found {', '.join(found)})" if found else ""
        raise BuildError(
            f"{wheel.name}: the extension {expected.extension} is missing: no {expected.extension_file}{instead}",
            hint="this is a bug in pygo-tools: please report it with the output of the build run with -v",
        )
    beside = expected.library_beside_prefix
    if not any(
        n.startswith(expected.library_prefix) or (beside and n.startswith(beside) and n.endswith(".dll"))
        for n in contents.names
    ):
        raise BuildError(f"{wheel.name}: the Go library {expected.library_prefix}* is missing")
    if expected.typed_module and expected.typed_module not in contents.names:
        module = expected.typed_module.removesuffix(".py").replace("/", ".")
        raise BuildError(f"{wheel.name}: the typed module {module} is missing")
    if not any(r.split(";")[0].replace(" ", "").lower().startswith("cffi") for r in contents.requires_dist):
        raise BuildError(f"{wheel.name}: METADATA does not require cffi")


def _check_universal_files(wheel: Path, contents: WheelContents, expected: ExpectedContents) -> None:
    runtime = expected.extension.replace(".", "/") + ".py"
    for name, what in (
        (runtime, f"the runtime {expected.extension}"),
        (expected.library_prefix, "the Go WebAssembly module"),
        (expected.typed_module, "the typed module"),
    ):
        if name not in contents.names:
            raise BuildError(f"{wheel.name}: {what} ({name}) is missing")
    if not any(r.split(";")[0].replace(" ", "").lower().startswith("wasmtime") for r in contents.requires_dist):
        raise BuildError(f"{wheel.name}: METADATA does not require wasmtime")


def _check_programs(wheel: Path, expected: ExpectedContents) -> None:
    prefix = expected.programs_dir
    with zipfile.ZipFile(wheel) as archive:
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist() if i.filename.startswith(prefix)}
    for program in expected.programs:
        found = [name for name in modes if name.split("/")[-1] in (program, program + ".exe")]
        if not found:
            raise BuildError(f"{wheel.name}: the program {program} is missing from {prefix}")
        if not found[0].endswith(".exe") and not modes[found[0]] & 0o111:
            raise BuildError(f"{wheel.name}: {found[0]} is not executable")
