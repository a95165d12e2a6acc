"""Plain Go in, plain Python out: slices, maps, []byte, structs, several results, context.Context.

tests/projects/plaingo has one function per row of the table in docs/writing-go.md; it is built
once (through its pyproject.toml backend), installed into a fresh venv and called from outside.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_venv, pip_install, run_python

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def built(plaingo_wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("plaingo")
    venv = make_venv(work / "venv")
    pip_install(venv, str(plaingo_wheels["native"]))
    site = run_python(venv, "-c", "import plaingo.api as a; print(a.__file__)", cwd=work)
    return venv, Path(site.stdout.strip())


def call(built: tuple[Path, Path], tmp_path: Path, code: str) -> str:
    result = run_python(built[0], "-c", "from plaingo import api\nfrom plaingo.api import *\n" + code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


ROWS = [
    # []byte in (bytes, bytearray, memoryview) and out
    ("api.Sha256Hex(memoryview(b'xabc')[1:])", "'6162630000000000'"),
    ("api.Upper(bytearray(b'abc'))", "b'ABC'"),
    # []string: any sequence in, a list out
    ("api.JoinAll(('a', 'b'), '-'), api.JoinAll(iter(['x']), '+'), api.JoinAll([], ',')", "('a-b', 'x', '')"),
    ("api.Split('a,b,,c', ',')", "['a', 'b', '', 'c']"),
    # []int64, []uint8 -> []uint16, []float32 -> []float64, []bool
    ("api.Total([1, 2, 3]), api.Total(range(5)), api.Total([])", "(6, 10, 0)"),
    ("api.Doubles([1, 255, True])", "[2, 510, 2]"),
    ("api.Halves([1.0, 3])", "[0.5, 1.5]"),
    ("api.Not([True, False])", "[False, True]"),
    # map[string]V in (any mapping) and out
    ("api.Counts(['a', 'b', 'a'])", "{'a': 2, 'b': 1}"),
    ("api.Keys({'b': True, 'a': False})", "['a', 'b']"),
    # structs: the dataclass, or anything with its attributes; unexported fields stay in Go
    ("api.Move(Point(1.0, 2.0, 'p'), 1, 1)", 'Point(X=2.0, Y=3.0, Label="p\'")'),
    (
        "api.Move(__import__('types').SimpleNamespace(X=1, Y=2, Label='ns'), 0.5, 0)",
        'Point(X=1.5, Y=2.0, Label="ns\'")',
    ),
    # nested structs, slices of structs, maps of slices, and several results with an error
    ("api.Describe(api.Square('sq', 2.0))", "('sq:4:{1 1 center 0}:true', 2)"),
    ("api.Square('s', 1.0).Tags", "{'empty': [], 'kind': ['square', 'polygon']}"),
    ("api.Square('s', 1.0).Weights", "{'a': 0.5}"),
    # a struct containing itself through a slice, 300 levels deep each way
    ("api.Depth(api.Chain(300)), api.Chain(2)", "(300, Tree(Value=2, Children=[Tree(Value=1, Children=[])]))"),
    # a named float64 type, and (int, int, error)
    ("api.Warm(10.0, [1.5, 2.5]), api.MinMax([3, 1, 2])", "(14.0, (1, 3))"),
    # unicode, NULs and big values
    ("api.Split('ü\\x00ß🐍', '\\x00')", "['ü', 'ß🐍']"),
    ("len(api.Split('x,' * 100000, ',')), api.Total(range(100000))", "(100001, 4999950000)"),
]


@pytest.mark.parametrize(("expression", "expected"), ROWS)
def test_each_row_of_the_table(built: tuple[Path, Path], tmp_path: Path, expression: str, expected: str) -> None:
    assert call(built, tmp_path, f"print(repr(({expression})))") == expected


ERRORS = [
    ("api.Total([1, 'x', 3])", "TypeError: Total() argument 'xs': item 1 is str, expected int"),
    ("api.Doubles([1, 256])", "OverflowError: Doubles() argument 'xs': item 1: 256 does not fit in uint8"),
    ("api.Total('123')", "TypeError: Total() argument 'xs': expected a sequence of int, got str"),
    ("api.Counts({'a': 1})", "TypeError: Counts() argument 'words': expected a sequence of str, got dict"),
    ("api.Keys({'a': 'yes'})", "TypeError: Keys() argument 'm': value of key 'a' is str, expected bool"),
    ("api.Keys({1: True})", "TypeError: Keys() argument 'm': key 1 is int, expected str"),
    (
        "api.Move({'X': 1}, 1, 1)",
        "TypeError: Move() argument 'p': expected Point, got dict (it has no attribute 'X')",
    ),
    (
        "api.Describe(Shape('x', [Point(0, 0, ''), 3], Point(0, 0, ''), {}, {}, False))",
        "TypeError: Describe() argument 's': field 'Corners': item 1 is int, expected Point (it has no attribute 'X')",
    ),
    (
        "api.Describe(Shape('x', [], Point(0, 0, ''), {'t': ['a', None]}, {}, False))",
        "TypeError: Describe() argument 's': field 'Tags': value of key 't': item 1 is NoneType, expected str",
    ),
    ("api.Describe(Shape('', [], Point(0, 0, ''), {}, {}, False))", "GoError: a shape needs a name"),
    ("api.MinMax([])", "GoError: empty"),
    ("api.Halves([1e300])", "OverflowError: Halves() argument 'xs': item 0: 1e+300 does not fit in float32"),
    ("api.Sleep(1, timeout=-1)", "ValueError: Sleep() timeout: -1 is not a number of seconds from 0 to 9.2e9"),
    ("api.Sleep(1, timeout='x')", "TypeError: Sleep() timeout: expected seconds (int or float) or None, got str"),
    ("api.Sleep(5, timeout=0.05)", "GoTimeout: context deadline exceeded"),
    ("api.Boom(['a', 'b'])", "GoPanic: boom: a b"),
]


@pytest.mark.parametrize(("expression", "error"), ERRORS)
def test_conversion_errors_name_the_parameter_and_go_runs_not(
    built: tuple[Path, Path], tmp_path: Path, expression: str, error: str
) -> None:
    code = f"try:\n    {expression}\nexcept Exception as e:\n    print(f'{{type(e).__name__}}: {{e}}')\n"
    code += "print(api.Total([2]))"
    assert call(built, tmp_path, code).splitlines() == [error, "2"]


def test_go_timeout_is_a_timeout_error_and_a_go_error(built: tuple[Path, Path], tmp_path: Path) -> None:
    code = "print(issubclass(GoTimeout, TimeoutError), issubclass(GoTimeout, GoError))"
    assert call(built, tmp_path, code) == "True True"


def test_ctrl_c_cancels_a_long_go_call(built: tuple[Path, Path], tmp_path: Path) -> None:
    script = tmp_path / "interrupt.py"
    script.write_text(
        "import os, signal, threading, time\n"
        "from plaingo import api\n"
        "before = api.Cancelled()\n"
        "threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    api.Sleep(5.0)\n"
        "    print('not interrupted')\n"
        "except KeyboardInterrupt:\n"
        "    print('KeyboardInterrupt', round(time.monotonic() - start, 3))\n"
        "time.sleep(0.2)\n"
        "print('Go saw ctx.Done():', api.Cancelled() - before)\n"
        "print('next call:', api.Sleep(0.01))\n"
    )
    result = run_python(built[0], str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    word, seconds = lines[0].split()
    assert word == "KeyboardInterrupt"
    assert float(seconds) < 2.5, "interrupted long before Go's 5 s were up"
    assert lines[1:] == ["Go saw ctx.Done(): 1", "next call: slept"]


def test_stub_is_typed(built: tuple[Path, Path]) -> None:
    stub = built[1].with_suffix(".pyi").read_text()
    assert "def Total(xs: Sequence[int]) -> int:" in stub
    assert "def Counts(words: Sequence[str]) -> dict[str, int]:" in stub
    assert "def Keys(m: Mapping[str, bool]) -> list[str]:" in stub
    assert "def Describe(s: Shape) -> tuple[str, int]:" in stub
    assert "def Sleep(seconds: float, *, timeout: float | None = None) -> str:" in stub
    assert (
        "@dataclass(frozen=True)\nclass Point:\n    'Point is a point in the plane.'\n\n"
        "    X: float\n    Y: float\n    Label: str\n" in stub
    )
    assert "    Tags: dict[str, list[str]]\n" in stub
    assert "class Tree:" in stub and "    Children: list[Tree]\n" in stub


def test_dataclasses_are_frozen(built: tuple[Path, Path], tmp_path: Path) -> None:
    code = (
        "import dataclasses\np = Point(1.0, 2.0, 'a')\n"
        "try:\n    p.X = 3\nexcept dataclasses.FrozenInstanceError:\n    print('frozen')\n"
        "print(p == Point(1.0, 2.0, 'a'), hash(p) == hash(Point(1.0, 2.0, 'a')))"
    )
    assert call(built, tmp_path, code).splitlines() == ["frozen", "True True"]
