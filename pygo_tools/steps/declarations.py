"""C declarations for cffi: the user's signatures plus what they need from Go's header."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Go's header typedefs, for use in signatures. `int...` lets cffi take each integer's
# real size from the C compiler (API mode), so one cdef serves 32- and 64-bit targets.
_GO_TYPEDEFS: dict[str, str] = {
    **{
        name: f"typedef int... {name};"
        for name in (
            "GoInt8",
            "GoUint8",
            "GoInt16",
            "GoUint16",
            "GoInt32",
            "GoUint32",
            "GoInt64",
            "GoUint64",
            "GoInt",
            "GoUint",
            "GoUintptr",
        )
    },
    "GoFloat32": "typedef float GoFloat32;",
    "GoFloat64": "typedef double GoFloat64;",
    "GoString": "typedef struct { const char *p; ptrdiff_t n; } GoString;",
    "GoSlice": "typedef struct { void *data; GoInt len; GoInt cap; } GoSlice;",
    "GoMap": "typedef void *GoMap;",
    "GoChan": "typedef void *GoChan;",
    "GoInterface": "typedef struct { void *t; void *v; } GoInterface;",
}
_NEEDS = {"GoSlice": ("GoInt",)}
_FUNCTION = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_NOT_FUNCTION = re.compile(r"^\s*(typedef|struct|union|enum|#)")


def declared_functions(signatures: Iterable[str]) -> list[tuple[int, str]]:
    """(index, name) of every function declaration among ``signatures``."""
    found = []
    for index, signature in enumerate(signatures):
        if _NOT_FUNCTION.match(signature):
            continue
        match = _FUNCTION.search(signature)
        if match:
            found.append((index, match.group(1)))
    return found


def go_typedefs(signatures: Iterable[str]) -> list[str]:
    """Typedefs of the Go types the signatures use and do not define themselves."""
    text = "\n".join(signatures)
    wanted: list[str] = []
    for name in _GO_TYPEDEFS:
        if re.search(rf"\b{name}\b", text) and not re.search(rf"typedef[^;]*\b{name}\s*;", text):
            for need in (*_NEEDS.get(name, ()), name):
                if need not in wanted:
                    wanted.append(need)
    order = list(_GO_TYPEDEFS)
    return [_GO_TYPEDEFS[name] for name in sorted(wanted, key=order.index)]


def cdef(signatures: Iterable[str]) -> str:
    """The text handed to ``FFI.cdef``: Go typedefs, the signatures, and ``free``.

    ``free`` is always declared so that wrappers can release strings Go made with
    ``C.CString`` (pygo-tools 0.1.8 leaked every one).
    """
    signatures = list(signatures)
    lines = go_typedefs(signatures) + signatures
    if not any(name == "free" for _, name in declared_functions(signatures)):
        lines.append("void free(void *ptr);")
    return "\n".join(lines) + "\n"
