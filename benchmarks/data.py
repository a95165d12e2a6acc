"""Bulk data, threads and start-up: the benchmark project's Sha256 over 64 MiB passed with no
copy, against the same Go code run natively (go test -bench) and hashlib; two Python threads
in Go against one; and process start with import and first call against `python -c pass`."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading

from common import PROJECT, env, go_binary, install_project, machine, median_seconds, table, targets

MIB = 1 << 20
SIZE = 64 * MIB


def native_go_mb_per_s() -> float:
    """Throughput of the same function under `go test -bench` (MB/s as Go prints it, 1e6 bytes)."""
    result = subprocess.run(
        [str(go_binary()), "test", "-run", "^$", "-bench", "BenchmarkSha256", "-benchtime", "8x", "-count", "5"],
        cwd=PROJECT / "benchgo" / "go",
        capture_output=True,
        text=True,
        env=env(),
        check=True,
    )
    speeds = sorted(float(m) for m in re.findall(r"([\d.]+) MB/s", result.stdout))
    return speeds[len(speeds) // 2]


def main() -> None:
    site = install_project()
    sys.path.insert(0, str(site))
    from benchgo import api

    data = bytes(range(256)) * (SIZE // 256)
    assert api.Sha256(data) == hashlib.sha256(data).hexdigest()

    ours = SIZE / median_seconds(lambda: api.Sha256(data), 7) / 1e6
    python = SIZE / median_seconds(lambda: hashlib.sha256(data).hexdigest(), 7) / 1e6
    native = native_go_mb_per_s()
    print(f"### Bulk data: SHA-256 of 64 MiB ({machine()})\n")
    print(
        table(
            ["path", "MB/s", "vs native Go"],
            [
                ["pygo-tools typed module (no copy)", f"{ours:,.0f}", f"{ours / native:.0%}"],
                ["native Go (go test -bench)", f"{native:,.0f}", "100%"],
                ["hashlib (OpenSSL)", f"{python:,.0f}", f"{python / native:.0%}"],
            ],
        )
    )
    print(targets(("≥ 95% of native Go throughput", ours / native >= 0.95, f"{ours / native:.0%}")))

    def one_thread() -> None:
        api.Sha256(data)
        api.Sha256(data)

    def two_threads() -> None:
        threads = [threading.Thread(target=api.Sha256, args=(data,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # Interleaved rounds, best of each: another process taking a core for a moment only ever
    # slows a round down, and interleaving exposes both ways to the same moments.
    sequential_runs, parallel_runs = [], []
    for _ in range(7):
        sequential_runs.append(median_seconds(one_thread, 1))
        parallel_runs.append(median_seconds(two_threads, 1))
    sequential, parallel = min(sequential_runs), min(parallel_runs)
    speedup = sequential / parallel
    print(f"\n### Threads: two SHA-256 of 64 MiB ({os.cpu_count()} cores, best of 7 interleaved rounds)\n")
    print(
        table(
            ["how", "seconds", "speed-up"],
            [
                ["one thread, one after the other", f"{sequential:.3f}", "1.00×"],
                ["two Python threads", f"{parallel:.3f}", f"{speedup:.2f}×"],
            ],
        )
    )
    print(targets(("≥ 1.8× with two threads on two free cores", speedup >= 1.8, f"{speedup:.2f}×")))

    runs = 21
    environment = {**os.environ, "PYTHONPATH": str(site)}

    def start(code: str) -> None:
        subprocess.run([sys.executable, "-c", code], check=True, env=environment)

    bare = median_seconds(lambda: start("pass"), runs)
    imported = median_seconds(lambda: start("from benchgo import api; api.Noop()"), runs)
    print(f"\n### Start-up (median of {runs} processes)\n")
    print(
        table(
            ["process", "ms", "added"],
            [
                ["python -c pass", f"{bare * 1000:.1f}", ""],
                [
                    "import the typed module, first call",
                    f"{imported * 1000:.1f}",
                    f"+{(imported - bare) * 1000:.1f} ms",
                ],
            ],
        )
    )


if __name__ == "__main__":
    main()
