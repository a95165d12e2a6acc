"""Go APIs as they are: objects with methods, callbacks, iterators, awaitables, error types.

tests/projects/shapes is a Go package written the way Go libraries are (a constructor and
methods, callbacks, iter.Seq, context functions, sentinel errors), with the hostile cases next to
the plain ones. It is built once, installed into a fresh venv, and each test runs a script there
(from outside the project) that ends by checking that no callback or awaitable is left in the
extension's table.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import PROJECTS, clean_env, copy_project, make_venv, pip_install, run_build
from pygo_tools.steps.toolchain import find_go
from pygo_tools.typed.generator import generator_binary

pytestmark = [pytest.mark.integration, pytest.mark.slow]

Built = tuple[Path, Path, str]  # venv python, site-packages, build log


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("shapes")
    project = copy_project(PROJECTS / "shapes", work)
    result = run_build(project, work / "out")
    assert result.returncode == 0, result.stderr[-3000:]
    venv = make_venv(work / "venv")
    pip_install(venv, result.stdout.strip())
    site = subprocess.run(
        [str(venv), "-I", "-c", "import shapes, os; print(os.path.dirname(os.path.dirname(shapes.__file__)))"],
        capture_output=True,
        text=True,
        cwd=work,
        env=clean_env(),
        check=True,
    )
    return venv, Path(site.stdout.strip()), result.stderr


PRELUDE = """\
import asyncio, gc, os, signal, sys, threading, time, traceback
from shapes import api

def settle(baseline, timeout=2.0):
    deadline = time.time() + timeout
    while time.time() < deadline and api.NumGoroutine() > baseline:
        time.sleep(0.01)
    return api.NumGoroutine()

"""
EPILOGUE = """
gc.collect()
assert api._pygo_api["_slots"]() == 0, ("callback or awaitable slots left", api._pygo_api["_slots"]())
"""


def run(built: Built, tmp_path: Path, code: str, check_slots: bool = True) -> str:
    """Run ``code`` in the venv (after PRELUDE); its stdout. A failure shows its stderr."""
    script = tmp_path / "script.py"
    script.write_text(PRELUDE + textwrap.dedent(code) + (EPILOGUE if check_slots else ""))
    result = subprocess.run(
        [str(built[0]), "-I", str(script)], capture_output=True, text=True, cwd=tmp_path, env=clean_env(), timeout=120
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


# ---- the build -----------------------------------------------------------------------------


def test_build_reports_classes_and_renames(built: Built) -> None:
    log = built[2]
    assert "3 classes with 11 methods, 3 error classes" in log
    assert "typed module: Counter.close is Counter.close_ in Python" in log
    assert "typed module: type GoError is GoError_ in Python" in log


def test_stub_is_typed_and_mypy_checks_a_user_script(built: Built, tmp_path: Path) -> None:
    stub = (built[1] / "shapes" / "api.pyi").read_text()
    for line in [
        "class Counter:",
        "    def Add(self, delta: int) -> int:",
        "    def History(self) -> GoIterator[int]:",
        "def NewCounter(name: str) -> Counter:",
        "def Describe(c: Optional[Counter]) -> str:",
        "def Walk(n: int, visit: Optional[Callable[[int, str], bool]]) -> int:",
        "def Words(text: str) -> GoIterator[tuple[int, str]]:",
        "class ErrNoSuchUser(GoError):",
        "class aio:",
        "    async def Sleep(ms: int, *, timeout: float | None = None) -> int:",
        "        async def WaitFor(self: _pygo_class_Counter, n: int, *, timeout: float | None = None) -> int:",
    ]:
        assert line in stub.splitlines(), line
    user = tmp_path / "user.py"
    user.write_text(
        textwrap.dedent(
            """
            import asyncio
            from shapes import api

            c = api.NewCounter("x")
            total: int = c.Add(2) + api.Walk(3, lambda i, name: i < 1)
            words: list[tuple[int, str]] = list(api.Words("a b"))
            slept: int = asyncio.run(api.aio.Sleep(1))
            waited: int = asyncio.run(api.aio.Counter.WaitFor(c, 1))
            try:
                api.Lookup("bob")
            except api.ErrNotFound as e:
                print(e)
            bad: str = c.Add(1)
            """
        )
    )
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-version", "3.11", str(user)],
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": str(built[1])},
        cwd=tmp_path,
    )
    # One error, the deliberate one: the stub gives every other line its type.
    assert mypy.stdout.count("error:") == 1, mypy.stdout
    assert 'user.py:14: error: Incompatible types in assignment (expression has type "int"' in mypy.stdout


# ---- 1. objects ------------------------------------------------------------------------------


def test_objects_methods_and_pointer_parameters(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        c = api.NewCounter("a")
        print(type(c).__name__, type(c).__module__, isinstance(c, api.Counter))
        print(c.Add(5), c.Add(delta=2), c.Value(), c.Name())
        print(api.Describe(c), api.Describe(None))
        m = api.Merge(c, None)
        print(type(m).__name__, m.Value(), m.Name())
        print(api.Same(c, c), api.Same(c, m), api.Same(None, None))
        print(api.Nothing(), api.NewGoError(7).Code(), type(api.NewGoError(1)).__name__)
        print(c.close_())
        import copy, pickle
        for bad in ("api.Describe('a')", "api.Counter()", "api.Describe(api.NewGoError(1))", "c.Add()",
                    "pickle.dumps(c)", "copy.copy(c)"):
            try:
                eval(bad)
            except TypeError as e:
                print(e)
        """,
    )
    assert out.splitlines() == [
        "Counter shapes.api True",
        "5 7 7 a",
        "a=7 <nil>",
        "Counter 7 merged",
        "True False True",
        "None 7 GoError_",
        "Go's close of a",
        "Describe() argument 'c': expected Counter or None, got str",
        "Counter objects come from Go (NewCounter(), Merge(), Open(), Nothing()), not from Counter()",
        "Describe() argument 'c': expected Counter or None, got GoError_",
        "Counter.Add() missing required argument 'delta' (position 1)",
        "cannot pickle 'shapes.api.Counter' object",
        "cannot pickle 'shapes.api.Counter' object",
    ]


def test_objects_close_and_with(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        c = api.NewCounter("c")
        c.close()
        c.close()  # again: nothing
        for bad in (lambda: c.Add(1), lambda: api.Describe(c), lambda: c.__enter__()):
            try:
                bad()
            except ValueError as e:
                print(e)
        print(repr(c))
        with api.NewCounter("w") as w:
            print(w.Add(1), repr(w).startswith("<Counter object, Go handle "))
        try:
            w.Value()
        except ValueError:
            print("closed by with")
        # Go's own Close() runs when a with block ends (and not again after an explicit one)
        before = api.ConnsClosed()
        with api.Dial() as d:
            pass
        with api.Dial() as e:
            e.Close()
        print(api.ConnsClosed() - before)
        try:
            d.Close()
        except ValueError:
            print("released")
        """,
    )
    assert out.splitlines() == [
        "Counter.Add(): the Go object was closed (close() or the end of a with block)",
        "Describe() argument 'c': the Go object was closed (close() or the end of a with block)",
        "with: the Go object was closed already",
        "<Counter object (closed)>",
        "1 True",
        "closed by with",
        "2",
        "released",
    ]


def test_objects_errors_are_sentinels_and_open_returns_object_or_error(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        c = api.NewCounter("t")
        c.Add(3)
        try:
            c.Take(5)
        except api.ErrPermission as e:
            print(type(e).__name__, e)
        print(c.Take(2))
        try:
            api.Open("")
        except api.ErrNotFound as e:
            print(type(e).__name__, e)
        print(api.Open("x").Name())
        """,
    )
    assert out.splitlines() == [
        "ErrPermission take 5 from t (3): permission denied",
        "1",
        "ErrNotFound open: empty name: not found",
        "x",
    ]


def test_10000_objects_created_and_dropped_rss_flat(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        def rss_mb():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        def round_():
            for i in range(10_000):
                c = api.NewCounter("x")
                c.Add(i)
                api.Merge(c, c)  # a second object, dropped at once
        for _ in range(3):  # warm up: allocator arenas, Go's heap
            round_()
        gc.collect()
        start = rss_mb()
        for _ in range(10):
            round_()
        print(round(rss_mb() - start, 1), api.LiveCounters())
        """,
    )
    growth, live = out.split()
    assert float(growth) < 5, f"RSS grew {growth} MB over 200,000 objects"
    assert int(live) < 100, "Go collected the counters: every handle was deleted"


def test_objects_from_four_threads_and_close_while_they_call(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        c = api.NewCounter("shared")
        def work():
            for _ in range(20_000):
                c.Add(1)
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(c.Value())
        c = api.NewCounter("racy")
        outcomes = {"ok": 0, "closed": 0, "other": []}
        lock = threading.Lock()
        go = threading.Event()
        def racer():
            go.wait()
            while True:
                try:
                    c.Add(1)
                    with lock: outcomes["ok"] += 1
                except ValueError:
                    with lock: outcomes["closed"] += 1
                    return
                except Exception as e:  # GoPanic would mean a deleted handle reached Go
                    outcomes["other"].append(repr(e))
                    return
        threads = [threading.Thread(target=racer) for _ in range(4)]
        for t in threads: t.start()
        go.set()
        time.sleep(0.05)
        c.close()
        for t in threads: t.join()
        print(outcomes["closed"], outcomes["other"], outcomes["ok"] > 0)
        """,
    )
    assert out.splitlines() == ["80000", "4 [] True"]


# ---- 2. callbacks ----------------------------------------------------------------------------


def test_callbacks_convert_both_ways(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        seen = []
        print(api.Walk(5, lambda i, s: seen.append((i, s)) or i < 2), seen)
        points = []
        print(api.Visit(points.append, lambda ps, m: f"{len(ps)} {ps[-1]} {m}"), points[0])
        print(api.Visit(points.append, None))
        print(api.Apply(lambda i: i * 2, 10), api.Parallel(8, lambda i: i), api.ApplyElsewhere(lambda i: 1, 1000))
        c = api.NewCounter("e")
        c.Add(4); c.Add(5)
        got = []
        c.Each(got.append)
        print(got)
        try:
            api.Walk(3, None)  # a nil func: Go panics calling it
        except api.GoPanic as e:
            print("GoPanic", "nil" in str(e))
        """,
    )
    assert out.splitlines() == [
        "3 [(0, 'item-0'), (1, 'item-1'), (2, 'item-2')]",
        "3 Point(X=3, Y=9) {'n': 3} Point(X=1, Y=1)",
        "no all",
        "90 28 1000",
        "[4, 5]",
        "GoPanic True",
    ]


def test_callback_exception_leaves_the_call_with_its_traceback(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        calls = []
        err = ValueError("bad word")
        def check_word(w):
            calls.append(w)
            if w == "b":
                raise err
        try:
            api.ForEach("a b c", check_word)
        except ValueError as e:
            print(e is err, calls, "check_word" in [f.name for f in traceback.extract_tb(e.__traceback__)])
        def visit(i, s):
            if i == 7:
                raise LookupError("seven")
            return True
        try:
            api.Walk(1000, visit)
        except LookupError as e:
            print(repr(e), api.LastWalk())  # Go got False, the zero value, and stopped
        def fn(i):
            if i == 3:
                raise RuntimeError("from goroutine 3")
            return 1
        try:
            api.Parallel(8, fn)
        except RuntimeError as e:
            print(e)
        for bad in (lambda: api.Walk(3, lambda i, s: "yes"), lambda: api.Walk(3, 42)):
            try:
                bad()
            except TypeError as e:
                print(e)
        """,
    )
    assert out.splitlines() == [
        "True ['a', 'b'] True",
        "LookupError('seven') 7",
        "from goroutine 3",
        "Walk() argument 'visit': expected bool, got str",
        "Walk() argument 'visit': expected a callable or None, got int",
    ]


def test_callback_keyboard_interrupt_and_real_sigint(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        def visit(i, s):
            if i == 3:
                raise KeyboardInterrupt
            return True
        try:
            api.Walk(100, visit)
        except KeyboardInterrupt:
            print("KeyboardInterrupt", api.LastWalk())
        def visit2(i, s):
            if i == 1000:
                os.kill(os.getpid(), signal.SIGINT)
            return True
        start = time.perf_counter()
        try:
            api.Walk(10**9, visit2)
        except KeyboardInterrupt:
            print("SIGINT", 1000 <= api.LastWalk() < 1100, time.perf_counter() - start < 5)
        """,
    )
    assert out.splitlines() == ["KeyboardInterrupt 3", "SIGINT True True"]


def test_callback_called_after_its_call_returned(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        called = []
        api.Keep(called.append)
        print(api.CallKept("now", 0))
        print(api.CallKept("later", 30))  # from a goroutine, on a Go thread, 30 ms later
        print(api.KeptResult())
        print(called)
        # started while its call ran, raised after the call returned: nothing to raise it from,
        # so it is reported as an exception in __del__ is, and Go gets an error
        seen = []
        sys.unraisablehook = lambda u: seen.append(repr(u.exc_value))
        def slow(i):
            time.sleep(0.2)
            raise OSError("too late")
        api.FireAndReturn(slow, 20)
        time.sleep(0.4)
        print(seen)
        """,
    )
    assert out.splitlines() == [
        "error: pygo-tools: a Python callback was called after the Go call that received it returned",
        "started",
        "error: pygo-tools: a Python callback was called after the Go call that received it returned",
        "[]",
        "[\"OSError('too late')\"]",
    ]


def test_callbacks_call_back_into_go(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        c = api.NewCounter("re")
        def inner(j, t):
            c.Add(1)  # a method call from inside a callback
            return api.Apply(lambda k: k + 1, 3) == 6  # and a callback inside that
        print(api.Walk(3, lambda i, s: api.Walk(2, inner) == 2), c.Value())
        def deep(d):
            return api.Apply(lambda k: deep(d - 1) + 1, 1) if d else 0
        print(deep(50))
        # from Go's threads: goroutines' callbacks call Go again
        print(api.Parallel(4, lambda i: api.Apply(lambda k: 1, 10)))
        print(len(set(api.Parallel(16, lambda i: threading.get_ident() % 1000 * 0 + 1) for _ in range(3))))
        """,
    )
    assert out.splitlines() == ["3 6", "50", "40", "1"]


# ---- 3. iterators ----------------------------------------------------------------------------


def test_iterators_yield_values_lazily(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        print(list(api.Count(5)), list(api.Count(0)))
        print(list(api.Words("to be or")), list(api.Points(2)))
        print(list(api.Ticks(5, 0)), sum(api.Count(100_000)) == sum(range(100_000)))
        print(list(api.Count(1000).batch(1)) == list(range(1000)))
        c = api.NewCounter("h"); c.Add(1); c.Add(2)
        print(list(c.History()), list(api.Lines("a\\nb\\n")))
        baseline = settle(10**9, 0)
        watched = list(c.Watch(10, timeout=0.1))
        print(watched[0], 3 <= len(watched) <= 11, settle(baseline) <= baseline)
        try:
            api.Lines("")
        except api.GoError as e:
            print(type(e).__name__, e)
        start = time.perf_counter()
        print(len(list(api.Ticks(-1, 10, timeout=0.2))) in range(5, 25), time.perf_counter() - start < 1.5)
        it = api.Count(-1)  # endless
        print([next(it) for _ in range(3)], type(it).__name__, api.GoIterator[int])
        """,
    )
    assert out.splitlines() == [
        "[0, 1, 2, 3, 4] []",
        "[(0, 'to'), (1, 'be'), (2, 'or')] [Point(X=0, Y=0), Point(X=1, Y=-1)]",
        "[0, 1, 2, 3, 4] True",
        "True",
        "[1, 2] ['a\\n', 'b\\n']",
        "3 True True",
        "GoError no text",
        "True True",
        "[0, 1, 2] GoIterator shapes.api.GoIterator[int]",
    ]


def test_iterators_abandoned_leave_no_goroutine(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        gc.collect()
        baseline = settle(10**9, 0)
        kept = []
        for k in range(500):
            it = api.Count(-1)  # forever
            for x in it:
                if x == 2:
                    break
            if k % 2:
                kept.append(it)  # half dropped at once, half kept a while
        print(api.SeqActive())
        del kept, it
        gc.collect()
        print(settle(baseline) <= baseline, api.SeqActive())
        it = api.Count(-1)
        next(it)
        it.close()
        print(list(it))
        with api.Count(-1) as it2:
            next(it2)
        print(api.SeqActive())
        for _ in range(100):
            for x in api.Ticks(-1, 0):  # an endless producer goroutine: its context is cancelled
                if x == 3:
                    break
        print(settle(baseline) <= baseline)
        """,
    )
    assert out.splitlines() == ["250", "True 0", "[]", "0", "True"]


def test_iterator_panics_ctrl_c_close_from_another_thread(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        it = api.Count(-5)
        print([next(it) for _ in range(3)])
        try:
            next(it)
        except api.GoPanic as e:
            print("GoPanic", e)
        print(list(it), api.SeqActive())
        it = api.Ticks(1, 5000)  # its first item in 5 s
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
        start = time.perf_counter()
        try:
            next(it)
        except KeyboardInterrupt:
            print("KeyboardInterrupt", time.perf_counter() - start < 1)
        it.close()
        baseline = settle(10**9, 0)
        it = api.Ticks(-1, 5000)
        got = []
        t = threading.Thread(target=lambda: got.extend(it))
        t.start()
        time.sleep(0.1)
        start = time.perf_counter()
        it.close()  # cancels the context: the waiting pull sees the channel closed
        t.join(2)
        print(t.is_alive(), got, time.perf_counter() - start < 1, settle(baseline) <= baseline)
        """,
    )
    assert out.splitlines() == [
        "[0, 1, 2]",
        "GoPanic count: negative length",
        "[] 0",
        "KeyboardInterrupt True",
        "False [] True True",
    ]


def test_iterators_from_threads_and_with_callbacks(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        it = api.Count(100_000)
        got = [[] for _ in range(4)]
        def pull(k):
            for x in it:
                got[k].append(x)
        threads = [threading.Thread(target=pull, args=(k,)) for k in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(sorted(x for g in got for x in g) == list(range(100_000)))
        print(list(api.Generate(5, lambda i: i * i)))
        def f(i):
            if i == 3:
                raise ZeroDivisionError("three")
            return i
        it = api.Generate(10, f)
        print([next(it) for _ in range(3)])
        try:
            next(it)
        except ZeroDivisionError as e:
            print(repr(e), api.SeqActive())
        it = api.Generate(-1, lambda i: i)  # abandoned: its callback expires with it
        next(it)
        del it
        print(api.SeqActive())
        # the seq calls back into Python, which advances the same iterator: as for a generator
        holder = {}
        def g(i):
            if i == 2:
                next(holder["it"])
            return i
        holder["it"] = it = api.Generate(10, g)
        print(next(it), next(it))
        try:
            next(it)
        except ValueError as e:
            print(e)
        print(list(it))
        del holder, it
        """,
    )
    assert out.splitlines() == [
        "True",
        "[0, 1, 4, 9, 16]",
        "[0, 1, 2]",
        "ZeroDivisionError('three') 0",
        "0",
        "0 1",
        "Go iterator already executing",
        "[]",
    ]


# ---- 4. awaitables ---------------------------------------------------------------------------


def test_awaitables_results_errors_and_timeouts(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        async def main():
            print(await api.aio.Sleep(20), await api.aio.Find("alice"))
            try:
                await api.aio.Find("bob")
            except api.ErrNoSuchUser as e:
                print(type(e).__name__, e)
            try:
                await api.aio.Sleep(2000, timeout=0.05)
            except api.GoTimeout as e:
                print("GoTimeout", e)
            c = api.NewCounter("w")
            threading.Timer(0.05, c.Add, (3,)).start()
            print(await api.aio.Counter.WaitFor(c, 3))
            print(await api.aio.Poll(1, lambda i: i == 5))
            try:
                await api.aio.Poll(1, lambda i: 1 / 0)
            except ZeroDivisionError as e:
                print(repr(e))
            print(api.aio.Sleep.__qualname__, api.aio.Counter.WaitFor.__qualname__)
            import inspect
            print(inspect.signature(api.aio.Sleep), inspect.signature(api.aio.Counter.WaitFor))
        asyncio.run(main())
        try:
            api._pygo_api["_aio:Sleep"](1)
        except RuntimeError as e:
            print(e)
        # a callback that raises cancels its call's context: Poll, which would loop until then, ends
        try:
            api.Poll(1, lambda i: 1 / 0)
        except ZeroDivisionError as e:
            print(repr(e))
        """,
    )
    assert out.splitlines() == [
        "20 Alice Liddell",
        'ErrNoSuchUser lookup "bob": no such user: not found',
        "GoTimeout context deadline exceeded",
        "3",
        "5",
        "ZeroDivisionError('division by zero')",
        "aio.Sleep aio.Counter.WaitFor",
        "(ms, *, timeout=None) (self, /, n, *, timeout=None)",
        "no running event loop",
        "ZeroDivisionError('division by zero')",
    ]


def test_100_concurrent_awaits_do_not_block_the_loop(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        async def main():
            ticks = 0
            stop = False
            async def ticker():
                nonlocal ticks
                while not stop:
                    await asyncio.sleep(0.01)
                    ticks += 1
            tk = asyncio.create_task(ticker())
            start = time.perf_counter()
            results = await asyncio.gather(*(api.aio.Sleep(100) for _ in range(100)))
            elapsed = time.perf_counter() - start
            stop = True
            await tk
            return results, elapsed, ticks
        results, elapsed, ticks = asyncio.run(main())
        print(results == [100] * 100, round(elapsed, 3), ticks)
        """,
    )
    ok, elapsed, ticks = out.split()
    assert ok == "True"
    assert float(elapsed) < 0.8, f"100 concurrent 100 ms sleeps took {elapsed} s"
    assert int(ticks) >= 5, "the loop kept running while Go slept"


def test_cancelling_awaits_and_ctrl_c_cancel_the_go_context(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        baseline = settle(10**9, 0)
        before = api.SleepsCancelled()
        async def main():
            task = asyncio.create_task(api.aio.Sleep(5000))
            await asyncio.sleep(0.05)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                print("cancelled")
            try:
                await asyncio.wait_for(api.aio.Sleep(5000), 0.05)
            except asyncio.TimeoutError:
                print("timed out")
        start = time.perf_counter()
        asyncio.run(main())
        print(time.perf_counter() - start < 2)
        deadline = time.time() + 2
        while api.SleepsCancelled() < before + 2 and time.time() < deadline:
            time.sleep(0.01)
        print(api.SleepsCancelled() - before, settle(baseline) <= baseline)
        # the blocking form: Ctrl-C cancels the context too
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
        start = time.perf_counter()
        try:
            api.Sleep(5000)
        except KeyboardInterrupt:
            print("KeyboardInterrupt", time.perf_counter() - start < 1)
        deadline = time.time() + 2
        while api.SleepsCancelled() < before + 3 and time.time() < deadline:
            time.sleep(0.01)
        print(api.SleepsCancelled() - before)
        # a loop closed before Go finished: the result is dropped, nothing is left behind
        loop = asyncio.new_event_loop()
        async def start_one():
            return api._pygo_api["_aio:Sleep"](50)
        fut = loop.run_until_complete(start_one())
        loop.close()
        time.sleep(0.2)
        print(fut.done())
        del fut
        """,
    )
    assert out.splitlines() == ["cancelled", "timed out", "True", "2 True", "KeyboardInterrupt True", "3", "False"]


# ---- 5. error types --------------------------------------------------------------------------


def test_sentinel_error_classes(built: Built, tmp_path: Path) -> None:
    out = run(
        built,
        tmp_path,
        """
        print(issubclass(api.ErrNotFound, api.GoError), issubclass(api.ErrNoSuchUser, api.ErrNotFound))
        print(api.ErrNotFound.go_name, api.ErrNotFound.__module__, api.ErrNotFound.__doc__)
        for key in ("bob", "disk", "root", "hidden", "zzz"):
            try:
                api.Lookup(key)
            except api.GoError as e:
                print(key, type(e).__name__, e)
        print(hasattr(api, "errHidden"))
        """,
    )
    assert out.splitlines() == [
        "True True",
        "ErrNotFound shapes.api ErrNotFound: the key is not there.",
        'bob ErrNoSuchUser lookup "bob": no such user: not found',
        'disk ErrNotFound lookup "disk": not found',
        "root ErrPermission permission denied",
        "hidden GoError unexported: no class",
        "zzz GoError lookup failed for an unknown reason",
        "False",
    ]


# ---- interpreter exit ------------------------------------------------------------------------

EXIT_SCRIPTS = {
    "callbacks from goroutines while exiting": """
        def cb(i):
            time.sleep(0.0005)
        threading.Thread(target=api.Storm, args=(cb,), daemon=True).start()
        time.sleep(0.2)
        print("exiting")
    """,
    "kept callback called by a goroutine after exit began": """
        api.Keep(lambda s: None)
        print(api.CallKept("x", 30))
    """,
    "pending awaitable in a loop thread at exit": """
        threading.Thread(target=lambda: asyncio.run(api.aio.Sleep(200)), daemon=True).start()
        time.sleep(0.05)
        print("exiting")
    """,
}


@pytest.mark.parametrize("name", list(EXIT_SCRIPTS))
def test_interpreter_exit_with_go_still_calling(built: Built, tmp_path: Path, name: str) -> None:
    for _ in range(3):
        assert run(built, tmp_path, EXIT_SCRIPTS[name], check_slots=False).strip() in ("exiting", "started")


# ---- what the generator refuses, and how it says so ---------------------------------------

REFUSED = {
    "a struct used as *T and as a value": (
        "type Box struct{ N int }\n//pygo:export\nfunc New() *Box { return &Box{} }\n"
        "//pygo:export\nfunc Size(b Box) int { return b.N }",
        "type Box is used both as *Box or a method receiver (a Go object: a Python class with methods) and as a "
        "Box value (a dataclass); use one of the two",
    ),
    "an iterator parameter": (
        '//pygo:export\nfunc Sum(seq iter.Seq[int]) int { return 0 }\nvar _ = iter.Seq[int](nil)\nimport "iter"',
        "parameter seq: Python cannot pass iter.Seq[int] to Go; take a slice instead",
    ),
    "a callback with two results": (
        "//pygo:export\nfunc Each(fn func(int) (int, string)) {}",
        "func type func(int) (int, string): a callback may return one value (and an error), not 2",
    ),
    "a callback taking a Go object": (
        "type Box struct{}\n//pygo:export\nfunc Walk(fn func(*Box)) {}",
        "func type func(*Box): a parameter of type *Box cannot be passed to Python",
    ),
    "a func result": (
        "//pygo:export\nfunc Maker() func(int) int { return nil }",
        "result 1: a func cannot be returned to Python",
    ),
    "an iterator with another result": (
        'import "iter"\n//pygo:export\nfunc Both() (iter.Seq[int], int) { return nil, 0 }',
        "result 1: iter.Seq[int] must be the only result (an error may follow it)",
    ),
    "a send-only channel": (
        "//pygo:export\nfunc Sink() chan<- int { return nil }",
        "type chan<- int: Python cannot receive from a send-only channel",
    ),
    "cgo's //export on a method": (
        "type Box struct{}\n//export Size\nfunc (b *Box) Size() int { return 0 }",
        "Size: cgo cannot //export a method; mark it //pygo:export instead",
    ),
    "a method of a type that is not a struct": (
        "type Celsius float64\n//pygo:export\nfunc (c Celsius) F() float64 { return 0 }",
        "only methods of (non-generic) struct types can be exported; Celsius is not one",
    ),
    "an object inside a slice": (
        "type Box struct{}\n//pygo:export\nfunc All() []*Box { return nil }",
        "slice of *Box is not supported",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_generator_refuses_with_a_clear_message(tmp_path: Path, case: str) -> None:
    source, message = REFUSED[case]
    imports = [line for line in source.splitlines() if line.startswith("import ")]
    body = "\n".join(line for line in source.splitlines() if not line.startswith("import "))
    (tmp_path / "go.mod").write_text("module example.com/refused\n\ngo 1.23\n")
    (tmp_path / "api.go").write_text("package main\n\n" + "\n".join(imports) + "\n\nfunc main() {}\n\n" + body + "\n")
    go = find_go()
    generator = generator_binary(go.path, go.version, "")
    result = subprocess.run(
        [str(generator), "-dir", str(tmp_path), "-out", str(tmp_path / "out.go"), "-json", str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert message in result.stderr, result.stderr
    assert not (tmp_path / "out.go").exists(), "nothing half-written"
