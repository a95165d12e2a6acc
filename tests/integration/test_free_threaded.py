"""pygo-tools on a real free-threaded CPython: 3.13.15t built from source (tests/new_pythons.py).

Free-threaded 3.14t and 3.15t cannot be built here (Debian serves no source for them), so 3.13t
stands in: it builds its own ``cp313-cp313t`` wheel (no stable ABI below 3.15) with the same
runtime the abi3t wheels carry. cffi refuses 3.13t by one version check, lifted in the test
environment only (tests/support/pythons.py), to run pygo-tools' runtime under true parallelism.

There: the GIL stays off after import; many threads give exactly the one-thread results; lists,
dicts and bytearrays changed by other threads meanwhile give an exception or a consistent
snapshot, never a crash; memory stays flat; Ctrl-C, ``timeout=`` and ``GoForkError`` still work;
test_plain_go.py's table passes in parallel threads; ``pygo-tools develop`` works too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_plain_go import ROWS

from conftest import PROJECTS, REPO, copy_project, pip_install
from new_pythons import FREE_THREADED, build, build_env, builder_venv, gil_enabled, pythons, run_venv_python
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STRESS = REPO / "tests" / "support" / "free_threaded_stress.py"


@pytest.fixture(scope="module")
def py313t(pygo_tools_dist: Path) -> Iterator[Path]:
    """A 3.13t venv with pygo-tools (the builder)."""
    with builder_venv(FREE_THREADED, pygo_tools_dist) as python:
        yield python


@pytest.fixture(scope="module")
def wheel(py313t: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/projects/plaingo built by 3.13t, asked for free-threaded wheels: it gets its own."""
    work = tmp_path_factory.mktemp("built313t")
    project = copy_project(PROJECTS / "plaingo", work)
    (built,) = build(py313t, FREE_THREADED, project, work / "out", "--free-threaded")
    return built


@pytest.fixture(scope="module")
def user(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's fresh 3.13t venv with the wheel installed (and the test environment's cffi)."""
    python = pythons.make_venv(pythons.free_threaded_python(), tmp_path_factory.mktemp("user313t") / "venv")
    pip_install(python, str(pythons.free_threaded_cffi_wheel()), str(wheel))
    return python


def stress(python: Path, cwd: Path, *args: str, timeout: float = 300) -> dict[str, object]:
    result = run_venv_python(python, str(STRESS), *args, cwd=cwd, timeout=timeout)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    assert report.pop("gil_enabled") is False, "the GIL came back on"
    return report


def test_a_free_threaded_python_builds_its_own_wheel_never_abi3(wheel: Path) -> None:
    assert wheel.name == "plaingo-0.1.0-cp313-cp313t-manylinux_2_34_x86_64.whl"
    names = read_wheel(wheel).names
    assert "plaingo/_native.cpython-313t-x86_64-linux-gnu.so" in names
    assert not [n for n in names if ".abi3" in n]


def test_importing_keeps_the_gil_off(user: Path, tmp_path: Path) -> None:
    # Warnings are errors: a module not declaring Py_MOD_GIL_NOT_USED would re-enable the GIL
    # with a RuntimeWarning.
    code = "import plaingo._native, plaingo.api\nassert plaingo.api.Total([1, 2]) == 3"
    assert gil_enabled(user, tmp_path, code) == "False"


def test_threads_calling_one_function_share_no_reference_count(user: Path, tmp_path: Path) -> None:
    """The typed functions are made as module functions are (PyModule_AddFunctions), which 3.13t
    immortalizes once a second thread starts (deferred reference counting, CPython gh-118527):
    threads calling one function do not all write to its reference count."""
    code = (
        "import sys, threading\nfrom plaingo import api\n"
        "before = sys.getrefcount(api.Total)\n"
        "threading.Thread(target=api.Total, args=([1],)).start()\n"
        "print(before < 100, sys.getrefcount(api.Total) >= 2**32 - 1, api.Total.__module__)"
    )
    result = run_venv_python(user, "-c", code, cwd=tmp_path)
    assert result.stdout.split() == ["True", "True", "plaingo.api"], result.stderr[-2000:]


def test_pip_there_takes_the_cp313t_wheel(user: Path, wheel: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    command = ["-m", "pip", "install", "--dry-run", "--no-deps", "--force-reinstall", "--quiet", "--report"]
    result = run_venv_python(user, *command, str(report), str(wheel), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(report.read_text())["install"][0]["metadata"]["name"] == "plaingo"


def test_four_threads_give_exactly_the_one_thread_results(user: Path, tmp_path: Path) -> None:
    """4 threads, 100,000 typed calls each, mixing strings, bytes, lists, dicts and structs."""
    report = stress(user, tmp_path, "same", "4", "100000")
    assert report == {"same": True, "rounds": 4 * 100_000 // 8}


def test_other_threads_changing_the_arguments_never_crash_a_call(user: Path, tmp_path: Path) -> None:
    """A list, a dict and a bytearray changed by two threads while three pass them to Go: each
    call sees a snapshot (the calls succeed), and the bytearray is resizable again after (every
    buffer taken by the three threads at once was released). Its bytes change in place: resizing
    it from two threads crashes CPython 3.13t by itself, without Go (gh-129107, fixed in 3.14)."""
    report = stress(user, tmp_path, "mutate", "3")
    outcomes = report["outcomes"]
    assert isinstance(outcomes, dict)
    assert set(outcomes) == {"ok", "TypeError"}, outcomes  # TypeError: Counts() of a list of ints
    assert outcomes["ok"] > 1000


def test_memory_stays_flat_over_many_threaded_calls(user: Path, tmp_path: Path) -> None:
    report = stress(user, tmp_path, "memory", "4", "200000")
    grown = int(report["after_kb"]) - int(report["before_kb"])  # type: ignore[call-overload]
    # 800,000 calls returning strings, bytes, lists and dataclasses: leaking them would cost
    # hundreds of MB.
    assert grown < 8 * 1024, report


def test_the_typed_module_table_passes_in_parallel_threads(user: Path, tmp_path: Path) -> None:
    """test_plain_go.py's table of conversions, evaluated by 4 threads at once, 25 times each."""
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([list(row) for row in ROWS]))
    report = stress(user, tmp_path, "table", "4", "25", str(rows))
    assert report == {"failures": [], "evaluated": 4 * 25 * len(ROWS)}


def test_ctrl_c_timeout_and_fork_still_work_among_busy_threads(user: Path, tmp_path: Path) -> None:
    script = tmp_path / "signals.py"
    script.write_text(
        "import os, signal, sys, threading, time, warnings\n"
        "from plaingo import api\n"
        "stop = threading.Event()\n"
        "def busy():\n"
        "    while not stop.is_set(): api.Total(range(100)); api.Split('a,b', ',')\n"
        "workers = [threading.Thread(target=busy) for _ in range(3)]\n"
        "[w.start() for w in workers]\n"
        "threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    api.Sleep(5.0)\n"
        "except KeyboardInterrupt:\n"
        "    print('KeyboardInterrupt', time.monotonic() - start < 2.5)\n"
        "try:\n"
        "    api.Sleep(5.0, timeout=0.05)\n"
        "except api.GoTimeout as error:\n"
        "    print('GoTimeout', error)\n"
        "warnings.simplefilter('ignore', DeprecationWarning)  # fork() with threads running\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    try:\n"
        "        api.Total([1])\n"
        "    except api.GoForkError:\n"
        "        os._exit(7)\n"
        "    os._exit(1)\n"
        "print('child exit', os.waitpid(child, 0)[1] >> 8)\n"
        "stop.set(); [w.join() for w in workers]\n"
        "print('next call', api.Sleep(0.01), sys._is_gil_enabled())\n"
    )
    result = run_venv_python(user, str(script), cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        "KeyboardInterrupt True",
        "GoTimeout context deadline exceeded",
        "child exit 7",
        "next call slept False",
    ]


def test_develop_on_a_free_threaded_python(py313t: Path, tmp_path: Path) -> None:
    """`pygo-tools develop` builds the free-threaded extension in place, and it keeps the GIL off."""
    project = copy_project(PROJECTS / "plaingo", tmp_path)
    env = build_env(FREE_THREADED)
    result = run_venv_python(py313t, "-m", "pygo_tools", "develop", str(project), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    native = sorted(p.name for p in (project / "plaingo").glob("_native*"))
    assert native == ["_native.cpython-313t-x86_64-linux-gnu.so"]
    code = "import plaingo.api as a\nassert a.Split('x,y', ',') == ['x', 'y']"
    assert gil_enabled(py313t, tmp_path, code) == "False"


SHAPES_STRESS = """
import asyncio, sys, threading, warnings
warnings.simplefilter("error")
from shapes import api

errors = []
shared = api.NewCounter("shared")
seen = [[] for _ in range(4)]
pulled = api.Count(200000)
barrier = threading.Barrier(4)

def work(t):
    try:
        for i in range(200):
            c = api.NewCounter(f"t{t}")
            assert c.Add(5) == 5 and c.Take(2) == 3 and c.Name() == f"t{t}"
            with api.Dial():
                pass
            assert list(api.Count(40)) == list(range(40))
            assert list(api.Generate(10, lambda k: k * 3)) == [k * 3 for k in range(10)]
            assert api.Parallel(6, lambda x: x + 1) == sum(range(1, 7))
            shared.Add(1)
            c.close()
        barrier.wait()
        for item in pulled:  # four threads pull from one Go iterator at once
            seen[t].append(item)
        async def main():
            return await asyncio.gather(*(api.aio.Sleep(20) for _ in range(20)))
        assert asyncio.run(main()) == [20] * 20
    except BaseException as error:
        errors.append(repr(error))

threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
items = sorted(x for part in seen for x in part)
print(errors, shared.Value(), items == list(range(200000)), api._pygo_api["_slots"](), sys._is_gil_enabled())
"""


def test_go_objects_callbacks_iterators_and_awaitables_under_threads(
    py313t: Path, pygo_tools_dist: Path, tmp_path: Path
) -> None:
    """The shapes of issue 20 on 3.13t with four threads at once: objects made, used and closed;
    callbacks Go calls from its goroutines; iterators (one of them pulled by all four threads:
    every item exactly once); awaitables on four event loops. The GIL stays off, nothing leaks
    a slot, no crash."""
    project = copy_project(PROJECTS / "shapes", tmp_path)
    (built,) = build(py313t, FREE_THREADED, project, tmp_path / "out", "--free-threaded")
    assert built.name.startswith("shapes-") and "cp313t" in built.name
    python = pythons.make_venv(pythons.free_threaded_python(), tmp_path / "venv")
    pip_install(python, str(pythons.free_threaded_cffi_wheel()), str(built))
    result = run_venv_python(python, "-c", SHAPES_STRESS, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert result.stdout.split() == ["[]", "800", "True", "0", "False"], result.stderr[-3000:]
