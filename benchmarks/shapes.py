"""Go APIs as they are: the cost of a method against a function with the same arguments, of a
callback round trip (Go calling Python and getting a result), of an iterator step, of 100 ints
streamed from an iter.Seq against the same list returned by one call, and of awaitable calls."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable

from common import install_project, machine, per_call_ns, table, targets

N = 100_000


def best(function: Callable[[], object], number: int, rounds: int = 9) -> float:
    """Best time per call (ns) over rounds; the machine is shared: noise only adds time."""
    return min(per_call_ns(function, number, repeat=1) for _ in range(rounds))


def main() -> None:
    site = install_project()
    sys.path.insert(0, str(site))
    from benchgo import api

    c = api.NewCounter()
    assert c.Inc(1) == api.Inc(1) == 2 and api.Apply(lambda i: i, 10) == 45
    assert list(api.Count(5)) == api.Range(5) == [0, 1, 2, 3, 4]

    # Interleaved rounds: each ratio compares moments of the same load.
    calls: dict[str, list[float]] = {"Inc(1)": [], "c.Inc(1)": [], "Zero()": [], "c.Zero()": []}
    for _ in range(15):
        calls["Inc(1)"].append(per_call_ns(lambda: api.Inc(1), N, repeat=1))
        calls["c.Inc(1)"].append(per_call_ns(lambda: c.Inc(1), N, repeat=1))
        calls["Zero()"].append(per_call_ns(api.Zero, N, repeat=1))
        calls["c.Zero()"].append(per_call_ns(c.Zero, N, repeat=1))
    fn_ns, method_ns = min(calls["Inc(1)"]), min(calls["c.Inc(1)"])
    zero_ns, zero_method_ns = min(calls["Zero()"]), min(calls["c.Zero()"])
    made_ns = best(lambda: api.NewCounter(), 20_000)

    def callback(i: int) -> int:
        return i

    here_ns = best(lambda: api.Apply(callback, N), 1, rounds=7) / N
    elsewhere_ns = best(lambda: api.ApplyElsewhere(callback, N), 1, rounds=7) / N
    python_ns = best(lambda: callback(1), N)

    def stream() -> None:
        for _ in api.Count(N):
            pass

    def listed() -> None:
        for _ in api.Range(N):
            pass

    stream_ns = best(stream, 1, rounds=9)
    list_call_ns = best(lambda: api.Range(N), 1, rounds=9)
    list_loop_ns = best(listed, 1, rounds=9)
    endless = api.Count(10**9)
    step_ns = best(lambda: next(endless), 200_000)
    single = api.Count(10**9).batch(1)
    single_ns = best(lambda: next(single), 2_000, rounds=5)
    made_iter_ns = best(lambda: next(api.Count(10)), 2_000, rounds=5)

    async def concurrent() -> float:
        start = time.perf_counter()
        results = await asyncio.gather(*(api.aio.Sleep(100) for _ in range(100)))
        assert results == [100] * 100
        return time.perf_counter() - start

    concurrent_s = min(asyncio.run(concurrent()) for _ in range(3))

    async def sequential(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            await api.aio.Sleep(0)
        return (time.perf_counter() - start) / n * 1e9

    await_ns = min(asyncio.run(sequential(2000)) for _ in range(3))
    blocking_ns = best(lambda: api.Sleep(0), 2000, rounds=5)

    print(f"### Go APIs as they are ({machine()})\n")
    print("Best of interleaved rounds; the ratio is to the function call with the same arguments.\n")
    print(
        table(
            ["operation", "time", "ratio"],
            [
                ["function `Inc(1)`", f"{fn_ns:,.0f} ns", "1.00×"],
                ["method `c.Inc(1)` (same arguments and body)", f"{method_ns:,.0f} ns", f"{method_ns / fn_ns:.2f}×"],
                ["function `Zero()`", f"{zero_ns:,.0f} ns", ""],
                ["method `c.Zero()`", f"{zero_method_ns:,.0f} ns", f"{zero_method_ns / zero_ns:.2f}× Zero()"],
                ["object made and dropped `NewCounter()`", f"{made_ns:,.0f} ns", ""],
                ["callback round trip, from the calling goroutine", f"{here_ns:,.0f} ns", ""],
                ["callback round trip, from another goroutine", f"{elsewhere_ns:,.0f} ns", ""],
                ["(the same Python function called from Python)", f"{python_ns:,.0f} ns", ""],
                ["iterator step `next(it)` (batches of up to 4,096)", f"{step_ns:,.0f} ns", ""],
                ["iterator step with `.batch(1)` (a goroutine handoff each)", f"{single_ns:,.0f} ns", ""],
                ["iterator made, one item, dropped", f"{made_iter_ns:,.0f} ns", ""],
                [
                    f"`for x in Count({N:,})` (iter.Seq[int])",
                    f"{stream_ns / 1e6:.2f} ms",
                    f"{stream_ns / list_call_ns:.2f}×",
                ],
                [f"`Range({N:,})`: the same ints as one list", f"{list_call_ns / 1e6:.2f} ms", "1.00×"],
                [f"`for x in Range({N:,})`", f"{list_loop_ns / 1e6:.2f} ms", f"{list_loop_ns / list_call_ns:.2f}×"],
                ["`await aio.Sleep(0)`, one after another", f"{await_ns / 1e3:,.1f} µs", ""],
                ["`Sleep(0)`, blocking form", f"{blocking_ns / 1e3:,.1f} µs", ""],
                ["100 concurrent `await aio.Sleep(100)` (ms each)", f"{concurrent_s * 1e3:,.0f} ms", ""],
            ],
        )
    )
    print(
        targets(
            ("a method call at most 1.2× the function call", method_ns / fn_ns <= 1.2, f"{method_ns / fn_ns:.2f}×"),
            (
                f"iterating {N:,} ints at most 3× the list through a typed call",
                stream_ns / list_call_ns <= 3,
                f"{stream_ns / list_call_ns:.2f}×",
            ),
            (
                "100 concurrent awaits of 100 ms well under a second",
                concurrent_s < 0.5,
                f"{concurrent_s * 1e3:,.0f} ms",
            ),
        )
    )


if __name__ == "__main__":
    main()
