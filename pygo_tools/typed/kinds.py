"""The table of Go type kinds: one row per kind of Go value that crosses into Python.

Each row says how a value of its kind looks to Python (the annotation in the ``.pyi``), how the
typed module's C function takes it as an argument and returns it as a result, its descriptor in
the packed format lists, maps and structs travel in, and which codec does the work on each side
(the C runtime's ``pygo_*`` functions in ``runtime/typed.c``, the Go helpers in
``gen/wrappers.go``). CPython's Argument Clinic drives its converters the same way, one class
per C type.

A new Go type is one row here (a :class:`Kind` subclass in :data:`KINDS`), its case in
``gen/exports.go``'s ``resolve``, its row in ``gen/kinds.go``, and, if it crosses in the packed
format, its encoder and decoder in ``runtime/typed.c`` and ``gen/wrappers.go``. A test checks that
the Go and Python tables name the same kinds.

The universal (WebAssembly) wheel's typed module is Python (``wasm.py``): each row also says how
its Python function passes a value to the ``//go:wasmexport`` export (``wasm_argument``: wasm has
numbers only, so a buffer is staged in the module's memory and passed as address and length) and
reads a lone result back (``wasm_result``); packed values use ``runtime/wasm.py``'s codec, the
same layout as ``typed.c``'s.

Every C identifier a row writes is built from an index (``pygo_s3``), never from user text;
user text only appears inside C string literals (:func:`c_string`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from .model import GoType

_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&'()*+,-./:;<=>@[]^_`{|}~")


def c_string(text: str) -> str:
    """A C string literal holding ``text`` as UTF-8: every byte outside printable ASCII (and
    quotes, backslashes, question marks for trigraphs) as a three-digit octal escape."""
    parts = []
    for byte in text.encode("utf-8"):
        parts.append(chr(byte) if byte in _SAFE else f"\\{byte:03o}")
    return '"' + "".join(parts) + '"'


@dataclass
class CArgument:
    """The C a row writes to take parameter ``i`` of a typed function from Python."""

    declare: list[str] = field(default_factory=list)  # locals
    init: list[str] = field(default_factory=list)  # before anything can fail (goto pygo_done is safe)
    convert: list[str] = field(default_factory=list)  # the conversion, jumping to pygo_done on failure
    release: list[str] = field(default_factory=list)  # after the call, on every path
    value: str = ""  # the C expression passed to Go


@dataclass
class WasmArgument:
    """The Python a row writes to pass parameter ``name`` to a wasm export."""

    convert: list[str] = field(default_factory=list)  # checks and conversions (may rebind ``name``)
    staged: str = ""  # an expression of bytes to copy into the module's memory first
    values: list[str] = field(default_factory=list)  # wasm values; ``{address}``: the staged copy's
    letters: str = ""  # their wasm types: i (i32), I (i64), F (f64)
    after: list[str] = field(default_factory=list)  # after the call (Go wrote into the buffer)


class Kind:
    """One kind of Go value. Subclasses fill in what their kind supports."""

    name: ClassVar[str]
    # The codec on each side, for readers of the table (and of the generated code).
    c_codec: ClassVar[str] = ""
    go_codec: ClassVar[str] = ""
    # C values a result of this kind takes in the export's return: 2 for (pointer, length).
    result_slots: ClassVar[int] = 1
    # A result whose memory is Go's copy: released by the C side (scratch buffer or malloc).
    owned_result: ClassVar[bool] = False
    # Travels in the packed format (inside lists, maps and structs, or as one buffer).
    packed: ClassVar[bool] = False
    # An integer parameter right after a pointer may be filled in with the buffer's length.
    can_be_length: ClassVar[bool] = False
    takes_length: ClassVar[bool] = False

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        return "Any"

    def descriptor(self, t: GoType, structs: dict[str, int]) -> str:
        """The runtime's type descriptor for a value of this kind (see typed.c)."""
        raise ValueError(f"no descriptor for {self.name}")

    def c_value_type(self, t: GoType) -> str:
        """The C type of a one-slot result."""
        raise ValueError(f"no single C value for {self.name}")

    def c_argument(self, i: int, t: GoType, fn: str, writes: bool, structs: dict[str, int]) -> CArgument:
        raise ValueError(f"no C conversion for {self.name}")

    def c_result(self, t: GoType, value: str, length: str | None, borrowed: bool, structs: dict[str, int]) -> str:
        raise ValueError(f"no Python conversion for {self.name}")

    def c_discard(self, value: str) -> str:
        """A C statement releasing a result Go handed over but Python will not get (an error or a
        callback's exception came with it); "" when nothing needs releasing."""
        return f"pygo_release({value}, &pygo_s);" if self.owned_result else ""

    # -- the universal wheel (WebAssembly) ---------------------------------------------------------
    # A lone result's wasm type (a letter, as in WasmArgument.letters), or "text"/"data" for a
    # string or []byte result passed as address | length << 32; "" travels packed.
    wasm_result: ClassVar[str] = ""

    def wasm_argument(
        self, i: int, name: str, t: GoType, fn: str, writes: bool, structs: dict[str, int]
    ) -> WasmArgument:
        raise ValueError(f"{self.name} cannot cross into WebAssembly")

    def wasm_value(self, t: GoType, raw: str) -> str:
        """The Python value of a lone result the export returned as ``raw``."""
        return raw


def int_bounds(t: GoType) -> tuple[int, int]:
    """The range of a Go integer type of ``t.bits`` bits."""
    if t.signed:
        return -(1 << (t.bits - 1)), (1 << (t.bits - 1)) - 1
    return 0, (1 << t.bits) - 1


def _staged_buffer(i: int, name: str, check: str, letters: str) -> WasmArgument:
    values = ["{address}", f"_pygo_len(_pygo_b{i})"][: len(letters)]
    return WasmArgument(convert=[f"_pygo_b{i} = {check}"], staged=f"_pygo_b{i}", values=values, letters=letters)


def is_signed(t: GoType) -> str:
    """A C expression telling whether the integer type is signed (for C's own types, such as
    ``long`` or ``char``, the compiler knows)."""
    if str(t.c).startswith("Go"):
        return "1" if t.signed else "0"
    return f"(({t.c})-1 < ({t.c})0)"


class IntKind(Kind):
    name = "int"
    c_codec = "pygo_arg_int, PyLong_From(Unsigned)LongLong; packed i1..i8, u1..u8"
    go_codec = "the export's parameter and result as the Go integer type; packed r.uN/w.uN"
    packed = True
    can_be_length = True

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        return "int"

    def descriptor(self, t: GoType, structs: dict[str, int]) -> str:
        return ("i" if t.signed else "u") + str(t.bits // 8)

    def c_value_type(self, t: GoType) -> str:
        return t.c

    def c_argument(self, i: int, t: GoType, fn: str, writes: bool, structs: dict[str, int]) -> CArgument:
        signed = is_signed(t)
        return CArgument(
            declare=[f"long long pygo_s{i} = 0; unsigned long long pygo_u{i} = 0;"],
            convert=[
                f"if (pygo_arg_int(pygo_in[{i}], &{fn}, {i}, {c_string(t.go)}, {signed}, sizeof({t.c}), "
                f"&pygo_s{i}, &pygo_u{i}) < 0) goto pygo_done;"
            ],
            value=f"({signed} ? ({t.c})pygo_s{i} : ({t.c})pygo_u{i})",
        )

    def c_result(self, t: GoType, value: str, length: str | None, borrowed: bool, structs: dict[str, int]) -> str:
        signed = is_signed(t)
        signed_value = f"PyLong_FromLongLong((long long){value})"
        return f"({signed} ? {signed_value} : PyLong_FromUnsignedLongLong((unsigned long long){value}))"

    wasm_result = "I"

    def wasm_argument(
        self, i: int, name: str, t: GoType, fn: str, writes: bool, structs: dict[str, int]
    ) -> WasmArgument:
        low, high = int_bounds(t)
        convert = [
            f"if _pygo_type({name}) is not _pygo_int or not {low} <= {name} <= {high}:",
            f"    {name} = _pygo_c.int_arg({name}, {fn}, {i}, {low}, {high}, {t.go!r})",
        ]
        value = f"_pygo_c.u64({name})" if high > (1 << 63) else name
        return WasmArgument(convert=convert, values=[value], letters="I")

    def wasm_value(self, t: GoType, raw: str) -> str:
        return f"{raw} & 0xFFFFFFFFFFFFFFFF" if not t.signed and t.bits == 64 else raw


class FloatKind(Kind):
    name = "float"
    c_codec = "pygo_arg_float, PyFloat_FromDouble; packed f4, f8"
    go_codec = "float32/float64 as themselves; packed math.Float64bits"
    packed = True

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        return "float"

    def descriptor(self, t: GoType, structs: dict[str, int]) -> str:
        return f"f{t.bits // 8}"

    def c_value_type(self, t: GoType) -> str:
        return t.c

    def c_argument(self, i: int, t: GoType, fn: str, writes: bool, structs: dict[str, int]) -> CArgument:
        float32 = int(t.c in ("GoFloat32", "float"))
        return CArgument(
            declare=[f"double pygo_d{i} = 0;"],
            convert=[f"if (pygo_arg_float(pygo_in[{i}], &{fn}, {i}, {float32}, &pygo_d{i}) < 0) goto pygo_done;"],
            value=f"({t.c})pygo_d{i}",
        )

    def c_result(self, t: GoType, value: str, length: str | None, borrowed: bool, structs: dict[str, int]) -> str:
        return f"PyFloat_FromDouble((double){value})"

    wasm_result = "F"

    def wasm_argument(
        self, i: int, name: str, t: GoType, fn: str, writes: bool, structs: dict[str, int]
    ) -> WasmArgument:
        if t.bits == 32:
            convert = [f"{name} = _pygo_c.float_arg({name}, {fn}, {i}, True)"]
        else:
            convert = [
                f"if _pygo_type({name}) is not _pygo_float:",
                f"    {name} = _pygo_c.float_arg({name}, {fn}, {i}, False)",
            ]
        return WasmArgument(convert=convert, values=[name], letters="F")


class BoolKind(Kind):
    name = "bool"
    c_codec = "pygo_arg_bool, PyBool_FromLong; packed b"
    go_codec = "bool as GoUint8; packed w.boolean"
    packed = True

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        return "bool"

    def descriptor(self, t: GoType, structs: dict[str, int]) -> str:
        return "b"

    def c_value_type(self, t: GoType) -> str:
        return t.c

    def c_argument(self, i: int, t: GoType, fn: str, writes: bool, structs: dict[str, int]) -> CArgument:
        return CArgument(
            declare=[f"int pygo_b{i} = 0;"],
            convert=[f"if (pygo_arg_bool(pygo_in[{i}], &{fn}, {i}, &pygo_b{i}) < 0) goto pygo_done;"],
            value=f"({t.c})pygo_b{i}",
        )

    def c_result(self, t: GoType, value: str, length: str | None, borrowed: bool, structs: dict[str, int]) -> str:
        return f"PyBool_FromLong({value} != 0)"

    wasm_result = "i"

    def wasm_argument(
        self, i: int, name: str, t: GoType, fn: str, writes: bool, structs: dict[str, int]
    ) -> WasmArgument:
        convert = [f"{name} = 1 if {name} is True else 0 if {name} is False else _pygo_c.bool_arg({name}, {fn}, {i})"]
        return WasmArgument(convert=convert, values=[name], letters="i")

    def wasm_value(self, t: GoType, raw: str) -> str:
        return f"{raw} != 0"


def _text_argument(i: int, fn: str, copy: int) -> CArgument:
    return CArgument(
        declare=[f"pygo_arg pygo_a{i};"],
        init=[f"pygo_arg_init(&pygo_a{i});"],
        convert=[f"if (pygo_arg_str(pygo_in[{i}], &{fn}, {i}, {copy}, &pygo_a{i}) < 0) goto pygo_done;"],
        release=[f"pygo_arg_release(&pygo_a{i});"],
    )


class StringKind(Kind):
    name = "string"
    c_codec = "pygo_arg_str (the str's UTF-8, no copy), pygo_take_str; packed s"
    go_codec = "strings.Clone of the caller's bytes; results through pygoOut (scratch or malloc)"
    result_slots = 2
    owned_result = True
    packed = True

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        return "str"

    def descriptor(self, t: GoType, structs: dict[str, int]) -> str:
        return "s"

    def c_argument(self, i: int, t: GoType, fn: str, writes: bool, structs: dict[str, int]) -> CArgument:
        argument = _text_argument(i, fn, 0)
        argument.value = f"(GoString){{pygo_a{i}.p, (ptrdiff_t)pygo_a{i}.n}}"
        return argument

    def c_result(self, t: GoType, value: str, length: str | None, borrowed: bool, structs: dict[str, int]) -> str:
        return f"pygo_take_str({value}, (size_t){length}, &pygo_s)"

    wasm_result = "text"

    def wasm_argument(
        self, i: int, name: str, t: GoType, fn: str, writes: bool, structs: dict[str, int]
    ) -> WasmArgument:
        check = f"{name}.encode() if _pygo_type({name}) is _pygo_str else _pygo_c.str_arg({name}, {fn}, {i})"
        return _staged_buffer(i, name, check, "ii")


class CStringKind(Kind):
    name = "cstring"
    c_codec = "pygo_arg_str (a NUL-terminated copy), pygo_take_cstr (freed unless borrowed)"
    go_codec = "*C.char as it is"

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        return "str"

    def c_value_type(self, t: GoType) -> str:
        return "char *"

    def c_argument(self, i: int, t: GoType, fn: str, writes: bool, structs: dict[str, int]) -> CArgument:
        argument = _text_argument(i, fn, 1)
        argument.value = f"(char *)pygo_a{i}.p"
        return argument

    def c_result(self, t: GoType, value: str, length: str | None, borrowed: bool, structs: dict[str, int]) -> str:
        return f"pygo_take_cstr({value}, {int(borrowed)})"


def _buffer_argument(i: int, fn: str, writes: bool) -> CArgument:
    return CArgument(
        declare=[f"pygo_arg pygo_a{i};"],
        init=[f"pygo_arg_init(&pygo_a{i});"],
        convert=[f"if (pygo_arg_buffer(pygo_in[{i}], &{fn}, {i}, {int(writes)}, &pygo_a{i}) < 0) goto pygo_done;"],
        release=[f"pygo_arg_release(&pygo_a{i});"],
    )


class BytesKind(Kind):
    name = "bytes"
    c_codec = "pygo_arg_buffer (the caller's buffer, no copy), pygo_take_bytes; packed y"
    go_codec = "[]byte over the caller's buffer (cap == len); results through pygoOutBytes"
    result_slots = 2
    owned_result = True
    packed = True

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        return "bytes" if result else "Buffer"

    def descriptor(self, t: GoType, structs: dict[str, int]) -> str:
        return "y"

    def c_argument(self, i: int, t: GoType, fn: str, writes: bool, structs: dict[str, int]) -> CArgument:
        argument = _buffer_argument(i, fn, writes)
        argument.value = f"(GoSlice){{(void *)pygo_a{i}.p, (GoInt)pygo_a{i}.n, (GoInt)pygo_a{i}.n}}"
        return argument

    def c_result(self, t: GoType, value: str, length: str | None, borrowed: bool, structs: dict[str, int]) -> str:
        return f"pygo_take_bytes({value}, (size_t){length}, &pygo_s)"

    wasm_result = "data"

    def wasm_argument(
        self, i: int, name: str, t: GoType, fn: str, writes: bool, structs: dict[str, int]
    ) -> WasmArgument:
        return _wasm_buffer(i, name, fn, writes, "ii")


def _wasm_buffer(i: int, name: str, fn: str, writes: bool, letters: str) -> WasmArgument:
    """A bytes-like argument: staged (copied in), and copied back when Go writes into it."""
    if writes:
        check = f"_pygo_c.buffer_arg({name}, {fn}, {i}, True)"
    else:
        check = f"{name} if _pygo_type({name}) is _pygo_bytes else _pygo_c.buffer_arg({name}, {fn}, {i}, False)"
    argument = _staged_buffer(i, name, check, letters)
    if writes:
        argument.after = [f"_pygo_i.load({{address}}, _pygo_b{i})"]
    return argument


class PointerKind(Kind):
    name = "pointer"
    c_codec = "pygo_arg_buffer (the caller's buffer, no copy)"
    go_codec = "unsafe.Pointer, converted to the parameter's pointer type"
    takes_length = True

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        return "bytes" if result else "Buffer"

    def c_argument(self, i: int, t: GoType, fn: str, writes: bool, structs: dict[str, int]) -> CArgument:
        argument = _buffer_argument(i, fn, writes)
        argument.value = f"(void *)pygo_a{i}.p"
        return argument

    def wasm_argument(
        self, i: int, name: str, t: GoType, fn: str, writes: bool, structs: dict[str, int]
    ) -> WasmArgument:
        return _wasm_buffer(i, name, fn, writes, "i")  # the length, if any, is a parameter of its own


class _Packed(Kind):
    """A value that crosses as one packed buffer each way (lists, maps, structs)."""

    c_codec = "pygo_arg_value (pygo_encode), pygo_take_value (pygo_decode)"
    go_codec = "pygoDec<n>/pygoEnc<n> generated per type"
    result_slots = 2
    owned_result = True
    packed = True

    def c_argument(self, i: int, t: GoType, fn: str, writes: bool, structs: dict[str, int]) -> CArgument:
        d = c_string(self.descriptor(t, structs))
        return CArgument(
            declare=[f"pygo_buf pygo_e{i};"],
            init=[f"pygo_buf_init(&pygo_e{i});"],
            convert=[f"if (pygo_arg_value(pygo_in[{i}], &{fn}, {i}, {d}, &pygo_e{i}) < 0) goto pygo_done;"],
            release=[f"pygo_buf_free(&pygo_e{i});"],
            value=f"(GoSlice){{(void *)pygo_e{i}.p, (GoInt)pygo_e{i}.n, (GoInt)pygo_e{i}.n}}",
        )

    def c_result(self, t: GoType, value: str, length: str | None, borrowed: bool, structs: dict[str, int]) -> str:
        return f"pygo_take_value({value}, (size_t){length}, {c_string(self.descriptor(t, structs))}, &pygo_s)"

    def wasm_argument(
        self, i: int, name: str, t: GoType, fn: str, writes: bool, structs: dict[str, int]
    ) -> WasmArgument:
        check = f"_pygo_c.encode(_pygo_rt, {name}, {self.descriptor(t, structs)!r}, {fn}, {i})"
        return _staged_buffer(i, name, check, "ii")


class ListKind(_Packed):
    name = "list"

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        assert t.elem is not None
        item = t.elem.row.annotation(t.elem, classes, result)
        return f"list[{item}]" if result else f"Sequence[{item}]"

    def descriptor(self, t: GoType, structs: dict[str, int]) -> str:
        assert t.elem is not None
        return "L" + t.elem.row.descriptor(t.elem, structs)


class MapKind(_Packed):
    name = "map"

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        assert t.value is not None
        value = t.value.row.annotation(t.value, classes, result)
        return f"dict[str, {value}]" if result else f"Mapping[str, {value}]"

    def descriptor(self, t: GoType, structs: dict[str, int]) -> str:
        assert t.value is not None
        return "M" + t.value.row.descriptor(t.value, structs)


class StructKind(_Packed):
    name = "struct"

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        return classes[t.name]

    def descriptor(self, t: GoType, structs: dict[str, int]) -> str:
        return f"S{structs[t.name]};"


class ObjectKind(Kind):
    """``*T``, T a struct type of the package: a Python object of a generated class (``objects.c``)
    holding a handle into a table of the Go side (like ``runtime/cgo.Handle``); ``None`` is nil.
    ``structs["*T"]`` is T's index in the object table."""

    name = "object"
    c_codec = "pygo_arg_object (enter: the handle stays valid during the call), pygo_wrap_object"
    go_codec = "pygoObj[T](handle), pygoNew(p): runtime/cgo handles"

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        # A nil *T comes back as None, but constructors (the common case) return objects.
        return classes[t.name] if result else f"Optional[{classes[t.name]}]"

    def c_value_type(self, t: GoType) -> str:
        return "uintptr_t"

    def c_argument(self, i: int, t: GoType, fn: str, writes: bool, structs: dict[str, int]) -> CArgument:
        index = structs["*" + t.name]
        return CArgument(
            declare=[f"pygo_object *pygo_o{i} = NULL;"],
            convert=[f"if (pygo_arg_object(pygo_in[{i}], &{fn}, {i}, {index}, &pygo_o{i}) < 0) goto pygo_done;"],
            release=[f"pygo_leave(pygo_o{i});"],
            value=f"pygo_handle_of(pygo_o{i})",
        )

    def c_result(self, t: GoType, value: str, length: str | None, borrowed: bool, structs: dict[str, int]) -> str:
        return f"pygo_wrap_object({structs['*' + t.name]}, {value})"

    def c_discard(self, value: str) -> str:
        return f"pygo_handle_delete({value});"


def _descriptors(types: tuple[GoType, ...], structs: dict[str, int]) -> str:
    return "".join(t.row.descriptor(t, structs) for t in types)


class FuncKind(Kind):
    """A func parameter: any Python callable (or ``None`` for nil). It lives in the callback table
    (``callbacks.c``) for the call; Go gets its id and calls it through a converter per func type."""

    name = "func"
    c_codec = "pygo_cb_open/pygo_cb_close; Go's arguments and result in the packed format"
    go_codec = "pygoCb<n>(id): a Go func that calls pygoInvoke"

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        args = ", ".join(a.row.annotation(a, classes, True) for a in t.args)
        returns = t.result.row.annotation(t.result, classes, False) if t.result else "object"
        return f"Optional[Callable[[{args}], {returns}]]"

    def c_argument(self, i: int, t: GoType, fn: str, writes: bool, structs: dict[str, int]) -> CArgument:
        args = c_string(_descriptors(t.args, structs))
        result = c_string(t.result.row.descriptor(t.result, structs) if t.result else "")
        return CArgument(
            convert=[
                f"if (pygo_cb_open(pygo_in[{i}], &{fn}, {i}, {args}, {result}, &pygo_cbs[{i}]) < 0) goto pygo_done;"
            ],
            release=[f"pygo_cb_close(pygo_cbs[{i}]);"],
            value=f"pygo_cbs[{i}]",
        )


class IterKind(Kind):
    """``iter.Seq[T]``, ``iter.Seq2[K, V]`` (tuples) and ``<-chan T`` results: a ``GoIterator``
    (``iterators.c``) that pulls batches from a goroutine pump and converts one item per step."""

    name = "iter"
    c_codec = "pygo_iter_wrap; items decoded from packed batches (pygo_decode)"
    go_codec = "pygoPullSeq/pygoPullSeq2/pygoPullChan: a goroutine pump, batches on request"

    def annotation(self, t: GoType, classes: dict[str, str], result: bool) -> str:
        if t.form == "seq2":
            assert t.key is not None and t.value is not None
            item = f"tuple[{annotation_of(t.key, classes)}, {annotation_of(t.value, classes)}]"
        else:
            assert t.elem is not None
            item = annotation_of(t.elem, classes)
        return f"GoIterator[{item}]"

    def c_value_type(self, t: GoType) -> str:
        return "uintptr_t"

    def c_result(self, t: GoType, value: str, length: str | None, borrowed: bool, structs: dict[str, int]) -> str:
        items = (t.key, t.value) if t.form == "seq2" else (t.elem,)
        desc = _descriptors(tuple(i for i in items if i is not None), structs)
        return f"pygo_iter_wrap({value}, {c_string(desc)}, {len(items)}, {int(t.form == 'chan')}, pygo_cbs, pygo_ncbs)"

    def c_discard(self, value: str) -> str:
        return f"pygo_iter_discard({value});"


def annotation_of(t: GoType, classes: dict[str, str]) -> str:
    return t.row.annotation(t, classes, True)


class OpaqueKind(Kind):
    """A C type of the user's cgo preamble: such a function is called through cffi as it is."""

    name = "opaque"
    c_codec = "cffi's own conversion (the function is declared to cffi)"
    go_codec = "none: the user's own //export"


class ContextKind(Kind):
    """``context.Context``: only as the first parameter, which Python never passes; the typed
    function takes ``timeout=`` instead and Ctrl-C cancels the context (``c.py``'s ``_start``)."""

    name = "context"
    c_codec = "none: pygo_timeout_arg and pygo_await around the call"
    go_codec = "a context of the call's own, cancelled by pygo_cancel (asyncRuntime)"


KINDS: dict[str, Kind] = {
    row.name: row
    for row in (
        IntKind(),
        FloatKind(),
        BoolKind(),
        StringKind(),
        CStringKind(),
        BytesKind(),
        PointerKind(),
        ListKind(),
        MapKind(),
        StructKind(),
        ObjectKind(),
        FuncKind(),
        IterKind(),
        OpaqueKind(),
        ContextKind(),
    )
}
