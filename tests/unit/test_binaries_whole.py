"""A binary cut short is found from its own headers (ELF, PE, Mach-O), in a file or a wheel,
whatever exit code the tool that wrote it gave."""

from __future__ import annotations

import shutil
import struct
import zipfile
from pathlib import Path

import pytest

from pygo_tools.errors import BuildError
from pygo_tools.util.binaries import check_whole, truncation, truncation_of
from pygo_tools.wheel.checks import check_binaries_whole


def pe(sections: list[tuple[bytes, int, int]], size: int) -> bytes:
    """A PE file: DOS header, PE signature, COFF header, no optional header, a section table."""
    data = bytearray(size)
    data[:2] = b"MZ"
    struct.pack_into("<I", data, 0x3C, 0x40)
    data[0x40:0x44] = b"PE\0\0"
    struct.pack_into("<HHIIIHH", data, 0x44, 0x8664, len(sections), 0, 0, 0, 0, 0x2022)
    for index, (name, pointer, raw_size) in enumerate(sections):
        at = 0x40 + 24 + 40 * index
        data[at : at + 8] = name.ljust(8, b"\0")
        struct.pack_into("<IIII", data, at + 8, raw_size, 0x1000, raw_size, pointer)
    return bytes(data)


def macho(segments: list[tuple[bytes, int, int]], size: int) -> bytes:
    data = bytearray(size)
    commands = b""
    for name, offset, length in segments:
        commands += struct.pack("<II16sQQQQIIII", 0x19, 72, name, 0, length, offset, length, 7, 5, 0, 0)
    data[:32] = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 6, len(segments), len(commands), 0, 0)
    data[32 : 32 + len(commands)] = commands
    return bytes(data)


def test_a_real_elf_is_whole_and_any_cut_of_it_is_not(tmp_path: Path) -> None:
    elf = tmp_path / "true"
    shutil.copy(shutil.which("true") or "/bin/true", elf)
    assert truncation(elf) is None
    data = elf.read_bytes()
    for keep in (len(data) - 1, len(data) * 3 // 4, len(data) // 2, 100, 10):
        assert truncation_of(data[:keep]) is not None, keep


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (pe([(b".text", 0x200, 0x400), (b".data", 0x600, 0x200)], 0x800), None),
        (pe([(b".text", 0x200, 0x400), (b".data", 0x600, 0x200)], 0x700), "its section .data ends at byte 2,048"),
        (pe([(b".text", 0x200, 0x400)], 0x100)[:0x60], "its section table ends at byte 128, the file at 96"),
        (pe([], 0x100)[:0x42], "its PE header is missing"),
        (pe([], 0x100)[:0x48], "its headers end after 72 bytes"),
        (macho([(b"__TEXT", 0, 0x1000), (b"__LINKEDIT", 0x1000, 0x800)], 0x1800), None),
        (macho([(b"__TEXT", 0, 0x1000), (b"__LINKEDIT", 0x1000, 0x800)], 0x1400), "its segment __LINKEDIT ends"),
        (b"#!/bin/sh\necho not a binary\n", None),
        (b"", None),
    ],
    ids=["pe", "pe-cut", "pe-no-table", "pe-no-header", "pe-cut-header", "macho", "macho-cut", "script", "empty"],
)
def test_pe_and_macho_layouts(data: bytes, problem: str | None) -> None:
    found = truncation_of(data)
    assert (found is None) if problem is None else (found is not None and found.startswith(problem)), found


def test_a_cut_file_is_removed_so_the_next_build_makes_it_again(tmp_path: Path) -> None:
    library = tmp_path / "libhello.dll"
    library.write_bytes(pe([(b".text", 0x200, 0x4000)], 0x1000))
    with pytest.raises(BuildError, match=r"libhello\.dll was written only in part: its section \.text ends"):
        check_whole(library)
    assert not library.exists()


def test_a_wheel_carrying_a_cut_binary_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "x-1-cp39-abi3-win_amd64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("x/__init__.py", "")
        archive.writestr("x/libhello-0123.dll", pe([(b".text", 0x200, 0x4000)], 0x1000))
    with pytest.raises(BuildError, match=r"x/libhello-0123\.dll is cut short") as raised:
        check_binaries_whole(wheel)
    assert raised.value.hint and "free some space" in raised.value.hint
