"""Shared by the benchmarks: build the benchmark project once, time things, print tables."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT = REPO / "benchmarks" / "project"
WORK = REPO / "build" / "bench"


def go_binary() -> Path:
    from pygo_tools.steps.toolchain import find_go

    return find_go().path


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "GOPROXY": "off", "GOTOOLCHAIN": "local", **extra}


def build_project(out: Path, *args: str) -> Path:
    """``pygo-tools build`` of the benchmark project; returns the wheel."""
    result = subprocess.run(
        [sys.executable, "-m", "pygo_tools", "build", str(PROJECT), "--out", str(out), *args],
        capture_output=True,
        text=True,
        env=env(),
    )
    if result.returncode:
        sys.exit(f"building the benchmark project failed:\n{result.stderr[-3000:]}")
    return Path(result.stdout.split()[-1])


def install_project() -> Path:
    """Build and unpack the benchmark wheel into build/bench/site; returns that folder."""
    site = WORK / "site"
    wheel = build_project(WORK / "dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--upgrade",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    return site


def per_call_ns(function: Callable[[], object], number: int, repeat: int = 7) -> float:
    """Median over ``repeat`` runs of the time per call, in nanoseconds."""
    timer = timeit.Timer(function)
    return statistics.median(timer.repeat(repeat=repeat, number=number)) / number * 1e9


def median_seconds(function: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def targets(*rows: tuple[str, bool, str]) -> str:
    """The "target / result / measured" table that closes each benchmark."""
    return "\n" + table(
        ["target", "result", "measured"], [[name, verdict(met), measured] for name, met, measured in rows]
    )
