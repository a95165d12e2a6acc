"""Static checks of macOS wheels with parsers independent of pygo-tools: lief and macholib.

Nothing here can run a Mach-O binary, so each property dyld and the kernel rely on is checked
in the file itself. Every check raises ``AssertionError`` naming what is wrong; the tests run
each on the real wheels and on deliberately broken copies.
"""

from __future__ import annotations

import hashlib
import posixpath
import struct
from pathlib import Path
from typing import Any

import lief
from macholib import mach_o
from macholib.MachO import MachO
from macholib.SymbolTable import SymbolTable

from pygo_tools.platforms.stable_abi import names_at

lief.logging.disable()  # it reports what it skips on stderr; the checks say what matters

CPU = {
    "arm64": (lief.MachO.Header.CPU_TYPE.ARM64, 0x0100000C),
    "x86_64": (lief.MachO.Header.CPU_TYPE.X86_64, 0x01000007),
}
SYSTEM_PREFIXES = ("/usr/lib/", "/System/Library/")
BIND_FLAT_LOOKUP = -2  # BIND_SPECIAL_DYLIB_FLAT_LOOKUP: found in whatever loaded the image (CPython)
INDIRECT_SYMBOL_LOCAL, INDIRECT_SYMBOL_ABS = 0x80000000, 0x40000000
SYMBOL_POINTER_TYPES = {0x6, 0x7, 0x8}  # S_NON_LAZY_, S_LAZY_SYMBOL_POINTERS, S_SYMBOL_STUBS
CSMAGIC_EMBEDDED_SIGNATURE, CSMAGIC_CODEDIRECTORY = 0xFADE0CC0, 0xFADE0C02
CS_HASHTYPE_SHA256 = 2


def parse(path: Path) -> lief.MachO.Binary:
    # lief.parse, not lief.MachO.parse(...).at(0): the slice would outlive its FatBinary.
    binary = lief.parse(str(path))
    assert isinstance(binary, lief.MachO.Binary), f"{path.name}: lief cannot parse it as Mach-O"
    return binary


def header(path: Path) -> Any:
    headers = MachO(str(path)).headers
    assert len(headers) == 1, f"{path.name}: {len(headers)} slices, expected one"
    return headers[0]


def commands(path: Path, kind: int) -> list[tuple[Any, Any]]:
    return [(body, data) for command, body, data in header(path).commands if command.cmd == kind]


def check_cpu(path: Path, arch: str) -> None:
    """Both parsers read the CPU type of the wheel tag's architecture."""
    lief_cpu, macho_cpu = CPU[arch]
    binary = parse(path)  # lief objects live as long as their Binary: keep it referenced
    assert binary.header.cpu_type == lief_cpu, f"{path.name}: lief reads {binary.header.cpu_type}"
    assert header(path).header.cputype == macho_cpu, f"{path.name}: macholib reads {header(path).header.cputype:#x}"


def loaded_libraries(path: Path) -> list[str]:
    kinds = (mach_o.LC_LOAD_DYLIB, mach_o.LC_LOAD_WEAK_DYLIB, mach_o.LC_REEXPORT_DYLIB)
    names = [data.rstrip(b"\0").decode() for kind in kinds for _, data in commands(path, kind)]
    binary = parse(path)
    by_lief = [c.name for c in binary.commands if c.command == lief.MachO.LoadCommand.TYPE.LOAD_DYLIB]
    assert sorted(by_lief) == sorted(n for n in names if n in by_lief), f"{path.name}: parsers disagree"
    return names


def rpaths(path: Path) -> list[str]:
    return [data.rstrip(b"\0").decode() for _, data in commands(path, mach_o.LC_RPATH)]


def resolve(name: str, binary: Path, root: Path) -> Path | None:
    """Where dyld finds ``name`` loaded by ``binary``: a file under ``root``, else None."""
    folder = binary.parent
    candidates = []
    if name.startswith("@loader_path/"):
        candidates.append(folder / name.removeprefix("@loader_path/"))
    elif name.startswith("@rpath/"):
        for rpath in rpaths(binary):
            if rpath.startswith("@loader_path"):
                base = folder / rpath.removeprefix("@loader_path").lstrip("/")
                candidates.append(base / name.removeprefix("@rpath/"))
    for candidate in candidates:
        resolved = Path(posixpath.normpath(candidate.as_posix()))
        if resolved.is_file() and resolved.is_relative_to(root):
            return resolved
    return None


def check_libraries_resolve(path: Path, root: Path) -> None:
    """Every LC_LOAD_DYLIB is a macOS system library or resolves inside the wheel."""
    for name in loaded_libraries(path):
        if name.startswith(SYSTEM_PREFIXES):
            continue
        assert resolve(name, path, root), f"{path.name} loads {name}, which resolves neither in the wheel nor to macOS"


def check_undefined_symbols(extension: Path, root: Path, floor: tuple[int, int]) -> None:
    """Each symbol the extension imports is bound either flat (CPython provides it: it must be a
    stable-ABI name at the floor), to a system library, or to a library in the wheel that
    exports it. The symbol table's undefined symbols and lief's bindings must agree."""
    allowed = {"_" + n.name for n in names_at(floor, "darwin")}
    undefined = {name.decode() for _, name in SymbolTable(MachO(str(extension))).undefsyms}
    binary = parse(extension)
    bound = set()
    for binding in binary.dyld_info.bindings:
        symbol = binding.symbol.name
        bound.add(symbol)
        if binding.library_ordinal == BIND_FLAT_LOOKUP:
            assert symbol in allowed, f"{extension.name} imports {symbol}: not in the stable ABI at {floor}"
            continue
        assert binding.has_library, f"{extension.name}: {symbol} bound to library ordinal {binding.library_ordinal}"
        library = binding.library.name
        if library.startswith(SYSTEM_PREFIXES):
            continue
        found = resolve(library, extension, root)
        assert found, f"{extension.name}: {symbol} comes from {library}, which is not in the wheel"
        library_binary = parse(found)
        exported = {s.name for s in library_binary.exported_symbols}
        assert symbol in exported, f"{extension.name} imports {symbol} from {found.name}, which does not export it"
    assert undefined == bound, f"{extension.name}: undefined symbols without a binding: {sorted(undefined - bound)}"


def check_exports_init(extension: Path, module: str) -> None:
    name = f"_PyInit_{module}"
    binary = parse(extension)
    exported = {s.name for s in binary.exported_symbols}
    by_macholib = {n.decode() for _, n in SymbolTable(MachO(str(extension))).extdefsyms}
    assert name in exported and name in by_macholib, f"{extension.name} does not export {name}"


def check_indirect_symbols(path: Path) -> None:
    """The indirect symbol table: every entry a symbol index (or LOCAL/ABS), every stub and
    pointer section's slice of it in range."""
    data = path.read_bytes()
    ((symtab, _),) = commands(path, mach_o.LC_SYMTAB)
    ((dysymtab, _),) = commands(path, mach_o.LC_DYSYMTAB)
    count, offset = dysymtab.nindirectsyms, dysymtab.indirectsymoff
    entries = struct.unpack_from(f"<{count}I", data, offset)
    for index, entry in enumerate(entries):
        if entry & (INDIRECT_SYMBOL_LOCAL | INDIRECT_SYMBOL_ABS):
            continue
        assert entry < symtab.nsyms, f"{path.name}: indirect symbol {index} is {entry}, past {symtab.nsyms} symbols"
    for _, sections in commands(path, mach_o.LC_SEGMENT_64):
        for section in sections:
            if section.flags & 0xFF not in SYMBOL_POINTER_TYPES:
                continue
            size = section.reserved2 if section.flags & 0xFF == 0x8 else 8
            slots = section.size // size
            name = section.sectname.rstrip(b"\0").decode()
            assert section.reserved1 + slots <= count, f"{path.name}: {name} needs indirect symbols past {count}"


def check_signature(path: Path) -> None:
    """arm64: an ad-hoc signature whose page hashes, recomputed here, match the file."""
    data = path.read_bytes()
    signatures = commands(path, mach_o.LC_CODE_SIGNATURE)
    assert signatures, f"{path.name} is not signed (arm64 macOS refuses to load it)"
    ((command, _),) = signatures
    blob = data[command.dataoff : command.dataoff + command.datasize]
    magic, _, count = struct.unpack_from(">3I", blob, 0)
    assert magic == CSMAGIC_EMBEDDED_SIGNATURE, f"{path.name}: signature magic {magic:#x}"
    directories = []
    for slot in range(count):
        _, offset = struct.unpack_from(">2I", blob, 12 + 8 * slot)
        if struct.unpack_from(">I", blob, offset)[0] == CSMAGIC_CODEDIRECTORY:
            directories.append(offset)
    assert directories, f"{path.name}: no code directory"
    for offset in directories:
        (_, _, _, _, hash_offset, _, _, code_slots, code_limit, hash_size, hash_type, _, page_shift) = (
            struct.unpack_from(">7I2I4B", blob, offset)[:13]
        )
        assert code_limit == command.dataoff, f"{path.name}: the signature covers {code_limit} bytes, not all"
        page = 1 << page_shift
        assert code_slots == -(-code_limit // page), f"{path.name}: {code_slots} page hashes for {code_limit} bytes"
        algorithm = {CS_HASHTYPE_SHA256: "sha256", 1: "sha1"}[hash_type]
        for index in range(code_slots):
            expected = blob[offset + hash_offset + index * hash_size : offset + hash_offset + (index + 1) * hash_size]
            chunk = data[index * page : min((index + 1) * page, code_limit)]
            actual = hashlib.new(algorithm, chunk).digest()[:hash_size]
            assert actual == expected, f"{path.name}: page {index} hash does not match"


def check_no_build_paths(path: Path, paths: list[str]) -> None:
    data = path.read_bytes()
    for build_path in paths:
        assert build_path.encode() not in data, f"{path.name} contains the build path {build_path}"


def build_version_minimum(path: Path) -> tuple[int, int]:
    """minos from LC_BUILD_VERSION, read by lief."""
    binary = parse(path)
    major, minor, _ = binary.build_version.minos
    return major, minor


def check_tag_covers_minimum(tag: str, binaries: list[Path]) -> None:
    """``macosx_13_0_arm64``: the highest minos of the binaries, never lower than any of them."""
    _, major, minor, _ = tag.split("_", 3)
    minimums = [build_version_minimum(b) for b in binaries]
    for binary, minimum in zip(binaries, minimums):
        assert minimum <= (int(major), int(minor)), f"{binary.name} needs macOS {minimum}, the tag says {major}.{minor}"
    assert max(minimums) == (int(major), int(minor)), f"tag {tag} is higher than the binaries need ({max(minimums)})"


def check_identical(first: Path, second: Path) -> None:
    """Byte-identical files; for wheels, name the members that differ."""
    if first.read_bytes() == second.read_bytes():
        return
    import zipfile

    with zipfile.ZipFile(first) as one, zipfile.ZipFile(second) as two:
        names = sorted(set(one.namelist()) | set(two.namelist()))
        differ = [n for n in names if n not in one.namelist() or n not in two.namelist() or one.read(n) != two.read(n)]
    raise AssertionError(f"{first.name} differs between builds: {', '.join(differ) or 'zip metadata'}")
