"""Free-threaded Python: 1 and 2 Python threads, each making 1,000,000 short typed calls into Go,
on a GIL CPython and on a free-threaded one, for three calls: a Go function doing about a
microsecond of work, a string round trip and a list round trip (each with a little Python work
per call).

Both interpreters are CPython 3.13.15 built from the same source with the same flags (no PGO or
LTO), one with ``--disable-gil`` (tests/support/pythons.py): the only difference measured is the
GIL. Free-threaded 3.14t and 3.15t cannot be built here; 3.13t runs the same runtime the abi3t
wheels carry. Its cffi is the test environment's (one version check lifted: pythons.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from common import PROJECT, REPO, WORK, env, go_binary, table, targets

sys.path.insert(0, str(REPO / "tests" / "support"))
import pythons  # tests/support is not a package

CALLS = 1_000_000
ROUNDS = 5  # best of 5 interleaved rounds: other processes on the machine only add time
SPIN = 700  # Spin's rounds: about a microsecond of Go work per call here (printed below)

WORKER = """
import json, sys, threading, time
from benchgo import api

CALLS, SPIN = int(sys.argv[1]), int(sys.argv[2])


def spin(n):
    # This thread's own int: SPIN, read from argv, is one object, and threads passing one object
    # write its reference count from two cores (3.13t; constants are immortal, it is not).
    rounds = int(str(SPIN))
    acc = 0
    for i in range(n):
        acc = (acc + api.Spin(i, rounds)) & 0xFFFFFFFF  # about a microsecond of Go
        if i % 3 == 0:
            acc ^= i
    return acc


def string(n):
    words = [f"word-{i}" for i in range(64)]  # each thread its own (shared strs contend on their counts)
    acc = 0
    for i in range(n):
        acc += len(api.Title(words[i & 63]))
    return acc


def lists(n):
    acc = 0
    for i in range(n):
        acc += api.Ints([i, i + 1, i + 2, i + 3, i + 4, i + 5, i + 6, i + 7])[-1]
    return acc


def python(n):
    # No Go at all: the control, telling how many cores were free during the run.
    acc = 0
    for i in range(n):
        acc = (acc * 31 + i) & 0xFFFF
    return acc


def timed(work, threads):
    # Wall-clock and CPU seconds of `threads` threads, each running work(CALLS).
    pool = [threading.Thread(target=work, args=(CALLS,)) for _ in range(threads)]
    start, cpu = time.perf_counter(), time.process_time()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return [time.perf_counter() - start, time.process_time() - cpu]


spin(1000), string(1000), lists(1000)  # warm up
calls = (("spin", spin), ("string", string), ("list", lists), ("python", python))
result = {name: [*timed(work, 1), *timed(work, 2)] for name, work in calls}


def per_call(rounds):
    best = 1.0
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(100_000):
            api.Spin(0, rounds)
        best = min(best, (time.perf_counter() - start) / 100_000)
    return best * 1e9


result["call_ns"] = per_call(0)  # the typed call alone: Go does nothing
result["spin_ns"] = per_call(SPIN) - result["call_ns"]
result["gil"] = sys._is_gil_enabled()
print(json.dumps(result))
"""


def run(command: list[str], **kwargs: object) -> str:
    go = {"PYGO_TOOLS_GO": str(go_binary())}  # this venv's Go, for the 3.13t venv's pygo-tools
    result = subprocess.run(command, capture_output=True, text=True, env=env(**go), **kwargs)  # type: ignore[call-overload]
    if result.returncode:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
    return str(result.stdout)


def prepare() -> dict[str, Path]:
    """A venv per interpreter with the benchmark project installed: the abi3 wheel (built by this
    venv's pygo-tools) for the GIL one, a cp313t wheel built by 3.13t itself for the other."""
    gil, free = pythons.gil_twin_python(), pythons.free_threaded_python()
    pip = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    venvs = {}
    for name, interpreter in (("GIL", gil), ("free-threaded", free)):
        home = WORK / f"venv-3.13-{'gil' if name == 'GIL' else 'ft'}"
        python = home / "bin" / "python"
        if not python.exists():
            pythons.make_venv(interpreter, home)
        venvs[name] = python
    abi3 = run([sys.executable, "-m", "pygo_tools", "build", str(PROJECT), "--out", str(WORK / "dist")]).split()[-1]
    run([str(venvs["GIL"]), *pip, "cffi", "--force-reinstall", abi3])
    cffi = str(pythons.free_threaded_cffi_wheel())
    run([str(venvs["free-threaded"]), *pip, cffi, str(REPO)])
    out = WORK / "dist-3.13t"
    built = run([str(venvs["free-threaded"]), "-m", "pygo_tools", "build", str(PROJECT), "--out", str(out)])
    run([str(venvs["free-threaded"]), *pip, "--force-reinstall", "--no-deps", built.split()[-1]])
    return venvs


def main() -> None:
    venvs = prepare()
    worker = WORK / "threads_worker.py"
    worker.write_text(WORKER)
    best: dict[str, dict[str, list[float]]] = {}
    spin_ns: dict[str, float] = {}
    call_ns: dict[str, float] = {}
    for _ in range(ROUNDS):
        for name, python in venvs.items():
            result = json.loads(run([str(python), str(worker), str(CALLS), str(SPIN)], cwd=WORK))
            assert result.pop("gil") is (name == "GIL"), f"{name}: the GIL is {'off' if name == 'GIL' else 'on'}"
            spin_ns[name] = min(spin_ns.get(name, 1e9), result.pop("spin_ns"))
            call_ns[name] = min(call_ns.get(name, 1e9), result.pop("call_ns"))
            for call, times in result.items():
                kept = best.setdefault(name, {}).setdefault(call, times)
                if times[0] + times[2] < kept[0] + kept[2]:  # the round with the most free cores
                    best[name][call] = times
    calls = {
        "spin": "Go function (~1 µs of work)",
        "string": "string round trip",
        "list": "list of 8 ints round trip",
        "python": "control: a Python loop, no Go",
    }
    rows = []
    for call, label in calls.items():
        for name in venvs:
            one, one_cpu, two, two_cpu = best[name][call]
            speedup = 2 * one / two  # two threads do twice the calls
            cpu = two_cpu / (2 * one_cpu)  # CPU per call, 2 threads vs 1: above 1 is contention
            rows.append([label, name, f"{one:.2f}", f"{two:.2f}", f"{speedup:.2f}×", f"{cpu:.2f}×"])
    gil, free = best["GIL"], best["free-threaded"]
    speedup = 2 * free["spin"][0] / free["spin"][2]
    gil_speedup = 2 * gil["spin"][0] / gil["spin"][2]
    control = 2 * free["python"][0] / free["python"][2]
    single = call_ns["free-threaded"] / call_ns["GIL"]
    cores, load = os.cpu_count(), os.getloadavg()[0]
    print(f"### Free-threaded Python: 1 and 2 threads, {CALLS:,} typed calls each ({cores} cores)\n")
    print(
        f"CPython 3.13.15 with and without the GIL, same source and flags; best of {ROUNDS} interleaved "
        f"rounds; Spin does {spin_ns['GIL']:.0f} ns of Go work per call; load average {load:.1f} at the end.\n"
    )
    headers = ["call", "CPython", "1 thread (s)", "2 threads (s)", "throughput, 2 vs 1 thread", "CPU per call, 2 vs 1"]
    print(table(headers, rows))
    print(
        f"\nOne typed call with no Go work (`Spin(0, 0)`, best of 7 x 100,000): {call_ns['GIL']:.0f} ns with the "
        f"GIL, {call_ns['free-threaded']:.0f} ns free-threaded. The rest of a 1-thread row's difference is "
        "the Python loop around the calls: 3.13t runs Python without the specializing interpreter."
    )
    print(
        targets(
            (
                "≥ 1.8× with 2 threads on the free-threaded build, two cores free",
                speedup >= 1.8,
                f"{speedup:.2f}× (the Python-only control: {control:.2f}×)",
            ),
            ("the GIL build stays near 1× or below", gil_speedup <= 1.2, f"{gil_speedup:.2f}×"),
            ("a free-threaded typed call within 1.3× of the GIL build's, one thread", single <= 1.3, f"{single:.2f}×"),
        )
    )


if __name__ == "__main__":
    main()
