"""Per-call cost of a Go export through pygo-tools, against the alternatives, in one run.

Cases: no arguments; two ints; a 16-byte string in and a string out (freed). Paths:
pygo-tools' generated typed module (panic-checked, the default); the same module's raw cffi
`lib`; the same functions in plain C through cffi API mode (the floor); ctypes and cffi ABI
mode on the same Go library; and a Go executable run per call with subprocess.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import PROJECT, env, go_binary, install_project, machine, per_call_ns, table, targets

C_FLOOR = """
#include <stdlib.h>
#include <string.h>
static void noop(void) {}
static int add(int a, int b) { return a + b; }
static char *echo(const char *s) { return strdup(s); }
"""
DECLARATIONS = "void noop(void); int add(int a, int b); char *echo(const char *s); void free(void *);"
TEXT = "0123456789abcdef"


def c_floor(directory: Path) -> object:
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(DECLARATIONS)
    ffi.set_source("_bench_c_floor", C_FLOOR)
    ffi.compile(tmpdir=str(directory), verbose=False)
    sys.path.insert(0, str(directory))
    import _bench_c_floor

    return _bench_c_floor


def round_trip(
    echo: Callable[[bytes], Any], to_bytes: Callable[[Any], bytes], free: Callable[[Any], object]
) -> Callable[[], str]:
    """The string case for every baseline, done the same way: encode, call, copy out, free."""

    def call() -> str:
        pointer = echo(TEXT.encode("utf-8"))
        try:
            return to_bytes(pointer).decode()
        finally:
            free(pointer)

    return call


def main() -> None:
    site = install_project()
    sys.path.insert(0, str(site))
    from benchgo import _native, api

    library = next((site / "benchgo" / "lib").glob("libbenchgo.*"))

    with tempfile.TemporaryDirectory() as temp:
        floor = c_floor(Path(temp))
        f_ffi, f_lib = floor.ffi, floor.lib

        raw_ffi, raw = _native.ffi, _native.lib
        floor_echo = round_trip(f_lib.echo, f_ffi.string, f_lib.free)
        raw_echo = round_trip(raw.Echo, raw_ffi.string, raw.free)

        go = ctypes.CDLL(str(library))
        libc = ctypes.CDLL(None)
        go.Add.argtypes = [ctypes.c_int, ctypes.c_int]
        go.Add.restype = ctypes.c_int
        go.Echo.argtypes = [ctypes.c_char_p]
        go.Echo.restype = ctypes.c_void_p
        libc.free.argtypes = [ctypes.c_void_p]
        ctypes_echo = round_trip(go.Echo, ctypes.string_at, libc.free)

        import cffi

        abi_ffi = cffi.FFI()
        abi_ffi.cdef("void Noop(void); int Add(int a, int b); char *Echo(char *s); void free(void *);")
        abi = abi_ffi.dlopen(str(library))
        abi_libc = abi_ffi.dlopen(None)
        abi_echo = round_trip(abi.Echo, abi_ffi.string, abi_libc.free)

        executable = Path(temp) / "benchcli"
        subprocess.run(
            [str(go_binary()), "build", "-o", str(executable), "."], cwd=PROJECT / "cmd", check=True, env=env()
        )

        paths = {
            "pygo-tools typed module": (api.Noop, lambda: api.Add(1, 2), lambda: api.Echo(TEXT)),
            "pygo-tools raw lib": (raw.Noop, lambda: raw.Add(1, 2), raw_echo),
            "plain C, cffi API (floor)": (f_lib.noop, lambda: f_lib.add(1, 2), floor_echo),
            "ctypes on the Go library": (go.Noop, lambda: go.Add(1, 2), ctypes_echo),
            "cffi ABI on the Go library": (abi.Noop, lambda: abi.Add(1, 2), abi_echo),
            "Go executable per call": (
                lambda: subprocess.run([str(executable), "noop"], check=True),
                lambda: subprocess.run([str(executable), "add", "1", "2"], check=True, capture_output=True),
                lambda: subprocess.run(
                    [str(executable), "echo", TEXT], check=True, capture_output=True
                ).stdout.decode(),
            ),
        }
        assert api.Echo(TEXT) == raw_echo() == floor_echo() == ctypes_echo() == abi_echo() == TEXT
        # Round-robin: each round samples every path, so all ratios come from the same moments
        # of this shared, noisy machine; the best round of each is reported (timeit's advice:
        # other processes only ever add time, so the minimum is the cost of the call itself).
        samples: dict[str, list[list[float]]] = {name: [[], [], []] for name in paths}
        for _ in range(15):
            for name, calls in paths.items():
                slow = name.startswith("Go executable")
                for index, call in enumerate(calls):
                    samples[name][index].append(per_call_ns(call, 30 if slow else 100_000, repeat=1))
        results = {name: [min(values) for values in cases] for name, cases in samples.items()}

    floor_ns = results["plain C, cffi API (floor)"]
    rows = []
    for name, values in results.items():
        cells = [f"{ns:,.0f} ns ({ns / base:.2f}×)" for ns, base in zip(values, floor_ns)]
        rows.append([name, *cells])
    print(f"### Per-call cost ({machine()})\n")
    print(
        "Time per call, best of 15 interleaved rounds of 100,000 calls; in brackets, the ratio to "
        "plain C through cffi API mode.\n"
    )
    print(table(["path", "no arguments", "two ints", "string in, string out (freed)"], rows))
    ctypes_ns, abi_ns = results["ctypes on the Go library"], results["cffi ABI on the Go library"]
    ours, raw = results["pygo-tools typed module"], results["pygo-tools raw lib"]
    cases = ("no arguments", "two ints", "string round trip")
    goals: list[tuple[str, bool, str]] = [
        (f"typed call at most 1.25× the raw lib call: {case}", o / r <= 1.25, f"{o / r:.2f}×")
        for case, o, r in zip(cases, ours, raw)
    ]
    goals += [
        (
            "typed no-arg call within 1.7× of the plain-C floor",
            ours[0] / floor_ns[0] <= 1.7,
            f"{ours[0] / floor_ns[0]:.2f}×",
        ),
        (
            "typed string round trip within 2.0× of the floor",
            ours[2] / floor_ns[2] <= 2.0,
            f"{ours[2] / floor_ns[2]:.2f}×",
        ),
        (
            "typed call faster than ctypes and cffi ABI mode in every case",
            all(o < min(c, a) for o, c, a in zip(ours, ctypes_ns, abi_ns)),
            ", ".join(f"{o:,.0f} vs {min(c, a):,.0f} ns" for o, c, a in zip(ours, ctypes_ns, abi_ns)),
        ),
    ]
    print(targets(*goals))


if __name__ == "__main__":
    main()
