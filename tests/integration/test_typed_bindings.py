"""A project with no `signatures`: declarations from Go's header, a generated typed module,
panics and errors as exceptions, freed strings, and calls that release the GIL."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PROJECTS, copy_project, make_venv, pip_install, run_build, run_python
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the typed fixture's wheel installed."""
    work = tmp_path_factory.mktemp("typed")
    project = copy_project(PROJECTS / "typed", work)
    result = run_build(project, work / "out")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "wrote typed_pkg.api: 15 typed functions" in result.stderr
    wheel = Path(result.stdout.strip())
    names = read_wheel(wheel).names
    assert "typed_pkg/api.py" in names and "typed_pkg/api.pyi" in names
    venv = make_venv(work / "venv")
    pip_install(venv, str(wheel))
    return venv


def call(python: Path, tmp_path: Path, code: str) -> str:
    result = run_python(
        python, "-c", "from typed_pkg import api\nfrom typed_pkg._native import ffi\n" + code, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("api.Greet('ada')", "'hello ada'"),  # *C.char in and out, freed
        ("api.Version()", "'typed 1.0'"),  # borrowed: not freed (static C memory)
        ("api.AddInts(1, 2**40, 255)", "1099511628032"),  # C.int, int64, uint8
        ("api.Scale(1.5, 2.0)", "3.0"),  # float64, C.double
        ("api.Negate(True)", "False"),  # bool
        ("api.HashPointer(b'abc')[:16]", "'ba7816bf8f01cfea'"),  # pointer + length from one buffer
        ("api.Digest(bytearray(b'abc'))[:16]", "'ba7816bf8f01cfea'"),  # []byte, no copy
        ("api.Digest(memoryview(b'xabc')[1:])[:16]", "'ba7816bf8f01cfea'"),  # a memoryview slice
        ("api.Shout('go', 3)", "'GOGOGO'"),  # Go string in and out
        ("api.Divide(7, 2)", "3"),  # (int, error) with a nil error
        ("api.Stats(b'\\x01\\x02\\x03')", "(6, 2.0)"),  # two results
        ("api.Norm(ffi.new('Point *', {'x': 3.0, 'y': 4.0})[0])", "5.0"),  # a struct from the preamble's header
    ],
)
def test_every_kind_of_argument(python: Path, tmp_path: Path, expression: str, expected: str) -> None:
    assert call(python, tmp_path, f"print(repr({expression}))") == expected


@pytest.mark.parametrize(
    ("expression", "exception", "message"),
    [
        ("api.Divide(1, 0)", "GoError", "division by zero"),
        ("api.Describe(-1)", "GoError", "negative: -1"),
        ("api.Explode('boom')", "GoPanic", "explode: boom"),
        ("api.Index(b'ab', 5)", "GoPanic", "runtime error: index out of range [5] with length 2"),
    ],
)
def test_errors_and_panics_become_exceptions_and_the_process_lives(
    python: Path, tmp_path: Path, expression: str, exception: str, message: str
) -> None:
    code = (
        f"try:\n    {expression}\nexcept api.{exception} as error:\n    print(type(error).__name__, error)\n"
        "print(api.Greet('after'))"
    )
    assert call(python, tmp_path, code).splitlines() == [f"{exception} {message}", "hello after"]


def test_unchecked_is_accepted_and_still_protected(python: Path, tmp_path: Path) -> None:
    # `unchecked` (pygo-tools 0.2's opt-out of the panic check) is accepted for old configs;
    # every typed call is now checked at no extra cost, so Scale is a typed C function too.
    code = "from typed_pkg._native import lib\nprint(api.Scale is lib.Scale, type(api.Scale).__name__)"
    assert call(python, tmp_path, code) == "False builtin_function_or_method"


def test_go_panic_is_a_go_error(python: Path, tmp_path: Path) -> None:
    assert call(python, tmp_path, "print(issubclass(api.GoPanic, api.GoError))") == "True"


def test_returned_strings_are_freed(python: Path, tmp_path: Path) -> None:
    # 200,000 calls returning 1 KB strings may grow the process by 5 MB at most; this makes
    # 100,000 such calls, so the bound is 2.5 MB. Leaking them would cost about 100 MB.
    code = (
        "import resource\n"
        "def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "s = 'x' * 1000\n"
        "for _ in range(5000): api.Shout(s, 1); api.Greet(s)\n"
        "before = rss()\n"
        "for _ in range(50000): api.Shout(s, 1); api.Greet(s)\n"
        "print(rss() - before)\n"
    )
    assert int(call(python, tmp_path, code)) < 2560


def test_two_threads_in_go_overlap(python: Path, tmp_path: Path) -> None:
    code = (
        "import threading, time\n"
        "threads = [threading.Thread(target=api.Sleep, args=(600,)) for _ in range(2)]\n"
        "start = time.perf_counter()\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(time.perf_counter() - start)\n"
    )
    elapsed = float(call(python, tmp_path, code))
    assert elapsed < 1.0, f"two 0.6 s calls took {elapsed:.2f} s: the GIL was held"


def test_stub_has_typed_signatures(python: Path, tmp_path: Path) -> None:
    stub = Path(call(python, tmp_path, "print(api.__file__)")).with_suffix(".pyi").read_text()
    assert "def Shout(s: str, times: int) -> str:" in stub
    assert "def Digest(data: Buffer) -> str:" in stub
    assert "def HashPointer(data: Buffer) -> str:" in stub
    assert "def Stats(data: Buffer) -> tuple[int, float]:" in stub
    assert "def Sleep(ms: int) -> None:" in stub
    assert "    'Sleep blocks for ms milliseconds (the GIL is released meanwhile).'" in stub


def test_functions_have_signatures_and_docs(python: Path, tmp_path: Path) -> None:
    code = "import inspect\nprint(inspect.signature(api.Shout), api.Shout.__module__)\nprint(api.Shout.__doc__)"
    lines = call(python, tmp_path, code).splitlines()
    assert lines[0] == "(s, times) typed_pkg.api"
    assert lines[1] == "Shout upper-cases s, times times. Go types in and out: pygo-tools makes the C export."
