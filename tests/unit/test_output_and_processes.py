"""Atomic wheel output, normalized modes, the artifact cache and stopping whole process groups."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from pygo_tools.errors import BuildError, CommandError, ConfigError
from pygo_tools.util import commands
from pygo_tools.util.cache import ArtifactCache, inputs_key
from pygo_tools.wheel.publish import PARTIAL_PREFIX, check_out_dir, publish_wheel, remove_partials


def make_wheel(path: Path, modes: dict[str, int]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, mode in modes.items():
            info = zipfile.ZipInfo(name, (2020, 1, 2, 3, 4, 6))
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, f"content of {name}")
    return path


def test_publish_normalizes_modes_and_keeps_content(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "a-1-py3-none-any.whl", {"a/x.py": 0o666, "a/bin/tool": 0o777, "a/lib.so": 0o700})
    final = publish_wheel(wheel, tmp_path / "out")
    with zipfile.ZipFile(final) as archive:
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        assert archive.read("a/x.py") == b"content of a/x.py"
        assert {i.date_time for i in archive.infolist()} == {(2020, 1, 2, 3, 4, 6)}
    assert modes == {"a/x.py": 0o644, "a/bin/tool": 0o755, "a/lib.so": 0o755}
    assert os.listdir(tmp_path / "out") == [final.name]


def test_publish_on_a_full_disk_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = make_wheel(tmp_path / "a-1-py3-none-any.whl", {"a/x.py": 0o644})
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / wheel.name).write_text("the previous wheel")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(BuildError, match="no space left on the device"):
        publish_wheel(wheel, tmp_path / "out")
    assert os.listdir(tmp_path / "out") == [wheel.name], "no partial file is left"
    assert (tmp_path / "out" / wheel.name).read_text() == "the previous wheel", "the old wheel is untouched"


def test_out_dir_checks(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        check_out_dir(tmp_path / "file")
    check_out_dir(tmp_path / "new" / "dir")
    assert (tmp_path / "new" / "dir").is_dir() and not list((tmp_path / "new" / "dir").iterdir())


def test_old_partials_are_removed_recent_ones_kept(tmp_path: Path) -> None:
    old = tmp_path / f"{PARTIAL_PREFIX}old.whl"
    new = tmp_path / f"{PARTIAL_PREFIX}new.whl"
    old.write_text("x")
    new.write_text("y")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    remove_partials(tmp_path)
    assert not old.exists() and new.exists()


def test_cache_reuses_intact_entries_and_rejects_damaged_ones(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    artifact = tmp_path / "ext.so"
    artifact.write_bytes(b"\x7fELF" + b"x" * 1000)
    key = inputs_key({"flags": ["-s"], "source": "abc"})
    assert key != inputs_key({"flags": [], "source": "abc"})
    cache.store(key, artifact)
    assert cache.fetch(key, tmp_path / "copy.so") and (tmp_path / "copy.so").read_bytes() == artifact.read_bytes()
    (tmp_path / "cache" / key).write_bytes(b"\x7fELF")  # truncated
    assert not cache.fetch(key, tmp_path / "again.so")
    assert not (tmp_path / "again.so").exists()


@pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")
def test_interrupt_stops_the_whole_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time;"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid));"
        "time.sleep(60)"
    )
    process = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + 10
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    commands.stop_group(process, grace=2)
    assert process.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)
    time.sleep(0.2)
    state = Path(f"/proc/{grandchild}/stat")
    assert not state.exists() or state.read_text().split()[2] == "Z", "the grandchild is gone too"


def test_run_reports_failure_with_output_and_removes_tool_temp_files(tmp_path: Path) -> None:
    script = "import os, sys; print(os.environ['TMPDIR'], os.environ['GOTMPDIR']); sys.exit(3)"
    with pytest.raises(CommandError) as info:
        commands.run([sys.executable, "-c", script], cwd=tmp_path)
    assert info.value.returncode == 3
    scratch, go_scratch = info.value.output.split()
    assert scratch == go_scratch and "pygo-tmp-" in scratch
    assert not Path(scratch).exists(), "the tool's temporary folder is removed"


def test_sigterm_becomes_keyboard_interrupt_inside_the_block() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), commands.terminate_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert signal.getsignal(signal.SIGTERM) is before
