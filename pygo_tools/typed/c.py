"""The C half of the typed module: one C function per Go export, appended to the cffi extension.

A typed call is one C call: parse and convert the arguments, release the GIL, call the generated
Go export, raise GoPanic/GoError from what Go reported, convert the results. Each parameter and
result is converted by its row of the kinds table (``kinds.py``); this module puts the pieces in
order. Every identifier generated here is built from an index, never from user text; user text
(names, docs) only appears inside C string literals, through :func:`c_string`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .kinds import CArgument, c_string
from .model import GoType
from .python import TypedFunction, TypedModuleSpec, TypedStruct

RUNTIME = Path(__file__).parent / "runtime" / "typed.c"

__all__ = ["c_string", "descriptor", "init_rename", "render_function", "render_typed_layer"]


def descriptor(t: GoType, structs: dict[str, int]) -> str:
    """The runtime's type descriptor for a Go value type (see typed.c)."""
    return t.row.descriptor(t, structs)


@dataclass
class _Body:
    """The lines of one C function, gathered in the order they are written."""

    declare: list[str] = field(default_factory=lambda: ["PyObject *pygo_result = NULL;", "pygo_error pygo_err = {0};"])
    body: list[str] = field(default_factory=list)
    release: list[str] = field(default_factory=list)


def render_function(index: int, function: TypedFunction, structs: dict[str, int] | None = None) -> str:
    """The C function ``pygo_f<index>`` and its ``pygo_fn`` descriptor: the signature, the
    arguments, the call, the results."""
    structs = structs or {}
    fn = f"pygo_fn{index}"
    no_args = not function.params and not function.context
    lines = _signature(index, function, fn, no_args)
    c = _Body()
    c.declare += ["char pygo_space[PYGO_SCRATCH];", "pygo_scratch pygo_s = {pygo_space, PYGO_SCRATCH, 0};"]
    if no_args:
        c.body.append("(void)pygo_unused;")
    else:
        c.declare.append(f"PyObject *pygo_in[{len(function.params) + 1}];")
        c.body.append(f"if (pygo_parse(pygo_args, pygo_kwargs, &{fn}, pygo_in) < 0) goto pygo_done;")
    c.body.insert(0, "(void)pygo_self;")
    arguments = _arguments(function, fn, structs, c)
    symbol, c_arguments = _start(function, fn, arguments, c)
    _call_and_results(function, symbol, c_arguments, structs, c)
    lines += ["    " + line for line in c.declare]
    lines += ["    " + line for line in c.body]
    lines.append("pygo_done:")
    lines += ["    " + line for line in c.release]
    lines += ["    return pygo_result;", "}"]
    return "\n".join(lines) + "\n"


def _signature(index: int, function: TypedFunction, fn: str, no_args: bool) -> list[str]:
    """The ``pygo_fn`` descriptor (names for parsing and messages) and the C signature."""
    lines = []
    if not no_args:
        names = ", ".join(c_string(p.name) for p in function.params) or "NULL"
        lines.append(f"static const char *const pygo_names{index}[] = {{{names}}};")
        lines.append(
            f"static const pygo_fn {fn} = {{{c_string(function.name)}, {len(function.params)}, "
            f"pygo_names{index}, {int(function.context)}}};"
        )
    if no_args:
        lines.append(f"static PyObject *pygo_f{index}(PyObject *pygo_self, PyObject *pygo_unused) {{")
    else:
        lines.append(
            f"static PyObject *pygo_f{index}(PyObject *pygo_self, PyObject *pygo_args, PyObject *pygo_kwargs) {{"
        )
    return lines


def _arguments(function: TypedFunction, fn: str, structs: dict[str, int], c: _Body) -> list[str]:
    """Convert each Python argument by its kind's row; the C expressions Go gets, in Go's order
    (a buffer's length fills the parameter after it)."""
    values: list[str] = []
    for i, param in enumerate(function.params):
        try:
            argument: CArgument = param.type.row.c_argument(i, param.type, fn, param.writes, structs)
        except ValueError as error:
            raise ValueError(f"{function.go_name}: {error}") from None
        c.declare += argument.declare
        for line in argument.init:
            c.body.insert(0, line)
        c.body += argument.convert
        c.release += argument.release
        values.append(argument.value)
    return [
        values[entry.index] if entry.length is None else f"({entry.length.c})pygo_a{entry.index}.n"
        for entry in function.c_params
    ]


def _start(function: TypedFunction, fn: str, c_arguments: list[str], c: _Body) -> tuple[str, list[str]]:
    """For a context.Context function: start the call in a goroutine, wait while watching for
    Ctrl-C, then collect it with ``<symbol>_finish``. The symbol and arguments of the last call."""
    symbol = function.symbol
    if not function.context:
        c.body.append("if (pygo_check_fork() < 0) goto pygo_done;")
        return symbol, c_arguments
    c.declare += ["long long pygo_timeout = 0;", "uint64_t pygo_h = 0;"]
    n = len(function.params)
    c.body.append(f"if (pygo_timeout_arg(pygo_in[{n}], &{fn}, &pygo_timeout) < 0) goto pygo_done;")
    c.body.append("if (pygo_check_fork() < 0) goto pygo_done;")
    start = ", ".join([*c_arguments, "(int64_t)pygo_timeout", "&pygo_err", "&pygo_s"])
    c.body += ["Py_BEGIN_ALLOW_THREADS", f"pygo_h = {symbol}({start});", "Py_END_ALLOW_THREADS"]
    c.body.append("if (pygo_err.kind) { pygo_raise(&pygo_err, &pygo_s); goto pygo_done; }")
    c.body.append("if (pygo_await(pygo_h) < 0) goto pygo_done;")
    return symbol + "_finish", ["pygo_h"]


def _call_and_results(
    function: TypedFunction, symbol: str, c_arguments: list[str], structs: dict[str, int], c: _Body
) -> None:
    """Call Go with the GIL released, raise what it reported, convert each result by its row."""
    call = f"{symbol}({', '.join([*c_arguments, '&pygo_err', '&pygo_s'])})"
    results = list(function.results)
    count = sum(r.row.result_slots for r in results)
    fields: list[tuple[str, str | None]] = []  # C expressions for each result (value, length)
    if count == 0:
        c.body += ["Py_BEGIN_ALLOW_THREADS", f"{call};", "Py_END_ALLOW_THREADS"]
    elif count == 1:
        c.declare.append(f"{results[0].row.c_value_type(results[0])} pygo_r;")
        c.body += ["Py_BEGIN_ALLOW_THREADS", f"pygo_r = {call};", "Py_END_ALLOW_THREADS"]
        fields.append(("pygo_r", None))
    else:
        c.declare.append(f"struct {symbol}_return pygo_r;")
        c.body += ["Py_BEGIN_ALLOW_THREADS", f"pygo_r = {call};", "Py_END_ALLOW_THREADS"]
        position = 0  # cgo names the fields of its return struct r0, r1... by position
        for r in results:
            length = f"pygo_r.r{position + 1}" if r.row.result_slots == 2 else None
            fields.append((f"pygo_r.r{position}", length))
            position += r.row.result_slots
    if count:
        # After an error Go returned no values; a panic in the middle of handing them over could
        # leave some: release what is ours.
        leftovers = [f"pygo_release({value}, &pygo_s);" for (value, _), r in zip(fields, results) if r.row.owned_result]
        c.body.append("if (pygo_err.kind) {")
        c.body += ["    " + line for line in leftovers]
        c.body += ["    pygo_raise(&pygo_err, &pygo_s);", "    goto pygo_done;", "}"]
    else:
        c.body.append("if (pygo_err.kind) { pygo_raise(&pygo_err, &pygo_s); goto pygo_done; }")
    converted = [
        r.row.c_result(r, value, length, function.borrowed, structs) for (value, length), r in zip(fields, results)
    ]
    if not converted:
        c.body.append("pygo_result = Py_None; Py_INCREF(Py_None);")
    elif len(converted) == 1:
        c.body.append(f"pygo_result = {converted[0]};")
    else:
        c.declare.append(f"PyObject *pygo_o[{len(converted)}];")
        c.body += [f"pygo_o[{i}] = {expression};" for i, expression in enumerate(converted)]
        c.body.append(f"pygo_result = pygo_tuple(pygo_o, {len(converted)});")


TUPLE = """
/* A tuple of converted results; a NULL among them (an error) releases the others. */
PYGO_HELPER PyObject *pygo_tuple(PyObject **items, int n) {
    PyObject *tuple = NULL;
    int i;
    for (i = 0; i < n; i++) {
        if (items[i] == NULL) goto fail;
    }
    tuple = PyTuple_New(n);
    if (tuple == NULL) goto fail;
    for (i = 0; i < n; i++) PyTuple_SetItem(tuple, i, items[i]);
    return tuple;
fail:
    for (i = 0; i < n; i++) Py_XDECREF(items[i]);
    return NULL;
}
"""


def render_typed_layer(
    spec: TypedModuleSpec, functions: list[TypedFunction], classes: list[TypedStruct] | None = None
) -> str:
    """The C appended after cffi's code: runtime, functions, method table, and ``PyInit``
    wrapping cffi's (renamed by :func:`init_rename`)."""
    classes = classes or []
    structs = {c.go_name: i for i, c in enumerate(classes)}
    parts = [f"\n/* ---- pygo-tools typed module for {c_string(spec.module)[1:-1]} ---- */\n"]
    if any(f.context and not f.direct for f in functions):
        parts.append("#define PYGO_ASYNC 1\n")
    parts.append(_runtime(_struct_table(classes, structs)))
    parts.append(TUPLE)
    methods = []
    for index, function in enumerate(functions):
        if function.direct:
            continue
        parts.append("\n" + render_function(index, function, structs))
        no_args = not function.params and not function.context
        flags = "METH_NOARGS" if no_args else "METH_VARARGS | METH_KEYWORDS"
        doc = f"{function.signature_text}\n--\n\n{function.doc}"
        methods.append(
            f"    {{{c_string(function.name)}, (PyCFunction)(void (*)(void))pygo_f{index}, {flags}, {c_string(doc)}}},"
        )
    parts.append("\nstatic PyMethodDef pygo_methods[] = {\n" + "\n".join(methods) + "\n    {NULL, NULL, 0, NULL}\n};\n")
    init_name = "PyInit_" + spec.extension.rsplit(".", 1)[-1]
    parts.append(
        f"""
static int pygo_typed_init(PyObject *module) {{
    PyObject *holder = NULL, *api = NULL;
    PyMethodDef *tables[2], *def;
    int t;
    if (pygo_runtime_init(module, {c_string(spec.module)}, {c_string(spec.package)}) < 0) return -1;
    /* The functions are made by PyModule_AddFunctions, on a module named as the typed module
       (their __module__): free-threaded CPython gives functions made so deferred reference
       counting (CPython gh-118527), so threads calling one function do not all contend on its
       reference count. */
    holder = PyModule_New({c_string(spec.module)});
    api = PyDict_New();
    if (holder == NULL || api == NULL) goto fail;
    tables[0] = pygo_register_defs;
    tables[1] = pygo_methods;
    for (t = 0; t < 2; t++) {{
        if (PyModule_AddFunctions(holder, tables[t]) < 0) goto fail;
        for (def = tables[t]; def->ml_name != NULL; def++) {{
            PyObject *function = PyObject_GetAttrString(holder, def->ml_name);
            if (function == NULL || PyDict_SetItemString(api, def->ml_name, function) < 0) {{
                Py_XDECREF(function);
                goto fail;
            }}
            Py_DECREF(function);
        }}
    }}
    if (PyDict_SetItemString(api, "GoError", pygo_GoError) < 0 || PyDict_SetItemString(api, "GoPanic", pygo_GoPanic) < 0
        || PyDict_SetItemString(api, "GoForkError", pygo_GoForkError) < 0
        || PyDict_SetItemString(api, "GoTimeout", pygo_GoTimeout) < 0)
        goto fail;
    Py_DECREF(holder); /* the functions keep it alive (their __self__) */
    return PyModule_AddObject(module, "_pygo_api", api) < 0 ? (Py_DECREF(api), -1) : 0;
fail:
    Py_XDECREF(api);
    Py_XDECREF(holder);
    return -1;
}}

#undef {init_name}
PyMODINIT_FUNC {init_name}(void) {{
    PyObject *module = pygo_cffi_init();
    if (module == NULL) return NULL;
    if (pygo_typed_init(module) < 0) {{
        Py_DECREF(module);
        return NULL;
    }}
#if defined(Py_GIL_DISABLED) && !defined(Py_LIMITED_API)
    /* True of cffi's part and of ours (runtime/typed.c says why). cffi's backend declares it
       too, as it creates the module; the abi3t API has no call for it (its backend's does). */
    PyUnstable_Module_SetGIL(module, Py_MOD_GIL_NOT_USED);
#endif
    return module;
}}
"""
    )
    return "".join(parts)


STRUCT_TABLE_MARKER = "/* PYGO_STRUCT_TABLE:"


def _runtime(struct_table: str) -> str:
    """The runtime with the struct table in its place (after the ``pygo_struct`` type, before the
    code that reads it): constant data the compiler sees, not pointers set at import."""
    runtime = RUNTIME.read_text(encoding="utf-8")
    at = runtime.index(STRUCT_TABLE_MARKER)
    end = runtime.index("*/", at) + len("*/")
    return runtime[:end] + struct_table + runtime[end:]


def _struct_table(classes: list[TypedStruct], structs: dict[str, int]) -> str:
    """``pygo_structs``: each dataclass's name, fields and their descriptors; ``pygo_classes``
    gets the classes when the Python module registers them."""
    lines = []
    entries = []
    for i, cls in enumerate(classes):
        names = ", ".join(c_string(name) for name, _, _ in cls.fields) or "NULL"
        types = ", ".join(c_string(descriptor(t, structs)) for _, _, t in cls.fields) or "NULL"
        lines.append(f"static const char *const pygo_sf{i}[] = {{{names}}};")
        lines.append(f"static const char *const pygo_st{i}[] = {{{types}}};")
        entries.append(f"    {{{c_string(cls.name)}, {len(cls.fields)}, pygo_sf{i}, pygo_st{i}}},")
    entries.append("    {NULL, 0, NULL, NULL}")
    lines.append("static const pygo_struct pygo_structs[] = {\n" + "\n".join(entries) + "\n};")
    lines.append(f"#define PYGO_STRUCT_COUNT {len(classes)}")
    lines.append(f"static PyObject *pygo_classes[{len(classes) + 1}];")
    return "\n" + "\n".join(lines) + "\n"


def init_rename(spec: TypedModuleSpec) -> str:
    """Put before cffi's code: its ``PyInit_<name>`` becomes ``pygo_cffi_init``, which ours calls."""
    return f"#define PyInit_{spec.extension.rsplit('.', 1)[-1]} pygo_cffi_init\n"
