"""Smoke test of an installed hello-go wheel: import it and call every function.

Run it with `python -I smoke.py` so that this folder's hello_go sources do not shadow the
installed package.
"""

import hashlib
import os
import sys
import tempfile

import hello_go
from hello_go import _native

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
print(f"checksum_files of {len(paths)} files matches hashlib")
print("smoke: ok")
