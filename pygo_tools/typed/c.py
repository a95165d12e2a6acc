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
from .python import TypedError, TypedFunction, TypedModuleSpec, TypedObject, TypedStruct

RUNTIME = Path(__file__).parent / "runtime" / "typed.c"
# The shapes' runtime, each file appended when the module uses its shape (errors.c always).
SHAPES = Path(__file__).parent / "runtime"

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
    arguments, the call, the results. A function taking a context.Context also gets its
    awaitable form ``pygo_a<index>`` and, shared by both, ``pygo_fin<index>`` (its results)."""
    structs = structs or {}
    fn = f"pygo_fn{index}"
    lines = _descriptor(index, function, fn)
    if function.awaitable:
        lines.append(_finish_function(index, function, structs))
        lines.append(_function(index, function, fn, structs, "blocking"))
        lines.append(_function(index, function, fn, structs, "aio"))
    else:
        lines.append(_function(index, function, fn, structs, "plain"))
    return "\n".join(lines) + "\n"


def no_args(function: TypedFunction) -> bool:
    return not function.params and not function.context


def _descriptor(index: int, function: TypedFunction, fn: str) -> list[str]:
    """The ``pygo_fn`` descriptor: names for parsing and messages."""
    names = ", ".join(c_string(p.name) for p in function.params) or "NULL"
    return [  # unused by a function without parameters
        f"PYGO_HELPER const char *const pygo_names{index}[] = {{{names}}};",
        f"PYGO_HELPER const pygo_fn {fn} = {{{c_string(function.qualified)}, {len(function.params)}, "
        f"pygo_names{index}, {int(function.context)}}};",
    ]


def _function(index: int, function: TypedFunction, fn: str, structs: dict[str, int], form: str) -> str:
    """One C function: ``plain`` (call, convert), ``blocking`` (start, wait watching for Ctrl-C,
    finish) or ``aio`` (start, return a future)."""
    name = f"pygo_a{index}" if form == "aio" else f"pygo_f{index}"
    c = _Body()
    c.declare += ["char pygo_space[PYGO_SCRATCH];", "pygo_scratch pygo_s = {pygo_space, PYGO_SCRATCH, 0};"]
    if no_args(function):
        signature = f"static PyObject *{name}(PyObject *pygo_self, PyObject *pygo_unused) {{"
        c.body.append("(void)pygo_unused;")
    else:
        signature = f"static PyObject *{name}(PyObject *pygo_self, PyObject *pygo_args, PyObject *pygo_kwargs) {{"
        c.declare.append(f"PyObject *pygo_in[{len(function.params) + 1}];")
        c.body.append(f"if (pygo_parse(pygo_args, pygo_kwargs, &{fn}, pygo_in) < 0) goto pygo_done;")
    c.body.insert(0, "(void)pygo_self;")
    if function.callbacks or function.iterates or function.awaitable:
        n = len(function.params) if function.callbacks else 0
        c.declare += [f"uint64_t pygo_cbs[{max(n, 1)}] = {{0}};", f"const int pygo_ncbs = {n};"]
    arguments = _arguments(function, fn, structs, c)
    if function.receiver:
        c.declare.append("pygo_object *pygo_held = NULL;")
        c.body.append(f"if (pygo_enter_self(pygo_self, &{fn}, &pygo_held) < 0) goto pygo_done;")
        c.release.append("pygo_leave(pygo_held);")
        arguments.insert(0, "pygo_handle_of(pygo_held)")
    if function.context:
        c.declare.append("long long pygo_timeout = 0;")
        n = len(function.params)
        c.body.append(f"if (pygo_timeout_arg(pygo_in[{n}], &{fn}, &pygo_timeout) < 0) goto pygo_done;")
        arguments.append("(int64_t)pygo_timeout")
    c.body.append("if (pygo_check_fork() < 0) goto pygo_done;")
    if form == "plain":
        _call_and_results(function, function.symbol, arguments, structs, c)
    else:
        _start(index, function, arguments, c, form == "aio")
    lines = [signature]
    lines += ["    " + line for line in c.declare]
    lines += ["    " + line for line in c.body]
    lines.append("pygo_done:")
    lines += ["    " + line for line in c.release]
    lines += ["    return pygo_result;", "}"]
    return "\n".join(lines)


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


def _start(index: int, function: TypedFunction, arguments: list[str], c: _Body, aio: bool) -> None:
    """A context.Context function: start the call in a goroutine. Blocking: wait while watching
    for Ctrl-C (which cancels the context), then collect it. aio: hand the running loop's future
    to Go's completion (a token) and return it."""
    c.declare.append("uint64_t pygo_h = 0;")
    token = "0"
    if aio:
        c.declare.append("uint64_t pygo_id = 0;")
        c.body.append("if ((pygo_id = pygo_aio_begin()) == 0) goto pygo_done;")
        token = "pygo_id"
    start = ", ".join([*arguments, token, "&pygo_err", "&pygo_s"])
    c.body += ["Py_BEGIN_ALLOW_THREADS", f"pygo_h = {function.symbol}({start});", "Py_END_ALLOW_THREADS"]
    abandon = "pygo_aio_abandon(pygo_id); " if aio else ""
    c.body.append(f"if (pygo_err.kind) {{ {abandon}pygo_raise_error(&pygo_err, &pygo_s); goto pygo_done; }}")
    if function.callbacks:
        c.body.append("pygo_cb_bind(pygo_cbs, pygo_ncbs, pygo_h);")
    if aio:
        c.body.append(f"pygo_result = pygo_aio_started(pygo_id, pygo_h, pygo_fin{index}, pygo_cbs, pygo_ncbs);")
    else:
        c.body.append("if (pygo_await(pygo_h) < 0) goto pygo_done;")
        c.body.append(f"pygo_result = pygo_fin{index}(pygo_h, pygo_cbs, pygo_ncbs);")


def _finish_function(index: int, function: TypedFunction, structs: dict[str, int]) -> str:
    """``pygo_fin<index>``: collect a started call's results with ``<symbol>_finish``; the
    exception of one of its callbacks comes first."""
    c = _Body()
    c.declare += ["char pygo_space[PYGO_SCRATCH];", "pygo_scratch pygo_s = {pygo_space, PYGO_SCRATCH, 0};"]
    _call_and_results(function, function.symbol + "_finish", ["pygo_h"], structs, c, callbacks=True)
    lines = [f"static PyObject *pygo_fin{index}(uint64_t pygo_h, uint64_t *pygo_cbs, int pygo_ncbs) {{"]
    lines += ["    " + line for line in c.declare]
    lines += ["    " + line for line in c.body]
    lines += ["pygo_done:", "    return pygo_result;", "}"]
    return "\n".join(lines)


def _call_and_results(
    function: TypedFunction,
    symbol: str,
    c_arguments: list[str],
    structs: dict[str, int],
    c: _Body,
    callbacks: bool | None = None,
) -> None:
    """Call Go with the GIL released, raise what it reported (or what a callback raised), convert
    each result by its row."""
    callbacks = function.callbacks if callbacks is None else callbacks
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
    # After an error Go returned no values; a panic in the middle of handing them over (or a
    # callback's exception) could leave some: release what is ours.
    leftovers = [r.row.c_discard(value) for (value, _), r in zip(fields, results)]
    leftovers = [line for line in leftovers if line]
    if callbacks:
        c.body.append("if (pygo_failed(&pygo_err, &pygo_s, pygo_cbs, pygo_ncbs)) {")
        c.body += ["    " + line for line in leftovers]
        c.body += ["    goto pygo_done;", "}"]
    elif leftovers:
        c.body.append("if (pygo_err.kind) {")
        c.body += ["    " + line for line in leftovers]
        c.body += ["    pygo_raise_error(&pygo_err, &pygo_s);", "    goto pygo_done;", "}"]
    else:
        c.body.append("if (pygo_err.kind) { pygo_raise_error(&pygo_err, &pygo_s); goto pygo_done; }")
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
    spec: TypedModuleSpec,
    functions: list[TypedFunction],
    classes: list[TypedStruct] | None = None,
    objects: list[TypedObject] | None = None,
    errors: list[TypedError] | None = None,
) -> str:
    """The C appended after cffi's code: runtime, functions, classes, method table, and
    ``PyInit`` wrapping cffi's (renamed by :func:`init_rename`)."""
    classes = classes or []
    objects = objects or []
    errors = errors or []
    structs = {c.go_name: i for i, c in enumerate(classes)} | {"*" + o.go_name: i for i, o in enumerate(objects)}
    typed = [f for f in functions if not f.direct]
    everything = [*typed, *(m for o in objects for m in o.methods)]
    awaitable = any(f.awaitable for f in everything)
    iterators = any(f.iterates for f in everything)
    hooks = awaitable or iterators or any(f.callbacks for f in everything)
    parts = [f"\n/* ---- pygo-tools typed module for {c_string(spec.module)[1:-1]} ---- */\n"]
    if awaitable:
        parts.append("#define PYGO_ASYNC 1\n#define PYGO_AIO 1\n")
    if errors:
        parts.append("#define PYGO_SENTINELS 1\n")
    parts.append(_runtime(_struct_table(classes, structs)))
    parts.append(TUPLE)
    for name, used in (
        ("errors.c", True),
        ("objects.c", bool(objects)),
        ("callbacks.c", hooks),
        ("iterators.c", iterators),
        ("aio.c", awaitable),
    ):
        if used:
            parts.append(f"\n/* ---- {name} ---- */\n" + (SHAPES / name).read_text(encoding="utf-8"))
    methods = []
    index = 0
    for function in functions:
        if not function.direct:
            parts.append("\n" + render_function(index, function, structs))
            methods += _method_defs(index, function, "_aio:")
        index += 1
    object_tables = []
    for o, obj in enumerate(objects):
        entries = []
        for method in obj.methods:
            parts.append("\n" + render_function(index, method, structs))
            closer = f"pygo_close{o}" if method.name == obj.closer else ""
            entries += _method_defs(index, method, "_pygo_aio_", closer)
            index += 1
        object_tables.append(_object_type(spec, o, obj, entries, index - len(obj.methods)))
    parts += object_tables
    parts.append(_object_table(objects))
    parts.append(_sentinel_table(errors))
    parts.append("\nstatic PyMethodDef pygo_methods[] = {\n" + "\n".join(methods) + "\n    {NULL, NULL, 0, NULL}\n};\n")
    init_name = "PyInit_" + spec.extension.rsplit(".", 1)[-1]
    shapes = []
    if errors:
        shapes.append(
            f"if (pygo_make_sentinels(api, {c_string(spec.module)}, pygo_sentinels, pygo_sentinel_objs, "
            f"{len(errors)}) < 0) goto fail;"
        )
    if objects:
        shapes.append(f"if (pygo_make_object_types(api, pygo_oinfo, pygo_otypes, {len(objects)}) < 0) goto fail;")
    if iterators:
        shapes.append(f"if (pygo_iterators_init(api, {c_string(spec.module + '.GoIterator')}) < 0) goto fail;")
    if hooks:
        shapes.append("if (pygo_callbacks_init(api) < 0) goto fail;")
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
    {chr(10).join("    " + line for line in shapes).lstrip()}
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


def _method_defs(index: int, function: TypedFunction, aio_prefix: str, c_function: str = "") -> list[str]:
    """``PyMethodDef`` entries: the function (or method), and its awaitable form under
    ``aio_prefix + name`` (a name no Go export can take)."""
    flags = "METH_NOARGS" if no_args(function) else "METH_VARARGS | METH_KEYWORDS"
    doc = f"{function.signature_text}\n--\n\n{function.doc}"
    c_function = c_function or f"pygo_f{index}"
    entries = [
        f"    {{{c_string(function.name)}, (PyCFunction)(void (*)(void)){c_function}, {flags}, {c_string(doc)}}},"
    ]
    if function.awaitable:
        # CPython reads a text signature only after the function's own name
        aio_doc = aio_prefix + doc
        name = c_string(aio_prefix + function.name)
        entries.append(f"    {{{name}, (PyCFunction)(void (*)(void))pygo_a{index}, {flags}, {c_string(aio_doc)}}},")
    return entries


def _object_type(spec: TypedModuleSpec, o: int, obj: TypedObject, entries: list[str], first: int) -> str:
    """Object class ``o``: its method table (Go's methods, close, with), slots and spec."""
    lines = []
    exit_function = "pygo_object_exit"
    if obj.closer:
        closer = first + next(i for i, m in enumerate(obj.methods) if m.name == obj.closer)
        exit_function = f"pygo_exit{o}"
        lines.append(
            f"""
/* Go's Close(), called from Python: the end of a with block does not call it again. */
static PyObject *pygo_close{o}(PyObject *self, PyObject *unused) {{
    __atomic_store_n(&PYGO_FIELDS(pygo_object, self)->go_closed, 1, __ATOMIC_SEQ_CST);
    return pygo_f{closer}(self, unused);
}}

/* {c_string(obj.name)[1:-1]}.__exit__: Go's Close() (unless called already), then the handle is
   released either way. */
static PyObject *pygo_exit{o}(PyObject *self, PyObject *args) {{
    pygo_object *o = PYGO_FIELDS(pygo_object, self);
    PyObject *result = Py_None, *closed;
    (void)args;
    if (!__atomic_load_n(&o->closed, __ATOMIC_SEQ_CST) && !__atomic_exchange_n(&o->go_closed, 1, __ATOMIC_SEQ_CST))
        result = pygo_f{closer}(self, NULL);
    else
        Py_INCREF(result);
    closed = pygo_object_close(self, NULL);
    Py_XDECREF(closed);
    return result;
}}"""
        )
    made = ", ".join(f + "()" for f in obj.made_by)
    doc = f"{obj.doc}\n\nA Go *{obj.go_name}; close() or the end of a with block releases it at once."
    lines.append(f"static PyMethodDef pygo_om{o}[] = {{")
    lines += entries
    lines.append(f'    PYGO_OBJECT_METHODS {{"__exit__", {exit_function}, METH_VARARGS, NULL}},')
    lines.append("    {NULL, NULL, 0, NULL}};")
    lines.append(
        f"static PyType_Slot pygo_os{o}[] = {{{{Py_tp_dealloc, pygo_object_dealloc}}, "
        f"{{Py_tp_methods, pygo_om{o}}}, {{Py_tp_new, pygo_object_new}}, {{Py_tp_repr, pygo_object_repr}}, "
        f"{{Py_tp_doc, {c_string(doc)}}}, {{0, NULL}}}};"
    )
    lines.append(
        f"static PyType_Spec pygo_ospec{o} = {{{c_string(spec.module + '.' + obj.name)}, "
        f"PYGO_BASICSIZE(pygo_object), 0, Py_TPFLAGS_DEFAULT, pygo_os{o}}};"
    )
    lines.append(f"#define PYGO_MADE_BY{o} {c_string(made)}")
    return "\n" + "\n".join(lines) + "\n"


def _object_table(objects: list[TypedObject]) -> str:
    if not objects:
        return ""
    entries = [f"    {{{c_string(obj.name)}, PYGO_MADE_BY{o}, &pygo_ospec{o}}}," for o, obj in enumerate(objects)]
    return (
        "\nstatic const pygo_class_info pygo_oinfo[] = {\n"
        + "\n".join(entries)
        + f"\n}};\nstatic PyTypeObject *pygo_otypes[{len(objects)}];\n"
    )


def _sentinel_table(errors: list[TypedError]) -> str:
    if not errors:
        return ""
    entries = [f"    {{{c_string(e.name)}, {c_string(e.go_name)}, {c_string(e.doc)}}}," for e in errors]
    entries.append("    {NULL, NULL, NULL}")
    return (
        "\nstatic const pygo_sentinel pygo_sentinels[] = {\n"
        + "\n".join(entries)
        + f"\n}};\nstatic PyObject *pygo_sentinel_objs[{len(errors) + 1}];\n"
    )


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
