"""One build of a project's target at a time: the second waits, says so, then goes on; a lock
file left by a killed build blocks nobody (the lock is the kernel's, not the file)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from pygo_tools.util.lock import exclusive

WAITER = "from pathlib import Path; from pygo_tools.util.lock import exclusive\n"
WAITER += "with exclusive(Path({path!r}), 'proj for linux/amd64'):\n    print('got it', flush=True)\n"


def test_a_second_build_waits_with_a_message_then_proceeds(tmp_path: Path) -> None:
    lock = tmp_path / "build" / "linux-amd64" / ".pygo-lock"
    with exclusive(lock, "proj for linux/amd64"):
        waiter = subprocess.Popen(
            [sys.executable, "-c", WAITER.format(path=str(lock))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)
        assert waiter.poll() is None, "it waits while the first build holds the lock"
    out, err = waiter.communicate(timeout=30)
    assert waiter.returncode == 0
    assert err == "pygo-tools: waiting for another build of proj for linux/amd64 to finish\n"
    assert out == "got it\n"


def test_a_lock_file_left_behind_blocks_nobody(tmp_path: Path) -> None:
    lock = tmp_path / ".pygo-lock"
    lock.write_text("")  # as a build killed with SIGKILL leaves it
    done = subprocess.run([sys.executable, "-c", WAITER.format(path=str(lock))], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "got it\n", "")


def test_a_read_only_place_is_left_to_the_build_to_report(tmp_path: Path) -> None:
    with exclusive(Path("/proc/pygo-tools/build/.pygo-lock"), "proj"):
        pass  # no lock, no error here: the build's own first write fails clearly
