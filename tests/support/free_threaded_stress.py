"""Run inside a free-threaded CPython with tests/projects/plaingo installed: pygo-tools' typed
runtime under true parallelism. Prints one JSON object; the test asserts on it.

    python free_threaded_stress.py same THREADS CALLS   many threads give the one-thread results
    python free_threaded_stress.py mutate SECONDS       lists, dicts, bytearrays changed meanwhile
    python free_threaded_stress.py memory THREADS CALLS RSS before and after many calls
    python free_threaded_stress.py table THREADS ROUNDS ROWS_JSON   [expression, expected repr] rows
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
import threading
import time
import warnings

warnings.simplefilter("error")  # a module that re-enabled the GIL would warn (RuntimeWarning)

from plaingo import api  # noqa: E402
from plaingo.api import *  # noqa: E402, F403

CALLS_PER_ROUND = 8


def one_round(seed: int, i: int) -> object:
    """Eight typed calls with strings, bytes, lists, dicts and structs; a value from all."""
    k = (seed * 7919 + i) % 1000
    text = api.JoinAll(["a", str(k), "ü"], "-")
    parts = api.Split(text, "-")
    digest = api.Sha256Hex(text.encode())
    upper = api.Upper(bytearray(text.encode()))
    total = api.Total([k, i, -3])
    counts = api.Counts(parts)
    point = api.Move(api.Point(float(k), 1.0, text), 0.5, 2)
    keys = api.Keys({"x": True, text: False})
    return (text, tuple(parts), digest, bytes(upper), total, tuple(sorted(counts.items())), point, tuple(keys))


def work(seed: int, calls: int) -> list[int]:
    return [hash(one_round(seed, i)) for i in range(calls // CALLS_PER_ROUND)]


def in_threads(count: int, target, *args) -> list:  # type: ignore[no-untyped-def]
    results: list = [None] * count
    errors: list[str] = []

    def run(index: int) -> None:
        try:
            results[index] = target(index, *args)
        except BaseException as error:
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit("errors in threads: " + "; ".join(errors[:5]))
    return results


def same(threads: int, calls: int) -> dict[str, object]:
    alone = [work(seed, calls) for seed in range(threads)]
    together = in_threads(threads, work, calls)
    return {"same": together == alone, "rounds": sum(len(r) for r in together)}


def mutate(seconds: float) -> dict[str, object]:
    """Two threads change a list, a dict and a bytearray while three pass them to Go."""
    shared_list = list(range(100))
    shared_dict = {str(i): bool(i % 2) for i in range(100)}
    shared_bytes = bytearray(b"x" * 1000)
    stop = threading.Event()

    def mutator(index: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            shared_list.append(i)
            with contextlib.suppress(IndexError):  # the other mutator may have emptied it
                shared_list.pop(0)
            if i % 50 == 0:
                shared_list.clear()
                shared_list.extend(range(i % 300))
            shared_dict[str(i % 300)] = True
            shared_dict.pop(str((i + 7) % 300), None)
            # The bytearray's bytes change in place, never its size: two threads resizing one
            # bytearray crash CPython 3.13t with no Go involved (its bytearray has no locks,
            # CPython gh-129107, fixed in 3.14; a resize racing a buffer export likewise).
            shared_bytes[i % len(shared_bytes)] = i % 256

    calls = {"n": 0}
    outcomes: dict[str, int] = {}

    def caller(index: int) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for function, argument in (
                (api.Total, shared_list),
                (api.Keys, shared_dict),
                (api.Upper, shared_bytes),
                (api.Sha256Hex, shared_bytes),
                (api.Counts, shared_list),  # a list of ints where strs are wanted: TypeError
            ):
                try:
                    function(argument)
                    outcome = "ok"
                except Exception as error:
                    outcome = type(error).__name__
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                calls["n"] += 1

    mutators = [threading.Thread(target=mutator, args=(i,)) for i in range(2)]
    for thread in mutators:
        thread.start()
    in_threads(3, caller)
    stop.set()
    for thread in mutators:
        thread.join()
    shared_bytes.extend(b"z")  # every buffer taken was released: resizable again
    return {"outcomes": outcomes, "calls": calls["n"]}


def rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory(threads: int, calls: int) -> dict[str, object]:
    in_threads(threads, work, calls // 4)  # warm up: caches, arenas, Go's heap
    before = rss_kb()
    in_threads(threads, work, calls)
    return {"before_kb": before, "after_kb": rss_kb()}


def table(threads: int, rounds: int, rows: list[list[str]]) -> dict[str, object]:
    """Each thread evaluates every row ``rounds`` times; any other repr is a failure."""

    def check(index: int) -> list[str]:
        wrong = []
        for _ in range(rounds):
            for expression, expected in rows:
                got = repr(eval(expression))
                if got != expected:
                    wrong.append(f"{expression}: {got} != {expected}")
        return wrong

    failures = [line for lines in in_threads(threads, check) for line in lines]
    return {"failures": failures[:10], "evaluated": threads * rounds * len(rows)}


def main() -> None:
    mode, *args = sys.argv[1:]
    if mode == "same":
        result = same(int(args[0]), int(args[1]))
    elif mode == "mutate":
        result = mutate(float(args[0]))
    elif mode == "memory":
        result = memory(int(args[0]), int(args[1]))
    else:
        with open(args[2]) as handle:
            result = table(int(args[0]), int(args[1]), json.load(handle))
    result["gil_enabled"] = sys._is_gil_enabled()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
