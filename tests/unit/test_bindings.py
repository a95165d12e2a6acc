"""Header parsing, declaration checks and the typed module renderer, without Go."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import write_config
from pygo_tools.bindings import param_conversion, render
from pygo_tools.errors import BuildError
from pygo_tools.header import _top_level_type_blocks, check_declarations, read_header

HEADER = """
/* Start of preamble from import "C" comments.  */
#line 3 "cgo.go"
#include <stdlib.h>
#include "point.h"
/* End of preamble from import "C" comments.  */
typedef long long GoInt64;
/* End of boilerplate cgo prologue.  */
#ifdef __cplusplus
extern "C" {
#endif
extern char* Greet(char* name);
extern double Norm(Point p);
/* Return type for pygo_Stats */
struct pygo_Stats_return {
	GoInt r0; /* r0 */
	GoFloat64 r1; /* r1 */
};
extern struct pygo_Stats_return pygo_Stats(GoSlice pygo_data, char** pygoErr);
#ifdef __cplusplus
}
#endif
"""


def test_type_blocks_skip_functions_and_preprocessor_lines() -> None:
    source = """
#include <stdlib.h>
typedef struct { int x; double y; } Point;
struct node { struct node *next; int v; };
static inline int add(int a, int b) { if (a) { return a + b; } return b; }
int prototype(int);
typedef int (*callback)(int);
"""
    assert _top_level_type_blocks(source) == [
        "typedef struct { int x; double y; } Point;",
        "struct node { struct node *next; int v; };",
        "typedef int (*callback)(int);",
    ]


def test_read_header_follows_local_includes(tmp_path: Path) -> None:
    (tmp_path / "point.h").write_text("typedef struct {\n  double x;\n  double y;\n} Point;\n")
    declarations = read_header(HEADER, tmp_path)
    assert declarations.function_names() == ["Greet", "Norm", "pygo_Stats"]
    assert "typedef struct { double x; double y; } Point;" in declarations.types
    assert any(t.startswith("struct pygo_Stats_return") for t in declarations.types)
    assert "typedef int... GoInt;" in declarations.types
    text = check_declarations(list(declarations.types), list(declarations.functions), "config.json")
    assert "double Norm(Point p);" in text


def test_untranslatable_declaration_is_named(tmp_path: Path) -> None:
    declarations = read_header(HEADER, tmp_path)  # no point.h: Point is unknown
    with pytest.raises(BuildError, match=r"cannot translate 'double Norm\(Point p\);' for cffi"):
        check_declarations(list(declarations.types), list(declarations.functions), "config.json")


def test_complex_numbers_are_refused_with_a_hint() -> None:
    with pytest.raises(BuildError, match=r"Go's complex128 has no cffi equivalent\n  hint: change Rotate"):
        check_declarations([], [("Rotate", "GoComplex128 Rotate(GoComplex128 z);")], "config.json")


@pytest.mark.parametrize(
    ("go_type", "annotation"),
    [
        ("*C.char", "str"),
        ("string", "str"),
        ("[]byte", "Buffer"),
        ("unsafe.Pointer", "Buffer"),
        ("C.int", "int"),
        ("int64", "int"),
        ("float64", "float"),
        ("C.double", "float"),
        ("bool", "bool"),
        ("C.Point", "Any"),
    ],
)
def test_parameter_annotations(go_type: str, annotation: str) -> None:
    assert param_conversion(go_type).annotation == annotation


EXPORTS = [
    {
        "name": "Hash",
        "symbol": "pygo_Hash",
        "params": [{"name": "data", "type": "unsafe.Pointer"}, {"name": "n", "type": "C.size_t"}],
        "results": ["*C.char"],
        "error": False,
        "direct": False,
        "doc": "",
    },
    {
        "name": "Version",
        "symbol": "pygo_Version",
        "params": None,
        "results": ["*C.char"],
        "error": False,
        "direct": False,
        "doc": "The version.",
    },
    {
        "name": "Norm",
        "symbol": "Norm",
        "params": [{"name": "p", "type": "C.Point"}],
        "results": ["C.double"],
        "error": False,
        "direct": True,
        "doc": "",
    },
]


def test_unchecked_numeric_export_is_the_cffi_function(tmp_path: Path) -> None:
    config = write_config(tmp_path, wrapper="myproj.api", unchecked=["Add"])
    add = {
        "name": "Add",
        "symbol": "pygo_Add",
        "params": [{"name": "a", "type": "C.int"}, {"name": "b", "type": "C.int"}],
        "results": ["C.int"],
        "error": False,
        "direct": False,
        "native": False,
        "doc": "",
    }
    module, stub = render(config, [add])
    assert "\nAdd = lib.Add\n" in module
    assert "def Add(a: int, b: int) -> int: ..." in stub


def test_render_module_and_stub(tmp_path: Path) -> None:
    config = write_config(tmp_path, wrapper="myproj.api", borrowed=["Version"])
    module, stub = render(config, EXPORTS)
    ast.parse(module)
    ast.parse(stub)
    assert "from myproj._native import ffi, lib" in module
    assert "def Hash(data: Buffer) -> str: ..." in stub
    assert "_c_pygo_Hash = lib.pygo_Hash" in module
    assert "_c_pygo_Hash(ffi.from_buffer(data_view), data_view.nbytes, err)" in module
    version = module.split("def Version")[1].split("def Norm")[0]
    assert 'return _string(result).decode("utf-8")' in version and "_free" not in version, "borrowed"
    hash_ = module.split("def Hash")[1].split("def Version")[0]
    assert "_free(result)" in hash_, "owned results are freed"
    norm = module.split("def Norm")[1]
    assert "_c_Norm(p)" in norm and "_raise" not in norm, "direct exports are called as they are"
