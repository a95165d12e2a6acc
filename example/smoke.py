"""Smoke test of an installed hello-go wheel: import it and call every function.

Run it with `python -I smoke.py` so that this folder's hello_go sources do not shadow the
installed package.
"""

import hashlib
import os
import sys
import tempfile

import hello_go
from hello_go import _native, api

assert "LD_LIBRARY_PATH" not in os.environ, "run me without LD_LIBRARY_PATH"
print(f"python {sys.version.split()[0]}, extension {_native.__file__}")

greeting = hello_go.hello("World", 2)
print(greeting)
assert greeting == "Hello, World! Hello, World!", greeting

data = os.urandom(1 << 20)
assert hello_go.sha256(data) == hashlib.sha256(data).hexdigest()
assert hello_go.sha256(b"") == hashlib.sha256(b"").hexdigest()
print("sha256 of 1 MiB matches hashlib")

with tempfile.TemporaryDirectory() as folder:
    paths = []
    for index in range(8):
        path = os.path.join(folder, f"file{index}.bin")
        with open(path, "wb") as handle:
            handle.write(os.urandom(1000 + index))
        paths.append(path)
    sums = hello_go.checksum_files(paths)
    for path in paths:
        with open(path, "rb") as handle:
            assert sums[path] == hashlib.sha256(handle.read()).hexdigest()
    try:
        hello_go.checksum_files([*paths, os.path.join(folder, "missing.bin")])
        raise AssertionError("expected OSError")
    except OSError as error:
        print(f"OSError: {error}")
print(f"checksum_files of {len(paths)} files matches hashlib")
chunks = [os.urandom(n) for n in (0, 1, 1000, 70000)]
assert hello_go.sha256_stream(chunks) == hashlib.sha256(b"".join(chunks)).hexdigest()
with api.NewHasher() as hasher:
    assert hasher.Write(b"abc") == 3
try:
    hasher.HexDigest()
    raise AssertionError("expected ValueError: the with block released the Go object")
except ValueError:
    pass
print("sha256_stream (a Go object with methods) matches hashlib")

with tempfile.TemporaryDirectory() as folder:
    text = os.path.join(folder, "lines.txt")
    with open(text, "w") as handle:
        handle.write("".join(f"line {i}\n" for i in range(10_000)))
    assert list(hello_go.lines(text))[::5000] == ["line 0", "line 5000"]
    for line in hello_go.lines(text):
        if line == "line 2":
            break  # Go stops reading, and closes the file
    try:
        hello_go.lines(os.path.join(folder, "missing.txt"))
        raise AssertionError("expected OSError")
    except OSError as error:
        print(f"OSError: {error}")
print("lines (a Go iter.Seq) of 10,000 lines, and a loop that stops early")
assert hello_go.parse_size("4k") == 4096
try:
    api.ParseSize("lots")
    raise AssertionError("expected GoError")
except api.GoError as error:
    print(f"GoError: {error}")
try:
    api.Hello("x", -1)  # make() with a negative capacity: a Go runtime panic
    raise AssertionError("expected GoPanic")
except api.GoPanic as error:
    print(f"GoPanic: {error}")
assert api.Hello("still", 1) == "Hello, still!", "the process survives a Go panic"
print("smoke: ok")
