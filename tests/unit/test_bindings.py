"""Header parsing and declaration checks, without Go."""

from __future__ import annotations

from pathlib import Path

import pytest

from pygo_tools.errors import BuildError
from pygo_tools.steps.header import _top_level_type_blocks, check_declarations, read_header

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
