from _legacy_toml import ffi, lib


def shout(text: str) -> str:
    pointer = lib.Shout(text.encode())
    try:
        return ffi.string(pointer).decode()
    finally:
        lib.free(pointer)


def square(x: int) -> int:
    return lib.Square(x)
