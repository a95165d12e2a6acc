"""The typed module (``wrapper`` config key): what Python sees of the Go exports.

gen/exports.go describes each export (names, Go types, docs). From that description this
module builds a :class:`TypedFunction` per export, with Python names that are always valid
(keywords, builtins and the module's own names are renamed), and renders the Python module and
its ``.pyi``. The functions themselves are C functions in the extension (see typedc.py): the
generated Python module only binds them, so a typed call costs one C call.
"""

from __future__ import annotations

import builtins
import keyword
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .config import Config

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
    fields: tuple[tuple[str, str, dict[str, Any]], ...]  # (Python name, Go name, type)
    doc: str


@dataclass(frozen=True)
class Param:
    name: str  # Python name
    go_name: str
    type: dict[str, Any]
    writes: bool = False  # a buffer Go writes into: must be writable
    with_length: bool = False  # a pointer whose next Go parameter is filled with its length


@dataclass(frozen=True)
class TypedFunction:
    name: str  # Python name
    go_name: str
    symbol: str  # the generated C export ("" for a direct function)
    params: tuple[Param, ...]  # what Python passes
    c_params: tuple[tuple[Any, ...], ...]  # what C passes: ("param", index) or ("length", index, type)
    results: tuple[dict[str, Any], ...]
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


def is_length(param: dict[str, Any]) -> bool:
    name = param["name"].lower()
    return param["type"]["kind"] == "int" and (name in LENGTH_NAMES or name.endswith(("len", "size")))


def typed_structs(structs: list[dict[str, Any]], taken: set[str]) -> list[TypedStruct]:
    """A frozen dataclass per Go struct type the exports use, in the Go side's order."""
    found = []
    for struct in structs:
        fields_taken: set[str] = set()
        fields = tuple(
            (python_name(f["name"], fields_taken, module_level=False, avoid=ANNOTATION_NAMES), f["name"], f["type"])
            for f in struct.get("fields") or []
        )
        found.append(TypedStruct(python_name(struct["name"], taken), struct["name"], fields, struct.get("doc") or ""))
    return found


def typed_api(
    config: Config, exports: Sequence[dict[str, Any]], structs: Sequence[dict[str, Any]] = ()
) -> tuple[list[TypedStruct], list[TypedFunction]]:
    """The typed module's classes and functions; one namespace, so no name is used twice."""
    taken: set[str] = set()
    classes = typed_structs(list(structs), taken)
    return classes, typed_functions(config, list(exports), taken)


def typed_functions(
    config: Config, exports: list[dict[str, Any]], taken: set[str] | None = None
) -> list[TypedFunction]:
    """The typed module's functions, in the order Go declares them."""
    taken = set() if taken is None else taken
    functions = []
    for export in exports:
        notes = []
        name = python_name(export["name"], taken)
        if name != export["name"]:
            notes.append(f"{export['name']} is {name} in Python")
        params: list[Param] = []
        c_params: list[tuple[Any, ...]] = []
        used: set[str] = {"timeout"} if export.get("context") else set()
        go_params = export.get("params") or []
        writes = set(export.get("writes") or [])
        index = 0
        while index < len(go_params):
            go_param = go_params[index]
            pname = python_name(go_param["name"], used, module_level=False)
            if pname != go_param["name"]:
                notes.append(f"{export['name']}: parameter {go_param['name']} is {pname}")
            following = go_params[index + 1] if index + 1 < len(go_params) else None
            paired = go_param["type"]["kind"] == "pointer" and following is not None and is_length(following)
            params.append(Param(pname, go_param["name"], go_param["type"], go_param["name"] in writes, paired))
            c_params.append(("param", len(params) - 1))
            if paired and following is not None:
                c_params.append(("length", len(params) - 1, following["type"]))
                index += 1
            index += 1
        functions.append(
            TypedFunction(
                name=name,
                go_name=export["name"],
                symbol=export.get("symbol") or "",
                params=tuple(params),
                c_params=tuple(c_params),
                results=tuple(export.get("results") or ()),
                error=bool(export.get("error")),
                context=bool(export.get("context")),
                direct=bool(export.get("direct")),
                borrowed=export["name"] in config.borrowed,
                doc=export.get("doc") or f"Go's {export['name']}.",
                renamed=tuple(notes),
            )
        )
    return functions


def annotation(t: dict[str, Any], classes: dict[str, str], result: bool = False) -> str:
    kind = t["kind"]
    simple = {"int": "int", "float": "float", "bool": "bool", "string": "str", "cstring": "str"}
    if kind in simple:
        return simple[kind]
    if kind in ("bytes", "pointer"):
        return "bytes" if result else "Buffer"
    if kind == "list":
        item = annotation(t["elem"], classes, result)
        return f"list[{item}]" if result else f"Sequence[{item}]"
    if kind == "map":
        value = annotation(t["value"], classes, result)
        return f"dict[str, {value}]" if result else f"Mapping[str, {value}]"
    if kind == "struct":
        return classes[t["name"]]
    return "Any"


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


def render(config: Config, functions: Sequence[TypedFunction], classes: Sequence[TypedStruct] = ()) -> tuple[str, str]:
    """(module source, stub source) for ``config.wrapper``. Every name from Go goes through
    :func:`python_name`, every text through ``repr``."""
    class_names = {c.go_name: c.name for c in classes}
    module = [HEADER.format(package=config.package, extension=config.extension)]
    stub = [
        f"# Generated by pygo-tools from the Go exports of {config.package}; do not edit.\n",
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
        module.append(f"\n\n_pygo_api['_register'](({''.join(c.name + ', ' for c in classes)}))\n\n")
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
