"""Pythonic wrappers over the raw cffi module ``hello_go._native``.

Strings Go returns were made with ``C.CString`` (C malloc): they are copied into Python
objects and freed right away, so no call leaks memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any, Union

from ._native import ffi, lib

Buffer = Union[bytes, bytearray, memoryview]


def _take_string(pointer: Any) -> str:
    """Copy a Go-allocated C string into a ``str`` and free it."""
    if pointer == ffi.NULL:
        raise MemoryError("Go returned NULL")
    try:
        return ffi.string(pointer).decode("utf-8")
    finally:
        lib.free(pointer)


def hello(name: str, count: int = 1) -> str:
    """``hello("Ada", 2)`` -> ``'Hello, Ada! Hello, Ada!'``."""
    if count < 0:
        raise ValueError("count must be >= 0")
    return _take_string(lib.Hello(name.encode("utf-8"), count))


def sha256(data: Buffer) -> str:
    """Hex SHA-256 of ``data``, hashed by Go in place: the buffer is not copied."""
    view = memoryview(data)
    if not view.contiguous:
        raise ValueError("sha256 needs a contiguous buffer")
    out = ffi.new("char[65]")
    lib.Sha256(ffi.from_buffer(view), view.nbytes, out)
    return ffi.string(out).decode("ascii")


def checksum_files(paths: Iterable[str | os.PathLike[str]]) -> dict[str, str]:
    """SHA-256 of each file, hashed concurrently by goroutines (the GIL is released).

    Raises ``OSError`` naming the first file that could not be read.
    """
    names: Sequence[str] = [os.fspath(p) for p in paths]
    if not names:
        return {}
    if any("\n" in name for name in names):
        raise ValueError("file names must not contain newlines")
    lines = _take_string(lib.ChecksumFiles("\n".join(names).encode("utf-8"))).split("\n")
    result = {}
    for name, line in zip(names, lines):
        if line.startswith("error: "):
            raise OSError(f"{name}: {line[len('error: ') :]}")
        result[name] = line
    return result
