"""The typed module (``wrapper`` config key): what Python sees of the Go exports.

gen/exports.go describes each export (names, Go types, docs; read by ``model.py``). From that
description this module builds a :class:`TypedFunction` per export, with Python names that are
always valid (keywords, builtins and the module's own names are renamed), and renders the Python
module and its ``.pyi``, each type's annotation from its row of the kinds table. The functions
themselves are C functions in the extension (see ``c.py``): the generated Python module only
binds them, so a typed call costs one C call.
"""

from __future__ import annotations

import builtins
import keyword
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import ExportsDescription, GoExport, GoParam, GoStruct, GoType


@dataclass(frozen=True)
class TypedModuleSpec:
    """What the typed module is, from the configuration."""

    package: str  # the Python package
    extension: str  # the cffi extension module that carries the C functions
    module: str  # the typed module's dotted name (``wrapper``)
    borrowed: frozenset[str] = frozenset()  # exports whose returned char* Go keeps


# Names the typed module and its stub use themselves; an export of the same name is renamed.
MODULE_NAMES = frozenset({"GoError", "GoPanic", "GoForkError", "GoTimeout", "Buffer", "annotations"})
STUB_NAMES = frozenset(
    {"Any", "Union", "Optional", "Mapping", "Sequence", "dataclass", "dataclasses", "typing", "builtins"}
)
PREFIX = "_pygo"
# A dataclass field of one of these names would hide it from the annotations after it.
ANNOTATION_NAMES = frozenset(
    {"int", "float", "str", "bytes", "bool", "list", "dict", "Any", "Buffer", "Sequence", "Mapping"}
)
# A buffer parameter followed by one of these takes its length from the buffer.
LENGTH_NAMES = frozenset({"n", "len", "length", "size", "count", "nbytes", "num"})


def python_name(name: str, taken: set[str], module_level: bool = True, avoid: frozenset[str] = frozenset()) -> str:
    """A valid, unused Python identifier for a Go identifier; the choice is added to ``taken``.

    Python reads identifiers in NFKC form, so that form is used. Keywords get a trailing
    underscore; at module level also builtins, the names the module defines and its ``_pygo``
    helpers (parameters and fields may shadow builtins harmlessly).
    """
    candidate = unicodedata.normalize("NFKC", name)
    if not candidate.isidentifier():
        candidate = "".join(c if ("a" + c).isidentifier() else "_" for c in candidate)
        if not candidate.isidentifier():
            candidate = "_" + candidate
    if candidate.startswith("__") and candidate.endswith("__"):
        candidate = candidate.rstrip("_") + "_"  # not a dunder any more
    if candidate.startswith(PREFIX):
        candidate = "go" + candidate  # the module's own helpers are _pygo*
    while (
        keyword.iskeyword(candidate)
        or (module_level and (candidate in MODULE_NAMES or candidate in STUB_NAMES or hasattr(builtins, candidate)))
        or candidate in taken
        or candidate in avoid
    ):
        candidate += "_"
    taken.add(candidate)
    return candidate


@dataclass(frozen=True)
class TypedStruct:
    name: str  # Python class name
    go_name: str
    fields: tuple[tuple[str, str, GoType], ...]  # (Python name, Go name, type)
    doc: str


@dataclass(frozen=True)
class Param:
    name: str  # Python name
    go_name: str
    type: GoType
    writes: bool = False  # a buffer Go writes into: must be writable
    with_length: bool = False  # a pointer whose next Go parameter is filled with its length


@dataclass(frozen=True)
class CParam:
    """What C passes to the Go export for one Go parameter: Python's parameter ``index``, or,
    for ``length`` (a ``type`` integer), the length of the buffer Python passed there."""

    index: int
    length: GoType | None = None


@dataclass(frozen=True)
class TypedFunction:
    name: str  # Python name
    go_name: str
    symbol: str  # the generated C export ("" for a direct function)
    params: tuple[Param, ...]  # what Python passes
    c_params: tuple[CParam, ...]  # what C passes, in Go's order
    results: tuple[GoType, ...]
    error: bool
    context: bool
    direct: bool
    borrowed: bool
    doc: str
    renamed: tuple[str, ...] = field(default=())  # notes for the build log

    @property
    def signature_text(self) -> str:
        names = [p.name for p in self.params]
        if self.context:
            names += ["*", "timeout=None"]
        return f"{self.name}({', '.join(names)})"


def is_length(param: GoParam) -> bool:
    name = param.name.lower()
    return param.type.row.can_be_length and (name in LENGTH_NAMES or name.endswith(("len", "size")))


def typed_structs(structs: Sequence[GoStruct], taken: set[str]) -> list[TypedStruct]:
    """A frozen dataclass per Go struct type the exports use, in the Go side's order."""
    found = []
    for struct in structs:
        fields_taken: set[str] = set()
        fields = tuple(
            (python_name(f.name, fields_taken, module_level=False, avoid=ANNOTATION_NAMES), f.name, f.type)
            for f in struct.fields
        )
        found.append(TypedStruct(python_name(struct.name, taken), struct.name, fields, struct.doc))
    return found


def typed_api(spec: TypedModuleSpec, description: ExportsDescription) -> tuple[list[TypedStruct], list[TypedFunction]]:
    """The typed module's classes and functions; one namespace, so no name is used twice."""
    taken: set[str] = set()
    classes = typed_structs(description.structs, taken)
    return classes, typed_functions(spec, description.functions, taken)


def typed_functions(
    spec: TypedModuleSpec, exports: Sequence[GoExport], taken: set[str] | None = None
) -> list[TypedFunction]:
    """The typed module's functions, in the order Go declares them."""
    taken = set() if taken is None else taken
    functions = []
    for export in exports:
        notes = []
        name = python_name(export.name, taken)
        if name != export.name:
            notes.append(f"{export.name} is {name} in Python")
        params: list[Param] = []
        c_params: list[CParam] = []
        used: set[str] = {"timeout"} if export.context else set()
        go_params = export.params
        writes = set(export.writes)
        index = 0
        while index < len(go_params):
            go_param = go_params[index]
            pname = python_name(go_param.name, used, module_level=False)
            if pname != go_param.name:
                notes.append(f"{export.name}: parameter {go_param.name} is {pname}")
            following = go_params[index + 1] if index + 1 < len(go_params) else None
            paired = go_param.type.row.takes_length and following is not None and is_length(following)
            params.append(Param(pname, go_param.name, go_param.type, go_param.name in writes, paired))
            c_params.append(CParam(len(params) - 1))
            if paired and following is not None:
                c_params.append(CParam(len(params) - 1, following.type))
                index += 1
            index += 1
        functions.append(
            TypedFunction(
                name=name,
                go_name=export.name,
                symbol=export.symbol,
                params=tuple(params),
                c_params=tuple(c_params),
                results=export.results,
                error=export.error,
                context=export.context,
                direct=export.direct,
                borrowed=export.name in spec.borrowed,
                doc=export.doc or f"Go's {export.name}.",
                renamed=tuple(notes),
            )
        )
    return functions


def annotation(t: GoType, classes: dict[str, str], result: bool = False) -> str:
    """The ``.pyi`` annotation of a value of type ``t``: its kind's row decides."""
    return t.row.annotation(t, classes, result)


def _returns(function: TypedFunction, classes: dict[str, str]) -> str:
    values = [annotation(r, classes, result=True) for r in function.results]
    if not values:
        return "None"
    return values[0] if len(values) == 1 else "tuple[" + ", ".join(values) + "]"


HEADER = """\
# Generated by pygo-tools from the Go exports of {package}; do not edit.
\"\"\"Typed functions for the Go exports of {package}.

Each function converts its arguments, calls Go with the GIL released, raises GoPanic when Go
panicked and GoError when it returned an error, and copies strings Go returned into str.
\"\"\"

from __future__ import annotations

from {extension} import _pygo_api, lib as _pygo_lib

GoError = _pygo_api["GoError"]
GoPanic = _pygo_api["GoPanic"]
GoTimeout = _pygo_api["GoTimeout"]
GoForkError = _pygo_api["GoForkError"]
"""


def render(
    spec: TypedModuleSpec, functions: Sequence[TypedFunction], classes: Sequence[TypedStruct] = ()
) -> tuple[str, str]:
    """(module source, stub source) for ``spec.module``. Every name from Go goes through
    :func:`python_name`, every text through ``repr``."""
    class_names = {c.go_name: c.name for c in classes}
    module = [HEADER.format(package=spec.package, extension=spec.extension)]
    stub = [
        f"# Generated by pygo-tools from the Go exports of {spec.package}; do not edit.\n",
        "from collections.abc import Mapping, Sequence\n",
        "from dataclasses import dataclass\nfrom typing import Any, Union\n\n",
        "Buffer = Union[bytes, bytearray, memoryview]\n\n",
        "class GoError(Exception): ...\nclass GoPanic(GoError): ...\nclass GoTimeout(GoError, TimeoutError): ...\n",
        "class GoForkError(RuntimeError): ...\n",
    ]
    if classes:
        module.append("\nimport dataclasses as _pygo_dataclasses\n")
    for cls in classes:
        doc = cls.doc or f"Go's struct {cls.go_name}."
        fields = (
            "".join(f"    {name}: {annotation(t, class_names, True)}\n" for name, _, t in cls.fields) or "    pass\n"
        )
        body = f"class {cls.name}:\n    {doc!r}\n\n{fields}"
        module.append(f"\n\n@_pygo_dataclasses.dataclass(frozen=True)\n{body}")
        stub.append(f"\n@dataclass(frozen=True)\n{body}")
    if classes:
        module.append(f"\n\n_pygo_api['_pygo_register'](({''.join(c.name + ', ' for c in classes)}))\n\n")
    for function in functions:
        if function.direct:
            # C types of the user's preamble: called through cffi as it is (no panic check).
            module.append(f"{function.name} = _pygo_lib.{function.go_name}\n")
        else:
            module.append(f"{function.name} = _pygo_api[{function.name!r}]\n")
        params = [f"{p.name}: {annotation(p.type, class_names)}" for p in function.params]
        if function.context:
            params += ["*", "timeout: float | None = None"]
        returns = _returns(function, class_names)
        stub.append(f"\ndef {function.name}({', '.join(params)}) -> {returns}:\n    {function.doc!r}\n    ...\n")
    names = ["GoError", "GoPanic", "GoTimeout", "GoForkError", *(c.name for c in classes), *(f.name for f in functions)]
    module.append(f"\n__all__ = {names!r}\n")
    return "".join(module), "".join(stub)
