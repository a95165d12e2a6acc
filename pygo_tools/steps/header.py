"""The one reader of the header ``go build`` writes: what it exports, and declarations for cffi.

cffi cannot parse that header as it is (``#include``, ``_Fcomplex``, a static assert, function
bodies in the preamble), so this keeps what cffi needs: the exported functions and the return
structs cgo declares after its prologue, the Go typedefs they use, and the types the user
defines in the cgo preamble or in the project's own headers included from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cffi

from ..errors import BuildError
from .declarations import go_typedefs

PROLOGUE_END = "End of boilerplate cgo prologue."
_PREAMBLE = re.compile(
    r"/\* Start of preamble from import \"C\" comments\.\s*\*/(.*?)/\* End of preamble from import \"C\" comments\.",
    re.DOTALL,
)
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_EXTERN = re.compile(r"^extern\s+(?!\"C\")([^;]*?\b([A-Za-z_]\w*)\s*\([^;]*\))\s*;", re.MULTILINE)
_RETURN_STRUCT = re.compile(r"^struct\s+\w+_return\s*\{[^}]*\};", re.MULTILINE)
_LOCAL_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)
_TYPE_START = re.compile(r"^\s*(typedef|struct|union|enum)\b")
_UNSUPPORTED = {"GoComplex64": "complex64", "GoComplex128": "complex128"}


@dataclass(frozen=True)
class HeaderDeclarations:
    types: tuple[str, ...]  # typedefs and structs, in an order cffi accepts
    functions: tuple[tuple[str, str], ...]  # (name, "R name(args);")

    def function_names(self) -> list[str]:
        return [name for name, _ in self.functions]


def _exported(header_text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The header after cgo's prologue, without comments, and its (name, declaration) pairs."""
    _, _, body = header_text.partition(PROLOGUE_END)
    body = _COMMENT.sub("", body)
    return body, tuple((m.group(2), m.group(1).strip() + ";") for m in _EXTERN.finditer(body))


def exported_functions(header_text: str) -> list[str]:
    """Names of the functions a cgo-generated header exports."""
    return [name for name, _ in _exported(header_text)[1]]


def read_header(header_text: str, go_dir: Path) -> HeaderDeclarations:
    """Exported functions and the types they need, from a cgo-generated header."""
    body, functions = _exported(header_text)
    user_types = [*_preamble_types(header_text, go_dir)]
    return_structs = _RETURN_STRUCT.findall(body)
    text = "\n".join([*user_types, *return_structs, *(decl for _, decl in functions)])
    types = (*go_typedefs([text]), *user_types, *return_structs)
    return HeaderDeclarations(types=types, functions=functions)


def _preamble_types(header_text: str, go_dir: Path) -> list[str]:
    """typedef/struct/union/enum definitions from the preambles and the headers they include."""
    found: list[str] = []
    seen: set[Path] = set()

    def collect(source: str) -> None:
        source = _COMMENT.sub("", source)
        for include in _LOCAL_INCLUDE.findall(source):
            path = (go_dir / include).resolve()
            if path.is_file() and path not in seen:
                seen.add(path)
                collect(path.read_text(encoding="utf-8", errors="replace"))
        for block in _top_level_type_blocks(source):
            if block not in found:
                found.append(block)

    for preamble in _PREAMBLE.findall(header_text):
        collect(preamble)
    return found


def _top_level_type_blocks(source: str) -> list[str]:
    """Top-level typedef/struct/union/enum statements, brace-matched.

    Preprocessor lines, prototypes, variables and function definitions (the ``static inline``
    helpers a preamble may hold) are skipped.
    """
    text = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
    blocks: list[str] = []
    depth = start = 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            head = text[start:index].split("{", 1)[0]
            if depth == 0 and "(" in head and not _TYPE_START.match(head):
                start = index + 1  # the end of a function body
        elif char == ";" and depth == 0:
            statement = " ".join(text[start : index + 1].split())
            start = index + 1
            if _TYPE_START.match(statement):
                blocks.append(statement)
    return blocks


def check_declarations(types: list[str], functions: list[tuple[str, str]], source: str) -> str:
    """The cdef text, or a BuildError naming the first declaration cffi cannot take."""
    for name, declaration in functions:
        for go_type, go_name in _UNSUPPORTED.items():
            if re.search(rf"\b{go_type}\b", declaration):
                raise BuildError(
                    f"{source}: cannot translate {declaration!r}: Go's {go_name} has no cffi equivalent",
                    hint=f"change {name} to take or return two float64 values instead",
                )
    text = "\n".join([*types, *(declaration for _, declaration in functions)]) + "\n"
    try:
        cffi.FFI().cdef(text)
        return text
    except cffi.CDefError:
        pass
    base = cffi.FFI()
    try:
        base.cdef("\n".join(types))
    except cffi.CDefError as error:
        raise BuildError(f"{source}: cannot translate the types the exports use: {error}") from None
    for name, declaration in functions:
        try:
            cffi.FFI().cdef("\n".join([*types, declaration]))
        except cffi.CDefError as error:
            raise BuildError(
                f"{source}: cannot translate {declaration!r} for cffi: {error}",
                hint=f"declare the C types {name} uses in the cgo preamble (or a header included from "
                "it), or list it under 'signatures' by hand",
            ) from None
    raise BuildError(f"{source}: cffi cannot parse the declarations")


_GO_TYPEDEF = re.compile(r"^typedef\s+([A-Za-z_][\w ]*?)\s+(Go\w+);", re.MULTILINE)


def go_type_names(header_text: str) -> dict[str, str]:
    """Go's integer and float typedefs to their C types (``GoInt`` -> ``long long``), from the header."""
    names = {name: base.replace("__SIZE_TYPE__", "size_t") for base, name in _GO_TYPEDEF.findall(header_text)}
    names = {name: base for name, base in names.items() if "_Complex" not in base}
    for _ in range(len(names)):  # resolve chains: GoInt -> GoInt64 -> long long
        names = {name: names.get(base, base) for name, base in names.items()}
    return names


def function_types(cdef_text: str, go_types: dict[str, str]) -> dict[str, str]:
    """Each declared function's type as cffi parses it (``char *(*)(char *, int)``), with Go's
    typedefs spelled as their C types and ``const`` dropped (it does not change the call)."""
    ffi = cffi.FFI()
    ffi.cdef(cdef_text)
    # cffi has no public way to list declarations; its parser's table has been stable since 1.0.
    declarations = ffi._parser._declarations
    found = {}
    for key, (model, _) in declarations.items():
        if key.startswith("function "):
            text = model._get_c_name()
            text = re.sub(r"\bconst\s*", "", text)
            for _ in range(2):
                text = re.sub(r"\b(Go\w+)\b", lambda m: go_types.get(m.group(1), m.group(1)), text)
            found[key.split(" ", 1)[1]] = " ".join(text.split())
    return found


def check_signature_types(
    header_text: str, header: HeaderDeclarations, signatures: tuple[str, ...], cdef_text: str, source: str
) -> None:
    """Fail when a declared function's type differs from Go's declaration of it.

    Functions whose header declaration cffi cannot parse (the reason to list them by hand) are
    only checked by name.
    """
    go_types = go_type_names(header_text)
    declared = function_types(cdef_text, go_types)
    for name, declaration in header.functions:
        if name not in declared:
            continue
        try:
            actual = function_types("\n".join([*header.types, declaration]), go_types)[name]
        except cffi.CDefError:
            continue
        if actual != declared[name]:
            index = next((i for i, s in enumerate(signatures) if re.search(rf"\b{re.escape(name)}\s*\(", s)), 0)
            raise BuildError(
                f"{source}: signatures[{index}]: {signatures[index].strip()!r} does not match Go's "
                f"declaration {declaration!r}",
                hint=f"as function types: yours is {declared[name]}, Go's is {actual}. Copy the declaration "
                "from the header go build writes, or remove 'signatures' to have it read from there",
            )
