"""The shapes' generators without Go: objects with methods, callbacks, iterators, awaitable forms
and error classes in the Python module, the stub and the C layer.

A property test gives the generators arbitrary Go names (keywords, the module's own names, the
objects' own `close`, names of other kinds) and doc texts, then compiles what they write: the
module and stub with ``compile``, the C layer with gcc against a header declaring what Go's
generated exports would be.
"""

from __future__ import annotations

import keyword
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_config
from pygo_tools.steps.extension import typed_module_spec
from pygo_tools.typed.c import init_rename, render_typed_layer
from pygo_tools.typed.model import parse_description
from pygo_tools.typed.python import TypedApi, typed_api

INT = {"kind": "int", "go": "int", "c": "GoInt", "bits": 64, "signed": True}
STRING = {"kind": "string", "go": "string"}
POINT = {"kind": "struct", "go": "Point", "name": "Point"}
CALLBACK = {"kind": "func", "go": "func(int, string) bool", "args": [INT, STRING], "result": {**INT, "kind": "bool"}}
FAILING = {"kind": "func", "go": "func(Point) error", "args": [POINT], "fails": True}
SEQ = {"kind": "iter", "go": "iter.Seq[int]", "form": "seq", "elem": INT}
SEQ2 = {"kind": "iter", "go": "iter.Seq2[string, Point]", "form": "seq2", "key": STRING, "value": POINT}


def obj(name: str) -> dict[str, Any]:
    return {"kind": "object", "go": "*" + name, "name": name}


def export(name: str, params: list[Any], results: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "symbol": f"pygo{extra.pop('index', 0)}_{name.replace('.', '_')}",
        "params": [{"name": n, "type": t} for n, t in params],
        "results": results,
        "native": True,
        **extra,
    }


def api_of(tmp_path: Path, description: dict[str, Any]) -> tuple[Any, TypedApi]:
    config = write_config(tmp_path, wrapper="myproj.api")
    spec = typed_module_spec(config)
    return spec, typed_api(spec, parse_description(description))


DESCRIPTION = {
    "structs": [{"name": "Point", "fields": [{"name": "X", "type": INT}]}],
    "objects": [{"name": "Counter", "doc": "Counts."}, {"name": "GoError"}],
    "errors": [{"name": "ErrNotFound", "doc": "Not there."}, {"name": "ErrPermission"}],
    "functions": [
        export("NewCounter", [("name", STRING)], [obj("Counter")], index=0),
        export("Counter.Add", [("delta", INT)], [INT], receiver="Counter", index=1),
        export("Counter.close", [], [STRING], receiver="Counter", index=2),
        export("Counter.Wait", [("n", INT)], [INT], receiver="Counter", context=True, error=True, index=3),
        export("Counter.Close", [], [], receiver="Counter", error=True, index=4),
        export("Walk", [("n", INT), ("visit", CALLBACK), ("each", FAILING)], [INT], index=5),
        export("Count", [("n", INT)], [SEQ], index=6),
        export("Pairs", [], [SEQ2], error=True, index=7),
        export("Ticks", [("n", INT)], [{**SEQ, "form": "chan", "go": "<-chan int"}], context=True, index=8),
        export("Sleep", [("ms", INT), ("c", obj("Counter"))], [INT], context=True, error=True, index=9),
        export("NewGoError", [], [obj("GoError")], index=10),
    ],
}


def test_classes_methods_errors_and_their_names(tmp_path: Path) -> None:
    _, api = api_of(tmp_path, DESCRIPTION)
    counter, go_error = api.objects
    assert (counter.name, go_error.name) == ("Counter", "GoError_"), "the module's own GoError keeps its name"
    assert [m.name for m in counter.methods] == ["Add", "close_", "Wait", "Close"], "close() is the object's own"
    assert counter.made_by == ("NewCounter",) and counter.closer == "Close"
    assert [m.qualified for m in counter.methods][:2] == ["Counter.Add", "Counter.close_"]
    assert counter.methods[1].renamed == ("Counter.close is Counter.close_ in Python",)
    assert [e.name for e in api.errors] == ["ErrNotFound", "ErrPermission"]
    assert [f.name for f in api.functions if f.awaitable] == ["Sleep"], "an iterator owns its context: no aio form"
    assert api.uses_iterators


def test_the_module_and_stub(tmp_path: Path) -> None:
    from pygo_tools.typed.python import render

    spec, api = api_of(tmp_path, DESCRIPTION)
    module, stub = render(spec, api.functions, api.structs, api.objects, api.errors)
    compile(module, "api.py", "exec")
    compile(stub, "api.pyi", "exec")
    assert "Counter = _pygo_api['Counter']" in module and "GoError_ = _pygo_api['GoError_']" in module
    assert "ErrNotFound = _pygo_api['ErrNotFound']" in module and 'GoIterator = _pygo_api["GoIterator"]' in module
    assert "Sleep = _pygo_awaitable(_pygo_api['_aio:Sleep'], 'Sleep'," in module
    assert "Wait = _pygo_awaitable(getattr(_pygo_api['Counter'], '_pygo_aio_Wait'), 'Counter.Wait'," in module
    for line in [
        "class Counter:",
        "    def Add(self, delta: int) -> int:",
        "    def close_(self) -> str:",
        "    def Wait(self, n: int, *, timeout: float | None = None) -> int:",
        "    def __enter__(self) -> Counter: ...",
        "class ErrNotFound(GoError):",
        "def NewCounter(name: str) -> Counter:",
        "def Walk(n: int, visit: Optional[Callable[[int, str], bool]], "
        "each: Optional[Callable[[Point], object]]) -> int:",
        "def Count(n: int) -> GoIterator[int]:",
        "def Pairs() -> GoIterator[tuple[str, Point]]:",
        "def Ticks(n: int, *, timeout: float | None = None) -> GoIterator[int]:",
        "    async def Sleep(ms: int, c: Optional[_pygo_class_Counter], *, timeout: float | None = None) -> int:",
        "        async def Wait(self: _pygo_class_Counter, n: int, *, timeout: float | None = None) -> int:",
    ]:
        assert line in stub.splitlines(), line
    assert module.count("__all__") == 1 and "'aio'" in module.split("__all__")[1]


def fake_header(api: TypedApi) -> str:
    """What cgo's header would declare for these exports and the shapes' runtime."""
    lines = [
        "#include <stddef.h>",
        "#include <stdint.h>",
        "typedef long long GoInt; typedef double GoFloat64; typedef unsigned char GoUint8; typedef GoInt GoInt64;",
        "typedef struct { const char *p; ptrdiff_t n; } GoString;",
        "typedef struct { void *data; GoInt len; GoInt cap; } GoSlice;",
        "typedef struct { char *p; size_t n; int kind; } pygo_error;",
        "typedef struct { char *buf; size_t cap; size_t used; } pygo_scratch;",
        "typedef struct { char small[120]; char *p; size_t n; } pygo_out;",
        "enum { PYGO_CB_OK = 0, PYGO_CB_RAISED = 1, PYGO_CB_EXPIRED = 2, PYGO_CB_EXITING = 3, PYGO_CB_FAILED = 4 };",
        "PyObject *pygo_cffi_init(void);",
        "int pygo_sentinel_parent(int i);",
        "void pygo_handle_delete(uintptr_t h);",
        "void pygo_hook_set(void *invoke, void *notify);",
        "struct pygo_iter_next_return { int r0; int r1; char *r2; size_t r3; };",
        "struct pygo_iter_next_return pygo_iter_next(uintptr_t h, int want, pygo_scratch *out, pygo_error *e, "
        "pygo_scratch *s);",
        "void pygo_iter_stop(uintptr_t h);",
        "void pygo_iter_cancel(uintptr_t h);",
        "int pygo_wait(uint64_t h, int ms);",
        "void pygo_cancel(uint64_t h);",
        "void pygo_interrupt(uint64_t h);",
    ]
    c_types = {"int": "GoInt", "string": "GoString", "object": "uintptr_t", "func": "uint64_t", "struct": "GoSlice"}
    for function in api.all_functions:
        params = ["uintptr_t"] if function.receiver else []
        params += [c_types[p.type.kind] for p in function.params]
        out: list[str] = []
        for r in function.results:
            out += ["char *", "size_t"] if r.kind in ("string", "struct") else [c_types.get(r.kind, "uintptr_t")]
        ret = (out[0] if len(out) == 1 else f"struct {function.symbol}_return") if out else "void"
        if len(out) > 1:
            lines.append(f"struct {function.symbol}_return {{ {' '.join(f'{t} r{i};' for i, t in enumerate(out))} }};")
        if function.awaitable:
            start = ", ".join([*params, "int64_t", "uint64_t", "pygo_error *", "pygo_scratch *"])
            lines.append(f"uint64_t {function.symbol}({start});")
            lines.append(f"{ret} {function.symbol}_finish(uint64_t, pygo_error *, pygo_scratch *);")
        else:
            timeout = ["int64_t"] if function.context else []
            lines.append(
                f"{ret} {function.symbol}({', '.join([*params, *timeout, 'pygo_error *', 'pygo_scratch *'])});"
            )
    return "\n".join(lines) + "\n"


def compile_layer(tmp_path: Path, spec: Any, api: TypedApi, full: bool = True) -> None:
    """gcc, with every warning an error; ``full``: compile (gcc finds unused functions only
    then), else check the syntax (faster)."""
    layer = init_rename(spec) + render_typed_layer(spec, api.functions, api.structs, api.objects, api.errors)
    (tmp_path / "layer.c").write_text("#include <Python.h>\n" + fake_header(api) + layer)
    result = subprocess.run(
        [
            "gcc",
            *(["-c", "-o", str(tmp_path / "layer.o")] if full else ["-fsyntax-only"]),
            "-std=c99",
            "-Wall",
            "-Werror",  # every static function unused in a module is marked so (the build log stays clean)
            "-DPy_LIMITED_API=0x03090000",
            f"-I{sysconfig.get_paths()['include']}",
            str(tmp_path / "layer.c"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_c_layer_compiles_with_every_shape(tmp_path: Path) -> None:
    spec, api = api_of(tmp_path, DESCRIPTION)
    compile_layer(tmp_path, spec, api)


# Each shape alone: the runtime files appended, and nothing unused left unmarked (a warning in
# every build log otherwise).
ALONE = {
    "objects": ["NewCounter", "Counter.Add", "Counter.Close"],
    "iterators": ["Count", "Pairs"],
    "objects and iterators": ["NewCounter", "Count"],
    "callbacks": ["Walk"],
    "a context function": ["Sleep", "NewCounter"],
    "a channel with a context": ["Ticks"],
    "error classes": ["NewGoError"],
}


@pytest.mark.parametrize("shape", list(ALONE))
def test_the_c_layer_compiles_with_each_shape_alone(tmp_path: Path, shape: str) -> None:
    functions = [f for f in DESCRIPTION["functions"] if f["name"] in ALONE[shape]]
    receivers = {f.get("receiver") for f in functions} | {
        r["name"] for f in functions for r in f["results"] if r["kind"] == "object"
    }
    description = {
        "structs": DESCRIPTION["structs"],
        "objects": [o for o in DESCRIPTION["objects"] if o["name"] in receivers],
        "errors": DESCRIPTION["errors"] if shape == "error classes" else [],
        "functions": functions,
    }
    spec, api = api_of(tmp_path, description)
    compile_layer(tmp_path, spec, api)


identifiers = st.one_of(
    st.sampled_from([*keyword.kwlist, "close", "aio", "GoIterator", "GoError", "Buffer", "_pygo_x", "__init__"]),
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    types=st.lists(identifiers, min_size=1, max_size=3, unique=True),
    methods=st.lists(identifiers, min_size=1, max_size=4, unique=True),
    errors=st.lists(identifiers.map(lambda n: "Err" + n), max_size=3, unique=True),
    functions=st.lists(identifiers, min_size=1, max_size=3, unique=True),
    doc=st.text(max_size=40),
)
def test_any_names_compile(
    tmp_path: Path, types: list[str], methods: list[str], errors: list[str], functions: list[str], doc: str
) -> None:
    exports = []
    for t in types:
        for m in methods:
            exports.append(export(f"{t}.{m}", [("x", INT)], [SEQ], receiver=t, doc=doc, index=len(exports)))
    for name in functions:
        if name in types:
            continue  # Go has one namespace for functions and types
        ctx = len(exports) % 2 == 0
        exports.append(
            export(name, [("fn", CALLBACK)], [obj(types[0])], context=ctx, error=ctx, doc=doc, index=len(exports))
        )
    description = {
        "objects": [{"name": t, "doc": doc} for t in types],
        "errors": [{"name": e, "doc": doc} for e in errors if e not in types],
        "functions": exports,
    }
    spec, api = api_of(tmp_path, description)
    from pygo_tools.typed.python import render

    module, stub = render(spec, api.functions, api.structs, api.objects, api.errors)
    compile(module, "api.py", "exec")
    compile(stub, "api.pyi", "exec")
    top = [*(o.name for o in api.objects), *(e.name for e in api.errors), *(f.name for f in api.functions)]
    assert len(set(top)) == len(top) and all(n.isidentifier() and not keyword.iskeyword(n) for n in top)
    for o in api.objects:
        names = [m.name for m in o.methods]
        assert len(set(names)) == len(names) and "close" not in names
    compile_layer(tmp_path, spec, api, full=False)


@pytest.mark.parametrize("kind", ["object", "func", "iter"])
def test_shape_rows_are_in_the_kinds_table(kind: str) -> None:
    from pygo_tools.typed.kinds import KINDS

    assert kind in KINDS and KINDS[kind].name == kind
