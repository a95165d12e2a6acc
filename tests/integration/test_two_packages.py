"""Two projects built with pygo-tools in one interpreter: each native wheel brings its own Go
runtime (Go upstream does not support that: golang/go#65050; on Linux it works, as this test
shows), each universal wheel its own wasmtime instance. Four threads per package at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import make_venv, pip_install, run_python

pytestmark = [pytest.mark.integration, pytest.mark.slow]

THREADS = """\
import json, sys, threading
from plaingo import api as plain
from wasmhost import api as host

failures = []
done = {}


def plaingo_work(n):
    for i in range(300):
        words = [str(n), str(i)]
        if plain.Split(",".join(words), ",") != words or plain.Total([n, i]) != n + i:
            failures.append(["plaingo", n, i])
        done["plaingo", n] = i + 1


def wasmhost_work(n):
    for i in range(300):
        data = bytes([n, i % 256])
        if host.Checksum(data) != n + i % 256 or host.Sha256(b"") != EMPTY:
            failures.append(["wasmhost", n, i])
        done["wasmhost", n] = i + 1


EMPTY = host.Sha256(b"")
threads = [threading.Thread(target=work, args=(n,)) for work in (plaingo_work, wasmhost_work) for n in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
report = {"failures": failures, "done": sorted(done.values()), "after": [plain.Total([1, 2]), host.Nap(1)]}
print(json.dumps(report))
"""


def test_two_packages_with_their_own_go_work_together_under_threads(
    plaingo_wheels: dict[str, Path], wasmhost_wheels: dict[str, Path], tmp_path: Path
) -> None:
    """Their native wheels; test_universal.py runs the same threads over their universal wheels."""
    python = make_venv(tmp_path / "venv")
    pip_install(python, str(plaingo_wheels["native"]), str(wasmhost_wheels["native"]))
    result = run_python(python, "-c", THREADS, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failures"] == []
    assert report["after"] == [3, 1]
    assert report["done"] == [300] * 8, "every thread made all its calls"
