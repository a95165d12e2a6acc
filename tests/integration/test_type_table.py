"""Every combination of the type table generates, compiles and works.

One Go package is generated with, for each kind of value the table knows (every integer size,
floats, bool, string, []byte, *C.char, named types, slices, maps, structs, a recursive struct),
a function of every result shape: one value, several, none, each with and without a trailing
error, only an error, and each of them with and without a leading context.Context. It is built
once; then hypothesis draws values of each kind, and every function must give them back.
"""

from __future__ import annotations

import math
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_build

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@dataclass(frozen=True)
class Kind:
    name: str  # in Go function names
    go: str  # the Go type
    values: Callable[[ModuleType], st.SearchStrategy[Any]]  # Python values of it (given the module)
    echo: str = "v"  # Go: v given back as a new value of the type
    keep: str = ""  # Go: the type of last<Name> (default: go)
    kept: str = "v"  # Go: v as last<Name>
    context: bool = True  # a context function may take it


def ints(bits: int, signed: bool) -> Callable[[ModuleType], st.SearchStrategy[int]]:
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    return lambda api: st.integers(low, high)


floats32 = st.floats(width=32, allow_nan=False)
floats64 = st.floats(allow_nan=False)
texts = st.text(max_size=20)
blobs = st.binary(max_size=20)


def points(api: ModuleType) -> st.SearchStrategy[Any]:
    return st.builds(
        api.Point,
        X=st.integers(-(2**63), 2**63 - 1),
        Y=floats64,
        Name=texts,
        Tags=st.lists(texts, max_size=3),
        Data=blobs,
        Ok=st.booleans(),
    )


def trees(api: ModuleType) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.builds(api.Tree, Label=texts, Kids=st.just([])),
        lambda kids: st.builds(api.Tree, Label=texts, Kids=st.lists(kids, max_size=3)),
        max_leaves=8,
    )


KINDS = [
    *(
        Kind(name.title(), name, ints(bits, signed))
        for name, bits, signed in [
            ("int", 64, True),
            ("int8", 8, True),
            ("int16", 16, True),
            ("int32", 32, True),
            ("int64", 64, True),
            ("uint", 64, False),
            ("uint8", 8, False),
            ("uint16", 16, False),
            ("uint32", 32, False),
            ("uint64", 64, False),
            ("uintptr", 64, False),
            ("byte", 8, False),
            ("rune", 32, True),
        ]
    ),
    Kind("Float32", "float32", lambda api: floats32),
    Kind("Float64", "float64", lambda api: floats64),
    Kind("Bool", "bool", lambda api: st.booleans()),
    Kind("String", "string", lambda api: texts),
    Kind("Bytes", "[]byte", lambda api: blobs, echo="append([]byte{}, v...)", kept="append([]byte{}, v...)"),
    Kind(
        "CString",
        "*C.char",
        lambda api: texts.filter(lambda s: "\0" not in s),
        echo="C.CString(C.GoString(v))",
        keep="string",
        kept="C.GoString(v)",
        context=False,  # refused: the call's goroutine may outlive the caller's memory
    ),
    Kind("Celsius", "Celsius", lambda api: floats64),
    Kind("Name", "Name", lambda api: texts),
    Kind("Count", "Count", ints(32, True)),
    Kind("Blob", "Blob", lambda api: blobs, echo="append(Blob{}, v...)", kept="append(Blob{}, v...)"),
    Kind("ListInt16", "[]int16", lambda api: st.lists(ints(16, True)(api), max_size=5)),
    Kind("ListUint8", "[]uint8", lambda api: st.lists(ints(8, False)(api), max_size=5)),
    Kind("ListFloat32", "[]float32", lambda api: st.lists(floats32, max_size=5)),
    Kind("ListBool", "[]bool", lambda api: st.lists(st.booleans(), max_size=5)),
    Kind("ListString", "[]string", lambda api: st.lists(texts, max_size=5)),
    Kind("ListBytes", "[][]byte", lambda api: st.lists(blobs, max_size=5)),
    Kind("ListList", "[][]int32", lambda api: st.lists(st.lists(ints(32, True)(api), max_size=3), max_size=3)),
    Kind("ListCelsius", "[]Celsius", lambda api: st.lists(floats64, max_size=5)),
    Kind("ListPoint", "[]Point", lambda api: st.lists(points(api), max_size=3)),
    Kind("MapInt64", "map[string]int64", lambda api: st.dictionaries(texts, ints(64, True)(api), max_size=4)),
    Kind("MapList", "map[string][]string", lambda api: st.dictionaries(texts, st.lists(texts, max_size=3), max_size=3)),
    Kind("MapPoint", "map[string]Point", lambda api: st.dictionaries(texts, points(api), max_size=3)),
    Kind("Point", "Point", points),
    Kind("Tree", "Tree", trees),
]

HEADER = """\
// Code written by tests/integration/test_type_table.py: every kind of the type table in every
// result shape, with and without a context.Context.
package main

// #include <stdlib.h>
import "C"

import (
	"context"
	"errors"
	"unsafe"
)

type Celsius float64
type Name string
type Count int32
type Blob []byte

type Point struct {
	X    int64
	Y    float64
	Name string
	Tags []string
	Data []byte
	Ok   bool
	note string // unexported: stays in Go
}

type Tree struct {
	Label string
	Kids  []Tree
}

var failure = errors.New("failed as asked")

// SumPointer adds the n bytes at p: a pointer parameter with its length filled in by Python.
//
//pygo:export
func SumPointer(p unsafe.Pointer, n int) int {
	total := 0
	for _, b := range unsafe.Slice((*byte)(p), n) {
		total += int(b)
	}
	return total
}

func main() {}
"""

# (Go function name suffix, whether it takes a context, its results, its body) per result shape.
SHAPES = [
    ("", "{T}", "return {echo}"),
    ("Err", "({T}, error)", "if fail {{ return {echo}, failure }}\n\treturn {echo}, nil"),
    ("Many", "({T}, int, {T})", "return {echo}, 7, {echo}"),
    ("ManyErr", "({T}, int, error)", "if fail {{ return {echo}, 0, failure }}\n\treturn {echo}, 7, nil"),
    ("None", "", "last{N} = {kept}"),
    ("NoneErr", "error", "if fail {{ return failure }}\n\tlast{N} = {kept}\n\treturn nil"),
]


def go_function(kind: Kind, suffix: str, results: str, body: str, context: bool) -> str:
    name = f"F{kind.name}{suffix}{'Ctx' if context else ''}"
    params = (["ctx context.Context"] if context else []) + [f"v {kind.go}"]
    if "fail" in body:
        params.append("fail bool")
    text = body.format(T=kind.go, N=kind.name, echo=kind.echo, kept=kind.kept)
    check = "\tif ctx.Err() != nil {\n\t\tpanic(ctx.Err())\n\t}\n" if context else ""
    return f"\n//pygo:export\nfunc {name}({', '.join(params)}) {results.format(T=kind.go)} {{\n{check}\t{text}\n}}\n"


def go_source() -> str:
    parts = [HEADER]
    for kind in KINDS:
        parts.append(f"\nvar last{kind.name} {kind.keep or kind.go}\n")
        parts.append(f"\n//pygo:export\nfunc Last{kind.name}() {kind.keep or kind.go} {{ return last{kind.name} }}\n")
        for suffix, results, body in SHAPES:
            for context in (False, True) if kind.context else (False,):
                parts.append(go_function(kind, suffix, results, body, context))
    return "".join(parts)


PYPROJECT = """\
[build-system]
requires = ["pygo-tools>=0.2.0"]
build-backend = "pygo_tools.backend"

[project]
name = "table"
version = "0.1.0"

[tool.setuptools]
packages = ["table"]

[tool.pygo-tools]
package = "table"
extension = "table._native"
library = "table"
wrapper = "table.api"
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, built once and imported into this process from the wheel."""
    work = tmp_path_factory.mktemp("type-table")
    project = work / "table"
    (project / "table" / "go").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / "table" / "__init__.py").write_text("")
    (project / "table" / "go" / "go.mod").write_text("module example.com/table\n\ngo 1.21\n")
    (project / "table" / "go" / "table.go").write_text(go_source())
    result = run_build(project, work / "dist")
    assert result.returncode == 0, result.stderr[-5000:]
    site = work / "site"
    with zipfile.ZipFile(result.stdout.split()[-1]) as archive:
        archive.extractall(site)
    sys.path.insert(0, str(site))
    try:
        import table.api  # type: ignore[import-not-found]

        yield table.api
    finally:
        sys.path.remove(str(site))


def same(got: Any, expected: Any) -> bool:
    if isinstance(expected, float):
        return isinstance(got, float) and (got == expected or (math.isnan(got) and math.isnan(expected)))
    return bool(got == expected)


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_every_shape_of_every_kind_gives_values_back(api: ModuleType, kind: Kind) -> None:
    functions = {
        name: getattr(api, name)
        for name in dir(api)
        if name.startswith(f"F{kind.name}")
        and name[1:].split(kind.name, 1)[1].removesuffix("Ctx") in {s for s, _, _ in SHAPES}
    }
    assert len(functions) == len(SHAPES) * (2 if kind.context else 1), sorted(functions)

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(value=kind.values(api))
    def check(value: Any) -> None:
        for name, function in functions.items():
            shape = name[1:].split(kind.name, 1)[1].removesuffix("Ctx")
            args = (value, False) if "Err" in shape else (value,)
            got = function(*args)
            if shape == "" or shape in ("Err",):
                assert same(got, value), name
            elif shape == "Many":
                assert same(got[0], value) and got[1] == 7 and same(got[2], value), name
            elif shape == "ManyErr":
                assert same(got[0], value) and got[1] == 7 and len(got) == 2, name
            else:  # None, NoneErr: the value went into Go, and comes back through Last<Kind>
                assert got is None, name
                assert same(getattr(api, f"Last{kind.name}")(), value), name
            if "Err" in shape:
                with pytest.raises(api.GoError, match="failed as asked"):
                    function(value, True)

    check()


def test_a_pointer_parameter_takes_its_length_from_the_buffer(api: ModuleType) -> None:
    assert api.SumPointer(b"\x01\x02\x03") == 6
    assert api.SumPointer(bytearray(300)) == 0
    assert api.SumPointer(memoryview(b"\xff" * 10)) == 2550
