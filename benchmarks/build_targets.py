"""Build time and wheel size of the example for every target, cold and warm.

    python benchmarks/build_targets.py        (or: make bench)

"cold": empty Go, zig and pygo-tools caches of its own and no build directory; "warm": the same build
again, caches kept. Each build is one `pygo-tools build --target T` (with --zig for the Linux
targets, so both Linux wheels are manylinux2014). Prints a markdown table; warm timings are
wall-clock medians of --repeat runs. The last row is the sum: a cold `--target all`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGETS = ("linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64")


def build(project: Path, out: Path, target: str, env: dict[str, str]) -> tuple[float, Path]:
    shutil.rmtree(out, ignore_errors=True)
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pygo_tools", "build", str(project), "--out", str(out), "--target", target]
        + (["--zig"] if target.startswith("linux/") else []),
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - start
    if result.returncode:
        sys.exit(f"build failed:\n{result.stderr[-3000:]}")
    return elapsed, Path(result.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per target (default 3)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="pygo-bench-") as temp:
        work = Path(temp)
        for target in TARGETS:
            slug = target.replace("/", "-")
            caches = work / f"caches-{slug}"
            env = {
                **os.environ,
                "GOCACHE": str(caches / "go"),
                "ZIG_GLOBAL_CACHE_DIR": str(caches / "zig"),
                "ZIG_LOCAL_CACHE_DIR": str(caches / "zig-local"),
                "PYGO_TOOLS_CACHE": str(caches / "pygo-tools"),  # the exports generator is built too
                "GOPROXY": "off",
            }
            project = work / slug
            shutil.copytree(REPO / "example", project, ignore=shutil.ignore_patterns("build", "dist", "*.egg-info"))
            cold, wheel = build(project, work / "out", target, env)
            warm = statistics.median(build(project, work / "out", target, env)[0] for _ in range(args.repeat))
            rows.append((target, cold, warm, wheel.stat().st_size, wheel.name))
    print(f"Example build, {platform.machine()} host, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print("| target | cold build (s) | warm rebuild (s) | wheel size (KB) | wheel |")
    print("|---|---:|---:|---:|---|")
    for target, cold, warm, size, name in rows:
        print(f"| {target} | {cold:.1f} | {warm:.1f} | {size / 1000:.0f} | `{name}` |")
    total_cold, total_warm = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"| all {len(rows)} | {total_cold:.1f} | {total_warm:.1f} | | |")


if __name__ == "__main__":
    main()
