"""The C half of the typed module: one C function per Go export, appended to the cffi extension.

A typed call is one C call: parse and convert the arguments, release the GIL, call the generated
Go export, raise GoPanic/GoError from what Go reported, convert the results. Every identifier
generated here is built from an index, never from user text; user text (names, docs) only
appears inside C string literals, through :func:`c_string`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bindings import TypedFunction, TypedStruct
from .config import Config

RUNTIME = Path(__file__).parent / "runtime" / "typed.c"
_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&'()*+,-./:;<=>@[]^_`{|}~")


def c_string(text: str) -> str:
    """A C string literal holding ``text`` as UTF-8: every byte outside printable ASCII (and
    quotes, backslashes, question marks for trigraphs) as a three-digit octal escape."""
    parts = []
    for byte in text.encode("utf-8"):
        parts.append(chr(byte) if byte in _SAFE else f"\\{byte:03o}")
    return '"' + "".join(parts) + '"'


def is_signed(t: dict[str, Any]) -> str:
    """A C expression telling whether the integer type is signed (for C's own types, such as
    ``long`` or ``char``, the compiler knows)."""
    if str(t["c"]).startswith("Go"):
        return "1" if t.get("signed") else "0"
    return f"(({t['c']})-1 < ({t['c']})0)"


def c_value_type(t: dict[str, Any]) -> str:
    kind = t["kind"]
    if kind in ("int", "float", "bool"):
        return str(t["c"])
    if kind == "cstring":
        return "char *"
    raise ValueError(f"no single C value for {kind}")


COMPOSITE = frozenset({"list", "map", "struct"})


def _c_result_count(t: dict[str, Any]) -> int:
    return 2 if t["kind"] in ("string", "bytes") or t["kind"] in COMPOSITE else 1


def descriptor(t: dict[str, Any], structs: dict[str, int]) -> str:
    """The runtime's type descriptor for a Go value type (see typed.c)."""
    kind = t["kind"]
    if kind == "int":
        return ("i" if t.get("signed") else "u") + str(t["bits"] // 8)
    if kind == "float":
        return f"f{t['bits'] // 8}"
    if kind == "bool":
        return "b"
    if kind == "string":
        return "s"
    if kind == "bytes":
        return "y"
    if kind == "list":
        return "L" + descriptor(t["elem"], structs)
    if kind == "map":
        return "M" + descriptor(t["value"], structs)
    if kind == "struct":
        return f"S{structs[t['name']]};"
    raise ValueError(f"no descriptor for {kind}")


def render_function(index: int, function: TypedFunction, structs: dict[str, int] | None = None) -> str:
    """The C function ``pygo_f<index>`` and its ``pygo_fn`` descriptor."""
    structs = structs or {}
    fn = f"pygo_fn{index}"
    lines = []
    no_args = not function.params and not function.context
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
    body: list[str] = []
    declare: list[str] = ["PyObject *pygo_result = NULL;", "pygo_error pygo_err = {0};"]
    declare += ["char pygo_space[PYGO_SCRATCH];", "pygo_scratch pygo_s = {pygo_space, PYGO_SCRATCH, 0};"]
    release: list[str] = []
    if no_args:
        body.append("(void)pygo_unused;")
    else:
        declare.append(f"PyObject *pygo_in[{len(function.params) + 1}];")
        body.append(f"if (pygo_parse(pygo_args, pygo_kwargs, &{fn}, pygo_in) < 0) goto pygo_done;")
    body.insert(0, "(void)pygo_self;")
    arguments: list[str] = []
    for i, param in enumerate(function.params):
        t = param.type
        kind = t["kind"]
        source = f"pygo_in[{i}]"
        if kind == "int":
            declare.append(f"long long pygo_s{i} = 0; unsigned long long pygo_u{i} = 0;")
            body.append(
                f"if (pygo_arg_int({source}, &{fn}, {i}, {c_string(t['go'])}, {is_signed(t)}, sizeof({t['c']}), "
                f"&pygo_s{i}, &pygo_u{i}) < 0) goto pygo_done;"
            )
            c = t["c"]
            arguments.append(f"({is_signed(t)} ? ({c})pygo_s{i} : ({c})pygo_u{i})")
        elif kind == "float":
            declare.append(f"double pygo_d{i} = 0;")
            float32 = int(t["c"] in ("GoFloat32", "float"))
            body.append(f"if (pygo_arg_float({source}, &{fn}, {i}, {float32}, &pygo_d{i}) < 0) goto pygo_done;")
            arguments.append(f"({t['c']})pygo_d{i}")
        elif kind == "bool":
            declare.append(f"int pygo_b{i} = 0;")
            body.append(f"if (pygo_arg_bool({source}, &{fn}, {i}, &pygo_b{i}) < 0) goto pygo_done;")
            arguments.append(f"({t['c']})pygo_b{i}")
        elif kind in ("string", "cstring"):
            declare.append(f"pygo_arg pygo_a{i};")
            body.insert(0, f"pygo_arg_init(&pygo_a{i});")
            copy = int(kind == "cstring")
            body.append(f"if (pygo_arg_str({source}, &{fn}, {i}, {copy}, &pygo_a{i}) < 0) goto pygo_done;")
            release.append(f"pygo_arg_release(&pygo_a{i});")
            if kind == "string":
                arguments.append(f"(GoString){{pygo_a{i}.p, (ptrdiff_t)pygo_a{i}.n}}")
            else:
                arguments.append(f"(char *)pygo_a{i}.p")
        elif kind in ("bytes", "pointer"):
            declare.append(f"pygo_arg pygo_a{i};")
            body.insert(0, f"pygo_arg_init(&pygo_a{i});")
            body.append(
                f"if (pygo_arg_buffer({source}, &{fn}, {i}, {int(param.writes)}, &pygo_a{i}) < 0) goto pygo_done;"
            )
            release.append(f"pygo_arg_release(&pygo_a{i});")
            if kind == "bytes":
                arguments.append(f"(GoSlice){{(void *)pygo_a{i}.p, (GoInt)pygo_a{i}.n, (GoInt)pygo_a{i}.n}}")
            else:
                arguments.append(f"(void *)pygo_a{i}.p")
        elif kind in COMPOSITE:
            declare.append(f"pygo_buf pygo_e{i};")
            body.insert(0, f"pygo_buf_init(&pygo_e{i});")
            d = c_string(descriptor(t, structs))
            body.append(f"if (pygo_arg_value({source}, &{fn}, {i}, {d}, &pygo_e{i}) < 0) goto pygo_done;")
            release.append(f"pygo_buf_free(&pygo_e{i});")
            arguments.append(f"(GoSlice){{(void *)pygo_e{i}.p, (GoInt)pygo_e{i}.n, (GoInt)pygo_e{i}.n}}")
        else:
            raise ValueError(f"{function.go_name}: no C conversion for {kind}")
    c_arguments = []
    for entry in function.c_params:
        if entry[0] == "param":
            c_arguments.append(arguments[entry[1]])
        else:
            c_arguments.append(f"({entry[2]['c']})pygo_a{entry[1]}.n")
    symbol = function.symbol
    if function.context:
        # Start the call in a goroutine, wait while watching for Ctrl-C, then collect it.
        declare += ["long long pygo_timeout = 0;", "uint64_t pygo_h = 0;"]
        n = len(function.params)
        body.append(f"if (pygo_timeout_arg(pygo_in[{n}], &{fn}, &pygo_timeout) < 0) goto pygo_done;")
        body.append("if (pygo_check_fork() < 0) goto pygo_done;")
        start = ", ".join([*c_arguments, "(int64_t)pygo_timeout", "&pygo_err", "&pygo_s"])
        body += ["Py_BEGIN_ALLOW_THREADS", f"pygo_h = {symbol}({start});", "Py_END_ALLOW_THREADS"]
        body.append("if (pygo_err.kind) { pygo_raise(&pygo_err, &pygo_s); goto pygo_done; }")
        body.append("if (pygo_await(pygo_h) < 0) goto pygo_done;")
        symbol += "_finish"
        c_arguments = ["pygo_h"]
    else:
        body.append("if (pygo_check_fork() < 0) goto pygo_done;")
    c_arguments += ["&pygo_err", "&pygo_s"]
    call = f"{symbol}({', '.join(c_arguments)})"
    results = list(function.results)
    count = sum(_c_result_count(r) for r in results)
    fields: list[tuple[str, str | None]] = []  # C expressions for each result (value, length)
    if count == 0:
        body += ["Py_BEGIN_ALLOW_THREADS", f"{call};", "Py_END_ALLOW_THREADS"]
    elif count == 1:
        declare.append(f"{c_value_type(results[0])} pygo_r;")
        body += ["Py_BEGIN_ALLOW_THREADS", f"pygo_r = {call};", "Py_END_ALLOW_THREADS"]
        fields.append(("pygo_r", None))
    else:
        declare.append(f"struct {symbol}_return pygo_r;")
        body += ["Py_BEGIN_ALLOW_THREADS", f"pygo_r = {call};", "Py_END_ALLOW_THREADS"]
        position = 0  # cgo names the fields of its return struct r0, r1... by position
        for r in results:
            length = f"pygo_r.r{position + 1}" if _c_result_count(r) == 2 else None
            fields.append((f"pygo_r.r{position}", length))
            position += _c_result_count(r)
    if count:
        # After an error Go returned no values; a panic in the middle of handing them over could
        # leave some: release what is ours.
        leftovers = [
            f"pygo_release({value}, &pygo_s);"
            for (value, length), r in zip(fields, results)
            if r["kind"] in ("string", "bytes") or r["kind"] in COMPOSITE
        ]
        body.append("if (pygo_err.kind) {")
        body += ["    " + line for line in leftovers]
        body += ["    pygo_raise(&pygo_err, &pygo_s);", "    goto pygo_done;", "}"]
    else:
        body.append("if (pygo_err.kind) { pygo_raise(&pygo_err, &pygo_s); goto pygo_done; }")
    converted = [_convert(r, value, length, function.borrowed, structs) for (value, length), r in zip(fields, results)]
    if not converted:
        body.append("pygo_result = Py_None; Py_INCREF(Py_None);")
    elif len(converted) == 1:
        body.append(f"pygo_result = {converted[0]};")
    else:
        declare.append(f"PyObject *pygo_o[{len(converted)}];")
        body += [f"pygo_o[{i}] = {expression};" for i, expression in enumerate(converted)]
        body.append(f"pygo_result = pygo_tuple(pygo_o, {len(converted)});")
    lines += ["    " + line for line in declare]
    lines += ["    " + line for line in body]
    lines.append("pygo_done:")
    lines += ["    " + line for line in release]
    lines += ["    return pygo_result;", "}"]
    return "\n".join(lines) + "\n"


def _convert(t: dict[str, Any], value: str, length: str | None, borrowed: bool, structs: dict[str, int]) -> str:
    kind = t["kind"]
    if kind in COMPOSITE:
        return f"pygo_take_value({value}, (size_t){length}, {c_string(descriptor(t, structs))}, &pygo_s)"
    if kind == "int":
        signed = is_signed(t)
        signed_value = f"PyLong_FromLongLong((long long){value})"
        return f"({signed} ? {signed_value} : PyLong_FromUnsignedLongLong((unsigned long long){value}))"
    if kind == "float":
        return f"PyFloat_FromDouble((double){value})"
    if kind == "bool":
        return f"PyBool_FromLong({value} != 0)"
    if kind == "cstring":
        return f"pygo_take_cstr({value}, {int(borrowed)})"
    if kind == "string":
        return f"pygo_take_str({value}, (size_t){length}, &pygo_s)"
    if kind == "bytes":
        return f"pygo_take_bytes({value}, (size_t){length}, &pygo_s)"
    raise ValueError(f"no Python conversion for {kind}")


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


def render_typed_layer(config: Config, functions: list[TypedFunction], classes: list[TypedStruct] | None = None) -> str:
    """The C appended after cffi's code: runtime, functions, method table, and ``PyInit``
    wrapping cffi's (renamed by :func:`init_rename`)."""
    classes = classes or []
    structs = {c.go_name: i for i, c in enumerate(classes)}
    parts = [f"\n/* ---- pygo-tools typed module for {c_string(config.wrapper)[1:-1]} ---- */\n"]
    if any(f.context and not f.direct for f in functions):
        parts.append("#define PYGO_ASYNC 1\n")
    parts.append(RUNTIME.read_text(encoding="utf-8"))
    parts.append(TUPLE)
    parts.append(_struct_table(classes, structs))
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
    init_name = "PyInit_" + config.extension.rsplit(".", 1)[-1]
    parts.append(
        f"""
static int pygo_typed_init(PyObject *module) {{
    PyObject *api, *name;
    PyMethodDef *def;
    if (pygo_runtime_init(module, {c_string(config.wrapper)}, {c_string(config.package)}) < 0) return -1;
    pygo_struct_table = pygo_structs;
    pygo_class_table = pygo_classes;
    pygo_struct_count = {len(classes)};
    api = PyDict_New();
    name = PyUnicode_FromString({c_string(config.wrapper)});
    if (api == NULL || name == NULL) goto fail;
    {{
        PyObject *function = PyCFunction_NewEx(&pygo_register_def, NULL, name);
        if (function == NULL || PyDict_SetItemString(api, "_register", function) < 0) {{
            Py_XDECREF(function);
            goto fail;
        }}
        Py_DECREF(function);
    }}
    for (def = pygo_methods; def->ml_name != NULL; def++) {{
        PyObject *function = PyCFunction_NewEx(def, NULL, name);
        if (function == NULL || PyDict_SetItemString(api, def->ml_name, function) < 0) {{
            Py_XDECREF(function);
            goto fail;
        }}
        Py_DECREF(function);
    }}
    if (PyDict_SetItemString(api, "GoError", pygo_GoError) < 0 || PyDict_SetItemString(api, "GoPanic", pygo_GoPanic) < 0
        || PyDict_SetItemString(api, "GoForkError", pygo_GoForkError) < 0
        || PyDict_SetItemString(api, "GoTimeout", pygo_GoTimeout) < 0)
        goto fail;
    Py_DECREF(name);
    return PyModule_AddObject(module, "_pygo_api", api) < 0 ? (Py_DECREF(api), -1) : 0;
fail:
    Py_XDECREF(api);
    Py_XDECREF(name);
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
    return module;
}}
"""
    )
    return "".join(parts)


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
    lines.append(f"static PyObject *pygo_classes[{len(classes) + 1}];")
    return "\n" + "\n".join(lines) + "\n"


def init_rename(config: Config) -> str:
    """Put before cffi's code: its ``PyInit_<name>`` becomes ``pygo_cffi_init``, which ours calls."""
    return f"#define PyInit_{config.extension.rsplit('.', 1)[-1]} pygo_cffi_init\n"
