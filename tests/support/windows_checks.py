"""Run under CPython for Windows (Wine in the tests) after example/smoke.py: the parts that
only Windows can show. Prints one line per check; exits non-zero on the first failure."""

import _winapi
import ctypes
import hashlib
import os
import sys
import threading
from ctypes import wintypes

import hello_go
from hello_go import _native, api


class MemoryCounters(ctypes.Structure):
    _fields_ = [
        ("cb", wintypes.DWORD),
        ("PageFaultCount", wintypes.DWORD),
        ("PeakWorkingSetSize", ctypes.c_size_t),
        ("WorkingSetSize", ctypes.c_size_t),
        ("QuotaPeakPagedPoolUsage", ctypes.c_size_t),
        ("QuotaPagedPoolUsage", ctypes.c_size_t),
        ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t),
        ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
        ("PagefileUsage", ctypes.c_size_t),
        ("PeakPagefileUsage", ctypes.c_size_t),
        ("PrivateUsage", ctypes.c_size_t),
    ]


def private_bytes() -> int:
    counters = MemoryCounters()
    counters.cb = ctypes.sizeof(counters)
    kernel32 = ctypes.WinDLL("kernel32")
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    kernel32.K32GetProcessMemoryInfo.argtypes = [wintypes.HANDLE, ctypes.c_void_p, wintypes.DWORD]
    ok = kernel32.K32GetProcessMemoryInfo(kernel32.GetCurrentProcess(), ctypes.byref(counters), counters.cb)
    assert ok, "K32GetProcessMemoryInfo failed"
    # Committed private memory. (Wine 8 leaves PrivateUsage at 0; PagefileUsage is the same
    # figure on Windows.)
    return counters.PagefileUsage


def growth(call, times: int) -> int:
    before = private_bytes()
    for _ in range(times):
        call()
    return private_bytes() - before


print(f"windows: python {sys.version.split()[0]}, {sys.platform}, extension {os.path.basename(_native.__file__)}")

# Strings Go allocates are freed by the typed wrapper. 20,000 results of 10 KB: 200 MB if leaked.
# The control call takes the raw cffi function, whose result nobody frees: the counter must see it.
name = "a" * 10_000
kept = growth(lambda: _native.lib.Hello(name.encode(), 1), 20_000)
freed = growth(lambda: api.Hello(name, 1), 20_000)
print(f"windows: memory after 20000 10-KB results: unfreed +{kept >> 20} MB, typed wrapper +{freed >> 20} MB")
assert kept > 150 << 20, f"the leak control grew only {kept} bytes: the counter does not see C memory"
assert freed < 20 << 20, f"the typed wrapper leaked {freed} bytes"

# A Go panic is a Python exception, and the process goes on.
try:
    api.Hello("x", -1)
    raise AssertionError("expected GoPanic")
except api.GoPanic as error:
    print(f"windows: GoPanic: {error}")
assert api.Hello("after", 1) == "Hello, after!"

# Two threads in Go at once: one is inside ChecksumFiles, blocked reading a named pipe that only
# this thread can finish; meanwhile this thread calls Go itself.
pipe_name = rf"\\.\pipe\pygo-tools-{os.getpid()}"
PIPE_ACCESS_OUTBOUND, PIPE_TYPE_BYTE_WAIT = 0x2, 0x0  # winbase.h; _winapi names only some
pipe = _winapi.CreateNamedPipe(pipe_name, PIPE_ACCESS_OUTBOUND, PIPE_TYPE_BYTE_WAIT, 1, 1 << 16, 1 << 16, 0, 0)
result = {}
reader = threading.Thread(target=lambda: result.update(hello_go.checksum_files([pipe_name])))
reader.start()
try:
    _winapi.ConnectNamedPipe(pipe, False)  # returns once Go, in the other thread, has opened the pipe
except OSError as error:
    # ERROR_PIPE_CONNECTED: Go opened it before this call, "a good connection" (Win32's docs)
    if error.winerror != 535:
        raise
assert hello_go.hello("second thread", 1) == "Hello, second thread!"
assert hello_go.parse_size("2M") == 2 << 20
assert reader.is_alive(), "the first call must still be inside Go, waiting for the pipe"
payload = os.urandom(300_000)
_winapi.WriteFile(pipe, payload)
_winapi.CloseHandle(pipe)
reader.join(60)
assert not reader.is_alive()
assert result[pipe_name] == hashlib.sha256(payload).hexdigest(), result
print("windows: two threads in Go at once: ok")
print("windows: ok")
