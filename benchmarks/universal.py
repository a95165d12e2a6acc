"""The universal (WebAssembly) wheel against the native one: the same plain-Go functions of the
benchmark project (universal.go), built both ways, each timed in its own process on this
interpreter. Per-call cost, SHA-256 of 64 MiB, 10,000-item lists, and start-up (import and
first call, with wasmtime's compiled module cached and not)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from common import PROJECT, WORK, build_project, machine, table, targets

CHILD = r"""
import hashlib, json, statistics, sys, time, timeit
start = time.perf_counter()
from benchgo import api
imported = time.perf_counter() - start
api.Nothing()
first = time.perf_counter() - start


def per_call_us(function, number):
    timer = timeit.Timer(function)
    return statistics.median(timer.repeat(repeat=7, number=number)) / number * 1e6


def median_s(function, repeat):
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        function()
        samples.append(time.perf_counter() - begin)
    return statistics.median(samples)


data = bytes(range(256)) * (64 * 1024 * 1024 // 256)
assert api.HashHex(data) == hashlib.sha256(data).hexdigest()
ints = list(range(10_000))
words = [f"word{i}" for i in range(10_000)]
assert api.Doubled(ints)[-1] == 19_998 and api.Words(words) == words
print(json.dumps({
    "import": imported, "first": first,
    "Nothing()": per_call_us(api.Nothing, 100_000),
    "Plus(1, 2)": per_call_us(lambda: api.Plus(1, 2), 100_000),
    "Same(16-char str)": per_call_us(lambda: api.Same("0123456789abcdef"), 100_000),
    "sha256": len(data) / median_s(lambda: api.HashHex(data), 5) / 1e6,
    "Doubled(10,000 ints)": median_s(lambda: api.Doubled(ints), 21) * 1e3,
    "Words(10,000 str)": median_s(lambda: api.Words(words), 21) * 1e3,
}))
"""


def unpack(wheel: str, site: str) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--upgrade", "--target", site, wheel]
    subprocess.run(command, check=True)


def measure(site: str, cache: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": site, "PYGO_TOOLS_WASM_CACHE": cache}
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"the benchmark failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    wheels = {
        "native": build_project(WORK / "dist-native"),
        "universal": build_project(WORK / "dist-universal", "--target", "wasip1/wasm"),
    }
    sites = {kind: str(WORK / f"site-{kind}") for kind in wheels}
    for kind, wheel in wheels.items():
        unpack(str(wheel), sites[kind])
    with tempfile.TemporaryDirectory(prefix="pygo-wasm-cache-") as cache:
        cold = measure(sites["universal"], cache)  # compiles the module, fills the cache
        universal = measure(sites["universal"], cache)
    native = measure(sites["native"], "0")
    print(f"### The universal (WebAssembly) wheel against the native one ({machine()})\n")
    rows = []
    for name in ("Nothing()", "Plus(1, 2)", "Same(16-char str)"):
        rows.append(
            [
                f"{name}, µs per call",
                f"{native[name]:.2f}",
                f"{universal[name]:.2f}",
                f"{universal[name] / native[name]:.1f}×",
            ]
        )
    rows.append(
        [
            "SHA-256 of 64 MiB, MB/s",
            f"{native['sha256']:,.0f}",
            f"{universal['sha256']:,.0f}",
            f"{universal['sha256'] / native['sha256']:.0%} of native",
        ]
    )
    for name in ("Doubled(10,000 ints)", "Words(10,000 str)"):
        rows.append(
            [
                f"{name} in and out, ms",
                f"{native[name]:.2f}",
                f"{universal[name]:.2f}",
                f"{universal[name] / native[name]:.1f}×",
            ]
        )
    rows.append(
        ["import of the typed module, ms", f"{native['import'] * 1e3:.0f}", f"{universal['import'] * 1e3:.0f}", ""]
    )
    rows.append(
        [
            "import and first call, ms (module cached)",
            f"{native['first'] * 1e3:.0f}",
            f"{universal['first'] * 1e3:.0f}",
            "",
        ]
    )
    rows.append(["import and first call, ms (first use: compiles)", "", f"{cold['first'] * 1e3:.0f}", ""])
    print(table(["case", "native wheel", "universal wheel", "universal vs native"], rows))
    print(
        targets(
            (
                "universal per-call cost under 5 µs (Plus)",
                universal["Plus(1, 2)"] < 5,
                f"{universal['Plus(1, 2)']:.2f} µs",
            ),
            (
                "universal first call under 100 ms once cached",
                universal["first"] < 0.1,
                f"{universal['first'] * 1e3:.0f} ms",
            ),
        )
    )
    print(
        f"\n(project: {PROJECT.relative_to(PROJECT.parents[1])}; wasmtime compiled module cache in a temporary folder)"
    )


if __name__ == "__main__":
    main()
