"""What gen/exports.go found in the user's Go package, as typed objects.

The generator writes JSON; :func:`parse_description` is the one place that reads it. Everything
after works with :class:`GoType`, :class:`GoExport` and :class:`GoStruct`, whose ``kind`` is a row
of the kinds table (``kinds.KINDS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import BuildError

if TYPE_CHECKING:
    from .kinds import Kind


@dataclass(frozen=True)
class GoType:
    """A Go type as it crosses into Python."""

    kind: str  # the row of the kinds table: int, float, bool, string, cstring, bytes, ...
    go: str  # how the user's source spells it
    c: str = ""  # the C type in the generated export's signature
    bits: int = 0  # Go numbers: 8, 16, 32, 64 (0: the size of C's type)
    signed: bool = False  # Go integers
    elem: GoType | None = None  # list
    key: GoType | None = None  # map
    value: GoType | None = None  # map
    name: str = ""  # struct: its Go name
    named: str = ""  # a named type over a basic one (type Celsius float64)
    base: str = ""  # for a named type: the type under it (float64)
    args: tuple[GoType, ...] = ()  # func: its parameters
    result: GoType | None = None  # func: its one value result
    fails: bool = False  # func: its last result is an error
    form: str = ""  # iter: seq (iter.Seq[elem]), seq2 (iter.Seq2[key, value]) or chan (<-chan elem)

    @property
    def row(self) -> Kind:
        from .kinds import KINDS

        return KINDS[self.kind]


@dataclass(frozen=True)
class GoParam:
    name: str
    type: GoType


@dataclass(frozen=True)
class GoExport:
    """One exported Go function."""

    name: str  # the Go export name, what Python calls it before renaming
    symbol: str  # the C symbol of the generated export ("" when direct)
    params: tuple[GoParam, ...]  # without a leading context.Context
    results: tuple[GoType, ...]  # without a trailing error
    error: bool  # the last Go result is an error
    context: bool  # the first Go parameter is a context.Context
    native: bool  # //pygo:export: pygo-tools makes the cgo export
    direct: bool  # uses C types of the user's preamble: called through cffi as it is
    writes: tuple[str, ...]  # buffer parameters Go writes into (//pygo:writes)
    doc: str
    file: str = ""
    line: int = 0
    receiver: str = ""  # a method: the Go struct type it belongs to (name is then "Type.Method")
    # Why this build cannot call it (a WebAssembly build: its file imports "C"); "" when it can.
    unavailable: str = ""

    @property
    def method(self) -> str:
        """A method's own name (``Add`` of ``Counter.Add``)."""
        return self.name.split(".", 1)[1] if self.receiver else self.name

    @property
    def iterates(self) -> bool:
        """Its result is an iterator (which then owns its context.Context, if it takes one)."""
        return len(self.results) == 1 and self.results[0].kind == "iter"


@dataclass(frozen=True)
class GoObject:
    """A struct type that crosses as ``*T``: a Python class whose methods are T's exported ones."""

    name: str
    doc: str = ""


@dataclass(frozen=True)
class GoSentinel:
    """An exported error variable (``var ErrNotFound = errors.New(...)``): an exception class."""

    name: str
    doc: str = ""


@dataclass(frozen=True)
class GoStruct:
    name: str
    fields: tuple[GoParam, ...]
    doc: str = ""


@dataclass(frozen=True)
class ExportsDescription:
    functions: tuple[GoExport, ...] = field(default=())
    structs: tuple[GoStruct, ...] = field(default=())
    objects: tuple[GoObject, ...] = field(default=())
    errors: tuple[GoSentinel, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.functions]


def parse_description(data: Any) -> ExportsDescription:
    """The generator's JSON as typed objects; anything unexpected is a pygo-tools bug."""
    try:
        functions = tuple(_export(f) for f in data.get("functions") or ())
        structs = tuple(
            GoStruct(s["name"], tuple(_param(p) for p in s.get("fields") or ()), s.get("doc") or "")
            for s in data.get("structs") or ()
        )
        objects = tuple(GoObject(o["name"], o.get("doc") or "") for o in data.get("objects") or ())
        errors = tuple(GoSentinel(e["name"], e.get("doc") or "") for e in data.get("errors") or ())
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise BuildError(
            f"the exports generator wrote a description pygo-tools cannot read: {error!r}",
            hint="this is a pygo-tools bug: please report it with your Go package's export signatures",
        ) from None
    return ExportsDescription(functions, structs, objects, errors)


def _type(data: Any) -> GoType:
    from .kinds import KINDS

    if data["kind"] not in KINDS:
        raise ValueError(f"unknown kind {data['kind']!r}")
    return GoType(
        kind=data["kind"],
        go=data["go"],
        c=data.get("c") or "",
        bits=int(data.get("bits") or 0),
        signed=bool(data.get("signed")),
        elem=_type(data["elem"]) if data.get("elem") else None,
        key=_type(data["key"]) if data.get("key") else None,
        value=_type(data["value"]) if data.get("value") else None,
        name=data.get("name") or "",
        named=data.get("named") or "",
        base=data.get("base") or "",
        args=tuple(_type(a) for a in data.get("args") or ()),
        result=_type(data["result"]) if data.get("result") else None,
        fails=bool(data.get("fails")),
        form=data.get("form") or "",
    )


def _param(data: Any) -> GoParam:
    return GoParam(data["name"], _type(data["type"]))


def _export(data: Any) -> GoExport:
    return GoExport(
        name=data["name"],
        symbol=data.get("symbol") or "",
        params=tuple(_param(p) for p in data.get("params") or ()),
        results=tuple(_type(r) for r in data.get("results") or ()),
        error=bool(data.get("error")),
        context=bool(data.get("context")),
        native=bool(data.get("native")),
        direct=bool(data.get("direct")),
        writes=tuple(data.get("writes") or ()),
        doc=data.get("doc") or "",
        file=data.get("file") or "",
        line=int(data.get("line") or 0),
        receiver=data.get("receiver") or "",
        unavailable=data.get("unavailable") or "",
    )
