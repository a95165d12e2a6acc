"""Is a built binary whole? ELF, PE and Mach-O files say in their headers where each part lies;
a file that ends before its last part was cut short (a full disk, a killed linker) and must never
be reused or shipped, whatever exit code the tool that wrote it gave.

Only the layout is read (headers, section and segment tables), with :mod:`struct`: a check of
a few microseconds that needs no package, for every binary a build writes and every one a wheel
carries.
"""

from __future__ import annotations

import struct
from pathlib import Path

from ..errors import BuildError

# A cut binary comes from a build that was stopped or ran out of space while writing it.
TRUNCATED_HINT = "the disk may have filled up or a tool was stopped while writing it: free some space and build again"

ELF_MAGIC = b"\x7fELF"
PE_MAGIC = b"MZ"
MACHO_MAGICS = {b"\xcf\xfa\xed\xfe": "<", b"\xfe\xed\xfa\xcf": ">"}  # 64-bit Mach-O, by byte order
_SHT_NOBITS = 8
_LC_SEGMENT_64 = 0x19
_LC_CODE_SIGNATURE = 0x1D
_LC_SYMTAB = 0x2


def is_binary(head: bytes) -> bool:
    """Whether a file starting with ``head`` is one of the formats checked here."""
    return head.startswith((ELF_MAGIC, PE_MAGIC)) or head[:4] in MACHO_MAGICS


def truncation(path: Path) -> str | None:
    """Why the file ``path`` is cut short ("its section .text ends at byte N, the file at M"),
    or None for a whole file (or one of no format known here)."""
    return truncation_of(path.read_bytes())


def truncation_of(data: bytes) -> str | None:
    """:func:`truncation` of a file's bytes (a wheel's member)."""
    try:
        if data.startswith(ELF_MAGIC):
            return _elf(data)
        if data.startswith(PE_MAGIC):
            return _pe(data)
        if data[:4] in MACHO_MAGICS:
            return _macho(data, MACHO_MAGICS[data[:4]])
    except struct.error:
        return f"its headers end after {len(data)} bytes"
    return None


def _past_end(what: str, end: int, size: int) -> str | None:
    return f"{what} ends at byte {end:,}, the file at {size:,}" if end > size else None


def _elf(data: bytes) -> str | None:
    wide = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    if wide:
        phoff, shoff = struct.unpack_from(order + "QQ", data, 0x20)
        phentsize, phnum, shentsize, shnum = struct.unpack_from(order + "HHHH", data, 0x36)
    else:
        phoff, shoff = struct.unpack_from(order + "II", data, 0x1C)
        phentsize, phnum, shentsize, shnum = struct.unpack_from(order + "HHHH", data, 0x2A)
    size = len(data)
    problem = _past_end("its program header table", phoff + phentsize * phnum, size)
    problem = problem or _past_end("its section header table", shoff + shentsize * shnum, size)
    if problem:
        return problem
    for index in range(phnum):
        at = phoff + index * phentsize
        offset, filesz = (
            struct.unpack_from(order + "QxxxxxxxxxxxxxxxxQ", data, at + 8)
            if wide
            else struct.unpack_from(order + "IxxxxxxxxI", data, at + 4)
        )
        problem = _past_end(f"its segment {index}", offset + filesz, size)
        if problem:
            return problem
    for index in range(shnum):
        at = shoff + index * shentsize
        kind = struct.unpack_from(order + "I", data, at + 4)[0]
        if kind == _SHT_NOBITS:
            continue
        offset, length = (
            struct.unpack_from(order + "QQ", data, at + 0x18)
            if wide
            else struct.unpack_from(order + "II", data, at + 0x10)
        )
        problem = _past_end(f"its section {index}", offset + length, size)
        if problem:
            return problem
    return None


def _pe(data: bytes) -> str | None:
    (lfanew,) = struct.unpack_from("<I", data, 0x3C)
    if data[lfanew : lfanew + 4] != b"PE\0\0":
        return f"its PE header is missing (expected at byte {lfanew:,})"
    sections, _, symbols_at, symbols, optional_size = struct.unpack_from("<HIIIH", data, lfanew + 6)
    table = lfanew + 24 + optional_size
    size = len(data)
    problem = _past_end("its section table", table + 40 * sections, size)
    if symbols_at:
        problem = problem or _past_end("its symbol table", symbols_at + 18 * symbols, size)
    if problem:
        return problem
    for index in range(sections):
        at = table + 40 * index
        name = data[at : at + 8].rstrip(b"\0").decode("ascii", "replace")
        raw_size, raw_pointer = struct.unpack_from("<II", data, at + 16)
        problem = _past_end(f"its section {name}", raw_pointer + raw_size, size)
        if problem:
            return problem
    return None


def _macho(data: bytes, order: str) -> str | None:
    ncmds, sizeofcmds = struct.unpack_from(order + "II", data, 16)
    size = len(data)
    problem = _past_end("its load commands", 32 + sizeofcmds, size)
    if problem:
        return problem
    at = 32
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from(order + "II", data, at)
        if cmd == _LC_SEGMENT_64:
            name = data[at + 8 : at + 24].rstrip(b"\0").decode("ascii", "replace")
            fileoff, filesize = struct.unpack_from(order + "QQ", data, at + 40)
            problem = _past_end(f"its segment {name}", fileoff + filesize, size)
        elif cmd == _LC_CODE_SIGNATURE:
            dataoff, datasize = struct.unpack_from(order + "II", data, at + 8)
            problem = _past_end("its code signature", dataoff + datasize, size)
        elif cmd == _LC_SYMTAB:
            _, _, stroff, strsize = struct.unpack_from(order + "IIII", data, at + 8)
            problem = _past_end("its string table", stroff + strsize, size)
        if problem:
            return problem
        if cmdsize < 8:
            return "a load command is malformed"
        at += cmdsize
    return None


def check_whole(path: Path, what: str | None = None) -> None:
    """Raise a :class:`BuildError` if ``path`` is cut short; the file is removed first, so that
    the next build makes it again instead of finding it."""
    problem = truncation(path)
    if problem:
        path.unlink(missing_ok=True)
        raise BuildError(f"{what or path.name} was written only in part: {problem}", hint=TRUNCATED_HINT)
