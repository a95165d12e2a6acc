"""The typed module with hostile names, kept strings, buffers Go writes, NULs and fork().

Built once from tests/projects/hazards, installed in a fresh venv, called from outside.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import PROJECTS, copy_project, make_venv, pip_install, run_build, run_python

pytestmark = [pytest.mark.integration, pytest.mark.slow]


# 3.9: str to UTF-8 through a bytes copy and buffers through cffi's from_buffer; 3.11: the
# limited API's own PyUnicode_AsUTF8AndSize and buffer protocol. Both paths must behave the same.
@pytest.fixture(scope="module", params=["3.9", "3.11"], ids=["floor-3.9", "floor-3.11"])
def built(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> tuple[Path, str]:
    work = tmp_path_factory.mktemp("hazards")
    project = copy_project(PROJECTS / "hazards", work)
    config = json.loads((project / "config.json").read_text())
    (project / "config.json").write_text(json.dumps({**config, "limited_api": request.param}))
    result = run_build(project, work / "out")
    assert result.returncode == 0, result.stderr[-3000:]
    venv = make_venv(work / "venv")
    pip_install(venv, result.stdout.strip())
    return venv, result.stderr


def call(built: tuple[Path, str], tmp_path: Path, code: str) -> str:
    result = run_python(built[0], "-c", "from hazards import api\n" + code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def test_renames_are_reported(built: tuple[Path, str]) -> None:
    log = built[1]
    assert "typed module: GoError is GoError_ in Python" in log
    assert "typed module: Keywords: parameter None is None_" in log
    assert "_register is" not in log, "an export named _register keeps its name"


def test_hostile_names_import_and_work(built: tuple[Path, str], tmp_path: Path) -> None:
    code = (
        "print(api.Keywords(3, 'ab', True), api.Keywords(from_=1, lambda_='x', None_=False))\n"
        "print(api.Locals(1, 2, 3, 'go'))\n"
        "print(api.lib(), api.Größe(21))\n"
        "try:\n    api.GoError_('boom')\nexcept api.GoError as error:\n    print(type(error).__name__, error)\n"
        "print(api.Keywords.__doc__.endswith('\"'), '\\\\' in api.Keywords.__doc__)\n"
    )
    assert call(built, tmp_path, code).splitlines() == [
        "ababab x",
        "(6, 'go')",
        "42 42",
        "GoError boom",
        "True True",
    ]


def test_strings_go_keeps_stay_intact(built: tuple[Path, str], tmp_path: Path) -> None:
    # Go keeps each key in a map after the call; the Python strings are gone by then.
    code = (
        "import gc\n"
        "keys = [f'key-{i:03d}-' + 'x' * (i % 50) for i in range(200)]\n"
        "for key in keys:\n    api.Remember(''.join(list(key)))\n"
        "gc.collect(); junk = ['y' * 60 for _ in range(100000)]\n"
        "print(api.Recall().split('\\n') == sorted(keys))\n"
    )
    assert call(built, tmp_path, code) == "True"


def test_go_writes_only_into_buffers_declared_writable(built: tuple[Path, str], tmp_path: Path) -> None:
    code = (
        "import mmap, tempfile\n"
        "def refused(value):\n"
        "    try:\n        api.Fill(value, 9)\n    except TypeError as error:\n        return str(error)\n"
        "buf = bytearray(4)\nprint(api.Fill(buf, 7), bytes(buf))\n"
        "view = memoryview(bytearray(3))\nprint(api.Fill(view, 1), bytes(view))\n"
        "for bad in (b'a', memoryview(b'abc'), 'str'):\n    print(refused(bad))\n"
        "print(b'a' == bytes([97]))\n"
        "try:\n    api.Sum(memoryview(b'abcd')[::2])\nexcept ValueError as error:\n    print(error)\n"
        "with tempfile.TemporaryFile() as f:\n"
        "    f.write(b'\\x01\\x02\\x03'); f.flush()\n"
        "    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)\n"
        "    print(api.Sum(m))\n    print(refused(m))\n    m.close()\n"
    )
    lines = call(built, tmp_path, code).splitlines()
    assert lines[:2] == ["4 b'\\x07\\x07\\x07\\x07'", "3 b'\\x01\\x01\\x01'"]
    writable = "Fill() argument 'buf': expected a writable bytes-like object"
    assert lines[2].startswith(writable + " (bytearray, or a memoryview of one), got bytes")
    assert lines[3] == writable + " (bytearray, or a memoryview of one), got memoryview", "a read-only view"
    assert lines[4].startswith(writable) and lines[4].endswith("got str")
    assert lines[5] == "True", "the interned b'a' is untouched"
    assert lines[6] == "Sum() argument 'buf': the buffer must be contiguous"
    assert lines[7] == "6", "a read-only mmap is read with no copy"
    assert lines[8] == writable + " (bytearray, or a memoryview of one), got mmap"


def test_nul_round_trips_in_go_strings_and_is_refused_for_c_strings(built: tuple[Path, str], tmp_path: Path) -> None:
    code = (
        "print(api.Echo('a\\x00b\\x00') == 'a\\x00b\\x00')\n"
        "try:\n    api.CEcho('a\\x00b')\nexcept ValueError as error:\n    print('ValueError', error)\n"
        "print(api.CEcho('ok'))\n"
    )
    assert call(built, tmp_path, code).splitlines() == [
        "True",
        "ValueError CEcho() argument 's': embedded null character (a C string cannot hold it)",
        "ok",
    ]


def test_a_forked_child_gets_an_error_not_a_hang(built: tuple[Path, str], tmp_path: Path) -> None:
    code = (
        "import multiprocessing as mp, os, json\n"
        "def child(queue):\n"
        "    try:\n        queue.put(('ok', api.Add(2, 3)))\n"
        "    except api.GoForkError as error:\n        queue.put(('GoForkError', str(error)))\n"
        "if __name__ == '__main__':\n"
        "    print(api.Add(1, 2))\n"
        "    ctx = mp.get_context('fork')\n    queue = ctx.Queue()\n"
        "    p = ctx.Process(target=child, args=(queue,)); p.start(); p.join(30)\n"
        "    print(json.dumps(queue.get(timeout=5)))\n"
        "    spawn = mp.get_context('spawn')\n    queue = spawn.Queue()\n"
        "    p = spawn.Process(target=child, args=(queue,)); p.start(); p.join(60)\n"
        "    print(json.dumps(queue.get(timeout=5)))\n"
        "    print(api.Add(3, 4))\n"
    )
    script = tmp_path / "forking.py"
    script.write_text("from hazards import api\n" + code)
    result = run_python(built[0], str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "3"
    kind, message = json.loads(lines[1])
    assert kind == "GoForkError"
    assert "forked after hazards started the Go runtime" in message and "'spawn'" in message
    assert json.loads(lines[2]) == ["ok", 5], "spawned workers work"
    assert lines[3] == "7"


def test_a_function_writing_an_undeclared_buffer_is_refused(tmp_path: Path) -> None:
    project = copy_project(PROJECTS / "hazards", tmp_path)
    memory = project / "hazards" / "go" / "memory.go"
    memory.write_text(memory.read_text().replace("//pygo:writes buf\n", ""))
    result = run_build(project, tmp_path / "out")
    assert result.returncode == 1
    assert "Fill: writes into its buffer parameter buf: declare it with //pygo:writes buf" in result.stderr
    assert not list(tmp_path.rglob("*.whl"))


def test_a_panic_whose_message_panics_and_typed_nil_errors_are_go_panics(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    code = (
        "def outcome(call, *args):\n"
        "    try:\n        return f'returned {call(*args)!r}'\n"
        "    except api.GoError as error:\n        return f'{type(error).__name__}: {error}'\n"
        "for kind in ('error', 'stringer', 'nil'):\n"
        "    print(outcome(api.PanicWith, kind))\n    print(outcome(api.PanicWithCtx, kind))\n"
        "print(outcome(api.NilError))\nprint(outcome(api.NilErrorCtx))\nprint(outcome(api.Exit))\n"
        "print(api.Add(1, 2))\n"
    )
    lines = call(built, tmp_path, code).splitlines()
    nested = "GoPanic: panic with a value whose Error or String method panicked too (a nil pointer?)"
    assert lines[:6] == [nested] * 6, "both in the caller's thread and in a cancellable call's goroutine"
    assert lines[6:8] == ["GoPanic: runtime error: invalid memory address or nil pointer dereference"] * 2
    assert lines[8] == "GoPanic: the function called runtime.Goexit instead of returning", "not a silent 0"
    assert lines[9] == "3", "and the process goes on"


def test_any_mapping_is_read_or_refused_never_a_crash(built: tuple[Path, str], tmp_path: Path) -> None:
    code = (
        "class M:\n"
        "    def __init__(self, items): self._items = items\n"
        "    def keys(self): return [k for k, *_ in self._items]\n"
        "    def __getitem__(self, key): return 0\n"
        "    def items(self):\n"
        "        if isinstance(self._items, Exception): raise self._items\n"
        "        return self._items\n"
        "cases = [[('a', 1), ('b', 2)], [['a', 1]], [('a',)], [('a', 1, 2)], ['ab'], [None], [], 42,\n"
        "         iter([('g', 1)]), ValueError('items broke'), [(1, 2)], [('a', 'x')]]\n"
        "for items in cases:\n"
        "    try:\n        print('ok', api.Lengths(M(items)))\n"
        "    except (TypeError, ValueError, OverflowError) as error:\n"
        "        print(type(error).__name__, error)\n"
    )
    lines = call(built, tmp_path, code).splitlines()
    assert lines[7].startswith("TypeError "), "Python's own words for items() giving an int"
    assert lines[:7] + lines[8:] == [
        "ok a,b",
        "TypeError Lengths() argument 'm': items() yielded list, not a (key, value) pair",
        "TypeError Lengths() argument 'm': items() yielded tuple, not a (key, value) pair",
        "TypeError Lengths() argument 'm': items() yielded tuple, not a (key, value) pair",
        "TypeError Lengths() argument 'm': items() yielded str, not a (key, value) pair",
        "TypeError Lengths() argument 'm': items() yielded NoneType, not a (key, value) pair",
        "ok ",
        "ok g",
        "ValueError items broke",
        "TypeError Lengths() argument 'm': key 1 is int, expected str",
        "TypeError Lengths() argument 'm': value of key 'a' is str, expected int",
    ]


def test_names_the_generated_code_uses_are_the_users_too(built: tuple[Path, str], tmp_path: Path) -> None:
    """A package-level `var unsafe` (cgo's own code imports unsafe), an export named _register."""
    code = "print(api.Unsafe())\nprint(api._register(api.Pair('k', 3)))\nprint(api.Pair('x', 1))\n"
    assert call(built, tmp_path, code).splitlines() == [
        "the package's own unsafe",
        "k=***",
        "Pair(Key='x', Value=1)",
    ]


INTERRUPTED = """
import gc, signal, sys, threading
from hazards import api

def interrupt(signum, frame):
    raise KeyboardInterrupt

signal.signal(signal.SIGALRM, interrupt)
big = "s" * 4096
words = ["w" * 300] * 40
mapping = {f"k{i}" * 40: i for i in range(40)}
interrupted = 0
for round in range(ROUNDS):
    api.Busy(8)  # the call's goroutine starts late, after Python stopped waiting
    signal.setitimer(signal.ITIMER_REAL, 0.001)
    try:
        api.Hold(big + str(round), bytearray(b"b" * 4096), words, mapping, api.Pair("p" * 200, 1))
    except KeyboardInterrupt:
        interrupted += 1
    signal.setitimer(signal.ITIMER_REAL, 0)
    junk = [bytes([round % 256]) * 4096 for _ in range(64)]  # reuse the memory C freed
    del junk
print("interrupted", interrupted)
"""


def test_an_interrupted_call_never_reads_memory_the_caller_freed(built: tuple[Path, str], tmp_path: Path) -> None:
    script = tmp_path / "interrupted.py"
    script.write_text(INTERRUPTED.replace("ROUNDS", "60"))
    result = run_python(built[0], str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    interrupted = int(result.stdout.split()[-1])
    assert interrupted > 40, "most calls were interrupted, their arguments freed while Go may still run"
