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

from .model import ExportsDescription, GoExport, GoObject, GoParam, GoSentinel, GoStruct, GoType


@dataclass(frozen=True)
class TypedModuleSpec:
    """What the typed module is, from the configuration."""

    package: str  # the Python package
    extension: str  # the cffi extension module that carries the C functions
    module: str  # the typed module's dotted name (``wrapper``)
    borrowed: frozenset[str] = frozenset()  # exports whose returned char* Go keeps


# Names the typed module and its stub use themselves; an export of the same name is renamed.
MODULE_NAMES = frozenset(
    {"GoError", "GoPanic", "GoForkError", "GoTimeout", "GoIterator", "Buffer", "annotations", "aio"}
)
STUB_NAMES = frozenset(
    {
        "Any",
        "Union",
        "Optional",
        "Callable",
        "Iterator",
        "TypeVar",
        "Mapping",
        "Sequence",
        "dataclass",
        "dataclasses",
        "typing",
        "builtins",
    }
)
# What every Go object's class has besides its Go methods; a Go method of one of these names is
# renamed (a Go `close` method becomes `close_`).
OBJECT_NAMES = frozenset({"close"})
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
    receiver: str = ""  # a method: the Python name of its class
    iterates: bool = False  # its result is an iterator (which owns its context, if any)

    @property
    def signature_text(self) -> str:
        names = [p.name for p in self.params]
        if self.receiver:
            names.insert(0, "$self")
        if self.context:
            names += ["*", "timeout=None"]
        return f"{self.name}({', '.join(names)})"

    @property
    def qualified(self) -> str:
        """The name in messages: ``Counter.Add`` for a method."""
        return f"{self.receiver}.{self.name}" if self.receiver else self.name

    @property
    def awaitable(self) -> bool:
        """It has an awaitable form in ``aio`` (its first Go parameter is a context.Context)."""
        return self.context and not self.iterates and not self.direct

    @property
    def callbacks(self) -> bool:
        return any(p.type.kind == "func" for p in self.params)


@dataclass(frozen=True)
class TypedObject:
    """A Go struct type that crosses as ``*T``: a class whose methods call Go."""

    name: str  # Python class name
    go_name: str
    doc: str
    methods: tuple[TypedFunction, ...]
    made_by: tuple[str, ...]  # the Python functions and methods that return it
    closer: str = ""  # Go's Close() method, called by __exit__ before the handle is released


@dataclass(frozen=True)
class TypedError:
    """An exported Go error variable: an exception class (a GoError)."""

    name: str  # Python class name
    go_name: str
    doc: str


@dataclass(frozen=True)
class TypedApi:
    """Everything the typed module defines, named in one namespace."""

    structs: list[TypedStruct]
    functions: list[TypedFunction]  # module-level; methods are in their objects
    objects: list[TypedObject] = field(default_factory=list)
    errors: list[TypedError] = field(default_factory=list)

    @property
    def uses_iterators(self) -> bool:
        return any(f.iterates for f in self.all_functions)

    @property
    def all_functions(self) -> list[TypedFunction]:
        return [*self.functions, *(m for o in self.objects for m in o.methods)]


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


def typed_api(spec: TypedModuleSpec, description: ExportsDescription) -> TypedApi:
    """The typed module's classes, exceptions and functions; one namespace, so no name is used
    twice."""
    taken: set[str] = set()
    structs = typed_structs(description.structs, taken)
    class_names = {o.name: python_name(o.name, taken) for o in description.objects}
    errors = typed_errors(description.errors, taken)
    functions = typed_functions(spec, [f for f in description.functions if not f.receiver], taken)
    objects = typed_objects(spec, description.objects, description.functions, class_names, functions)
    return TypedApi(structs, functions, objects, errors)


def typed_errors(sentinels: Sequence[GoSentinel], taken: set[str]) -> list[TypedError]:
    return [
        TypedError(python_name(s.name, taken), s.name, s.doc or f"A Go error matching {s.name} (errors.Is).")
        for s in sentinels
    ]


def typed_objects(
    spec: TypedModuleSpec,
    objects: Sequence[GoObject],
    exports: Sequence[GoExport],
    class_names: dict[str, str],
    functions: Sequence[TypedFunction],
) -> list[TypedObject]:
    """A class per object type, with its methods named in the class's own namespace."""
    found = []
    methods_of: dict[str, list[TypedFunction]] = {o.name: [] for o in objects}
    taken_of: dict[str, set[str]] = {o.name: set() for o in objects}
    for export in exports:
        if export.receiver in methods_of:
            name = python_name(export.method, taken_of[export.receiver], module_level=False, avoid=OBJECT_NAMES)
            methods_of[export.receiver].append(
                typed_function(spec, export, name, receiver=class_names[export.receiver])
            )
    every = [*functions, *(m for ms in methods_of.values() for m in ms)]
    for o in objects:
        made_by = tuple(f.qualified for f in every if any(r.kind == "object" and r.name == o.name for r in f.results))
        methods = tuple(methods_of[o.name])
        closer = next(
            (
                m.name
                for m in methods
                if m.go_name == f"{o.name}.Close" and not m.params and not m.results and not m.context
            ),
            "",
        )
        doc = o.doc or f"A Go *{o.name}."
        found.append(TypedObject(class_names[o.name], o.name, doc, methods, made_by, closer))
    return found


def typed_functions(
    spec: TypedModuleSpec, exports: Sequence[GoExport], taken: set[str] | None = None
) -> list[TypedFunction]:
    """The typed module's functions, in the order Go declares them."""
    taken = set() if taken is None else taken
    return [typed_function(spec, export, python_name(export.name, taken)) for export in exports]


def typed_function(spec: TypedModuleSpec, export: GoExport, name: str, receiver: str = "") -> TypedFunction:
    """The typed function (or method, of class ``receiver``) for one Go export."""
    notes = []
    if name != export.method:
        notes.append(f"{export.name} is {f'{receiver}.{name}' if receiver else name} in Python")
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
    return TypedFunction(
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
        receiver=receiver,
        iterates=export.iterates,
    )


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

try:
    from {extension} import _pygo_api, lib as _pygo_lib
except ModuleNotFoundError as _pygo_missing:
    if _pygo_missing.name != {extension_repr}:
        raise
    raise ImportError(
        f"the extension {extension} is not built beside {{__file__}}: build the project in place with "
        "`pygo-tools develop`, or import the installed package from another folder"
    ) from None

GoError = _pygo_api["GoError"]
GoPanic = _pygo_api["GoPanic"]
GoTimeout = _pygo_api["GoTimeout"]
GoForkError = _pygo_api["GoForkError"]
"""


def render(
    spec: TypedModuleSpec,
    functions: Sequence[TypedFunction],
    classes: Sequence[TypedStruct] = (),
    objects: Sequence[TypedObject] = (),
    errors: Sequence[TypedError] = (),
) -> tuple[str, str]:
    """(module source, stub source) for ``spec.module``. Every name from Go goes through
    :func:`python_name`, every text through ``repr``."""
    class_names = {c.go_name: c.name for c in classes} | {o.go_name: o.name for o in objects}
    module = [HEADER.format(package=spec.package, extension=spec.extension, extension_repr=repr(spec.extension))]
    stub = [
        f"# Generated by pygo-tools from the Go exports of {spec.package}; do not edit.\n",
        "from collections.abc import Mapping, Sequence\n",
        "from dataclasses import dataclass\nfrom typing import Any, Callable, Iterator, Optional, TypeVar, Union\n\n",
        "Buffer = Union[bytes, bytearray, memoryview]\n\n",
        "class GoError(Exception): ...\nclass GoPanic(GoError): ...\nclass GoTimeout(GoError, TimeoutError): ...\n",
        "class GoForkError(RuntimeError): ...\n",
    ]
    everything = [*functions, *(m for o in objects for m in o.methods)]
    iterators = any(f.iterates for f in everything)
    if iterators:
        module.append('GoIterator = _pygo_api["GoIterator"]\n')
        stub.append(ITERATOR_STUB)
    for error in errors:
        module.append(f"{error.name} = _pygo_api[{error.name!r}]\n")
        stub.append(f"\nclass {error.name}(GoError):\n    {error.doc!r}\n    go_name: str\n")
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
    for obj in objects:
        module.append(f"{obj.name} = _pygo_api[{obj.name!r}]\n")
        stub.append(_object_stub(obj, class_names))
    for function in functions:
        if function.direct:
            # C types of the user's preamble: called through cffi as it is (no panic check).
            module.append(f"{function.name} = _pygo_lib.{function.go_name}\n")
        else:
            module.append(f"{function.name} = _pygo_api[{function.name!r}]\n")
        stub.append(_function_stub(function, class_names))
    if any(f.awaitable for f in everything):
        module.append(_aio_module(functions, objects))
        stub.append(_aio_stub(functions, objects, class_names))
    awaitable = any(f.awaitable for f in everything)
    module.append(all_line(errors, classes, objects, functions, iterators=bool(iterators), awaitable=awaitable))
    return "".join(module), "".join(stub)


def all_line(
    errors: Sequence[TypedError],
    classes: Sequence[TypedStruct],
    objects: Sequence[TypedObject],
    functions: Sequence[TypedFunction],
    *,
    iterators: bool,
    awaitable: bool,
) -> str:
    """The typed module's ``__all__``: the same names in the native and the universal module."""
    names = [
        "GoError",
        "GoPanic",
        "GoTimeout",
        "GoForkError",
        *(["GoIterator"] if iterators else []),
        *(e.name for e in errors),
        *(c.name for c in classes),
        *(o.name for o in objects),
        *(f.name for f in functions),
        *(["aio"] if awaitable else []),
    ]
    return f"\n__all__ = {names!r}\n"


ITERATOR_STUB = """
_pygo_T = TypeVar("_pygo_T")

class GoIterator(Iterator[_pygo_T]):
    \"\"\"A Go iter.Seq, iter.Seq2 or channel, pulled lazily; close() stops the Go side.\"\"\"
    def __next__(self) -> _pygo_T: ...
    def close(self) -> None: ...
    def batch(self, n: int) -> GoIterator[_pygo_T]: ...
    def __enter__(self) -> GoIterator[_pygo_T]: ...
    def __exit__(self, *args: object) -> None: ...
"""


def _function_stub(
    function: TypedFunction, classes: dict[str, str], indent: str = "", self_type: str = "", is_async: bool = False
) -> str:
    params = [f"{p.name}: {annotation(p.type, classes)}" for p in function.params]
    if self_type:
        params.insert(0, f"self: {self_type}" if is_async else "self")
    if function.context:
        params += ["*", "timeout: float | None = None"]
    returns = _returns(function, classes)
    head = f"{indent}@staticmethod\n{indent}async def" if is_async else f"{indent}def"
    return (
        f"\n{head} {function.name}({', '.join(params)}) -> {returns}:\n{indent}    {function.doc!r}\n{indent}    ...\n"
    )


def _object_stub(obj: TypedObject, classes: dict[str, str]) -> str:
    made = f" It comes from {', '.join(obj.made_by)}." if obj.made_by else ""
    doc = f"{obj.doc}\n\nA Go *{obj.go_name}: close() (or leaving a with block) releases it now.{made}"
    lines = [f"\nclass {obj.name}:\n    {doc!r}\n"]
    lines += [_function_stub(m, classes, "    ", "self") for m in obj.methods]
    lines.append(f"    def close(self) -> None: ...\n    def __enter__(self) -> {obj.name}: ...\n")
    lines.append("    def __exit__(self, *args: object) -> None: ...\n")
    return "".join(lines)


AIO_HELPER = """

def _pygo_awaitable(start, name, doc):
    async def call(*args, **kwargs):
        return await start(*args, **kwargs)

    call.__name__ = name.rsplit(".", 1)[-1]
    call.__qualname__ = "aio." + name
    call.__doc__ = doc
    call.__wrapped__ = start  # inspect.signature reads the C function's
    return call

"""


def _aio_module(functions: Sequence[TypedFunction], objects: Sequence[TypedObject]) -> str:
    """``aio``: an awaitable form of every function and method that takes a context.Context."""
    lines = [
        AIO_HELPER,
        "\nclass aio:\n",
        "    'Awaitable forms of the functions and methods that take a context.Context.'\n",
    ]
    for f in functions:
        if f.awaitable:
            start = f"_pygo_api[{('_aio:' + f.name)!r}]"
            lines.append(f"    {f.name} = _pygo_awaitable({start}, {f.name!r}, {f.doc!r})\n")
    for obj in objects:
        methods = [m for m in obj.methods if m.awaitable]
        if not methods:
            continue
        lines.append(f"\n    class {obj.name}:\n        {f'Awaitable methods of {obj.name}.'!r}\n")
        for m in methods:
            start = f"getattr(_pygo_api[{obj.name!r}], {('_pygo_aio_' + m.name)!r})"
            lines.append(f"        {m.name} = _pygo_awaitable({start}, {m.qualified!r}, {m.doc!r})\n")
    return "".join(lines)


def _aio_stub(functions: Sequence[TypedFunction], objects: Sequence[TypedObject], classes: dict[str, str]) -> str:
    # Inside class aio, a nested class of an object's name would hide that object's class from
    # the annotations: they use an alias.
    aliases = {o.go_name: f"_pygo_class_{o.name}" for o in objects}
    lines = ["\n", *(f"{alias} = {classes[go]}\n" for go, alias in aliases.items())]
    lines.append("\nclass aio:\n    'Awaitable forms of the functions and methods that take a context.Context.'\n")
    named = classes | aliases
    lines += [_function_stub(f, named, "    ", is_async=True) for f in functions if f.awaitable]
    for obj in objects:
        methods = [m for m in obj.methods if m.awaitable]
        if methods:
            lines.append(f"\n    class {obj.name}:\n")
            lines += [_function_stub(m, named, "        ", aliases[obj.go_name], is_async=True) for m in methods]
    return "".join(lines)
