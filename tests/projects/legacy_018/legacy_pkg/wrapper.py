# As pygo-tools 0.1.8 projects wrote it: the extension is a top-level module.
from _legacy import ffi, lib


def greet(name: str) -> str:
    pointer = lib.Greet(name.encode())
    try:
        return ffi.string(pointer).decode()
    finally:
        lib.free(pointer)


def add(a: int, b: int) -> int:
    return lib.Add(a, b)
