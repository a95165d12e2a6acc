"""A build gives a correct wheel or a clear error, and leaves nothing half-done behind.

Interrupted builds stop their tools and leave no wheel; output lands whole or not at all;
changed settings rebuild; wheel entries have sane modes whatever the umask; a symlinked Go
folder works; declarations are checked by type.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import EXAMPLE, PROJECTS, copy_project, make_venv, pip_install, run_build, run_python

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def wheels_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.whl")) if folder.exists() else []


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that mention ``text`` (their project path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if text in cmdline or cwd.startswith(text):
            found.append(cmdline)
    return found


def wait_for_line(process: subprocess.Popen[str], marker: str, timeout: float = 300) -> list[str]:
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError(f"never saw {marker!r}:\n" + "".join(lines[-40:]))


def gone(text: str, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not processes_mentioning(text):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def tmpdir_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    temp = tmp_path / "tmp"
    temp.mkdir()
    yield {**os.environ, "TMPDIR": str(temp)}


def test_out_naming_a_file_fails_before_building(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    (tmp_path / "out").write_text("not a folder")
    result = run_build(project, tmp_path / "out")
    assert result.returncode == 2
    assert f"pygo-tools: error: --out {tmp_path / 'out'}: is a file, not a folder" in result.stderr
    assert "go build" not in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "out").read_text() == "not a folder"


def test_out_in_a_place_nobody_can_write_fails_before_building(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    result = run_build(project, Path("/proc/pygo-tools-out"))
    assert result.returncode == 2
    assert "pygo-tools: error: --out /proc/pygo-tools-out: cannot write there" in result.stderr
    assert "go build" not in result.stderr and "Traceback" not in result.stderr


def test_full_disk_leaves_no_truncated_wheel(tmp_path: Path) -> None:
    out = tmp_path / "small"
    out.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(out)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs to fill up here: {mounted.stderr.decode().strip()}")
    try:
        project = copy_project(EXAMPLE, tmp_path)
        result = run_build(project, out)
        assert result.returncode == 1, result.stderr[-2000:]
        assert "no space left on the device" in result.stderr
        assert "Traceback" not in result.stderr
        assert list(out.iterdir()) == [], "neither a truncated wheel nor a partial file is left"
    finally:
        subprocess.run(["umount", str(out)], check=True)


def test_interrupting_pygo_tools_stops_the_backend_and_cleans_up(tmp_path: Path, tmpdir_env: dict[str, str]) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "pygo_tools", "build", str(project), "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**tmpdir_env, "PYGO_TOOLS_VERBOSE": "1"},  # verbose: each step's start is printed
    )
    wait_for_line(process, "▸ config")  # the backend process is running now
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr[-2000:]
    assert "pygo-tools: interrupted" in stderr
    assert gone(str(project)), processes_mentioning(str(project))
    assert wheels_in(tmp_path / "out") == [] and wheels_in(project) == []
    assert list(Path(tmpdir_env["TMPDIR"]).iterdir()) == [], "temporary folders are removed"


def test_killing_setup_py_during_repair_leaves_no_wheel_in_dist(tmp_path: Path, tmpdir_env: dict[str, str]) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    command = [sys.executable, "setup.py", "bdist_wheel"]
    process = subprocess.Popen(
        command,
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**tmpdir_env, "PYGO_TOOLS_VERBOSE": "1"},  # verbose: each step's start is printed
    )
    wait_for_line(process, "▸ repair wheel")
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode != 0
    assert gone(str(project))
    assert wheels_in(project / "dist") == [], "no unrepaired linux_x86_64 wheel is left in dist/"
    again = subprocess.run(command, cwd=project, capture_output=True, text=True, env=tmpdir_env)
    assert again.returncode == 0, again.stderr[-3000:]
    names = wheels_in(project / "dist")
    assert len(names) == 1 and "manylinux" in names[0], names


EXTENSION_REUSED = re.compile(r"cffi compile hello_go\._native \d+\.\ds \(unchanged\)")


def extension_of(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read("hello_go/_native.abi3.so")


def set_config(project: Path, **changes: object) -> None:
    path = project / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_changed_settings_rebuild_and_damaged_artifacts_are_not_trusted(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    first = run_build(project, tmp_path / "1")
    assert first.returncode == 0, first.stderr[-3000:]
    stripped = extension_of(Path(first.stdout.split()[-1]))

    same = run_build(project, tmp_path / "2")
    assert same.returncode == 0 and EXTENSION_REUSED.search(same.stderr)

    set_config(project, strip=False)
    unstripped = run_build(project, tmp_path / "3")
    assert unstripped.returncode == 0, unstripped.stderr[-3000:]
    assert not EXTENSION_REUSED.search(unstripped.stderr)
    assert len(extension_of(Path(unstripped.stdout.split()[-1]))) > len(stripped), "strip=false reached the extension"

    set_config(project, strip=True, limited_api="3.10")
    newer = run_build(project, tmp_path / "4")
    assert newer.returncode == 0, newer.stderr[-3000:]
    assert "-cp310-abi3-" in newer.stdout and not EXTENSION_REUSED.search(newer.stderr)

    for entry in (project / "build").rglob("extension-cache/*"):
        if not entry.name.endswith(".sha256"):
            entry.write_bytes(entry.read_bytes()[:100])  # truncated by a crash or a full disk
    damaged = run_build(project, tmp_path / "5")
    assert damaged.returncode == 0, damaged.stderr[-3000:]
    assert not EXTENSION_REUSED.search(damaged.stderr)


def test_wheel_entries_are_0644_or_0755_under_umask_000(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    script = "import os, runpy; os.umask(0); runpy.run_module('pygo_tools', run_name='__main__')"
    result = subprocess.run(
        [sys.executable, "-c", script, "build", str(project), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    wheel = Path(result.stdout.split()[-1])
    with zipfile.ZipFile(wheel) as archive:
        modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in archive.infolist()}
    assert set(modes.values()) <= {0o644, 0o755}, modes
    assert modes["hello_go/_native.abi3.so"] == 0o755, "the linker made it executable; that is kept"
    assert modes["hello_go/api.py"] == 0o644
    assert os.stat(wheel).st_mode & 0o777 == 0o644


def test_symlinked_go_folder_builds_a_working_typed_module(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    real = tmp_path / "go-sources"
    (project / "hello_go" / "go").rename(real)
    (project / "hello_go" / "go").symlink_to(real)
    result = run_build(project, tmp_path / "out")
    assert result.returncode == 0, result.stderr[-3000:]
    python = make_venv(tmp_path / "venv")
    pip_install(python, result.stdout.split()[-1])
    called = run_python(
        python, "-c", "from hello_go import api; print(api.ParseSize('4k'), api.Hello('Go', 2))", cwd=tmp_path
    )
    assert called.returncode == 0, called.stderr
    assert called.stdout.split("\n")[0] == "4096 Hello, Go! Hello, Go!"


def test_signatures_are_checked_by_type(tmp_path: Path) -> None:
    project = copy_project(PROJECTS / "missing_export", tmp_path)
    set_config(project, signatures=["int Twice(char* x);"])
    before = hashlib.sha256((project / "config.json").read_bytes()).hexdigest()
    result = run_build(project, tmp_path / "out")
    assert result.returncode == 1
    assert (
        "config.json: signatures[0]: 'int Twice(char* x);' does not match Go's declaration 'GoInt32 Twice(GoInt32 x);'"
        in result.stderr
        or "config.json: signatures[0]: 'int Twice(char* x);' does not match Go's declaration 'int Twice(int x);'"
        in result.stderr
    ), result.stderr[-2000:]
    assert "yours is int(*)(char *), Go's is int(*)(int)" in result.stderr
    assert wheels_in(tmp_path) == []
    assert hashlib.sha256((project / "config.json").read_bytes()).hexdigest() == before


def go_build_ran(log: str) -> bool:
    return re.search(r"✓ go build linux/amd64 \d+\.\ds$", log, re.MULTILINE) is not None


def test_rebuilds_reuse_only_what_is_unchanged(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    first = run_build(project, tmp_path / "1", env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    same = run_build(project, tmp_path / "2", "-v", env=env)  # -v: auditwheel's line
    assert same.returncode == 0, same.stderr[-3000:]
    for step in ("go build linux/amd64", "cffi compile hello_go._native"):
        assert re.search(rf"✓ {re.escape(step)} \d+\.\ds \(unchanged\)", same.stderr), step
    assert "auditwheel: binaries unchanged since it said manylinux_" in same.stderr
    one, two = Path(first.stdout.strip()), Path(same.stdout.strip())
    assert one.name == two.name and one.read_bytes() == two.read_bytes(), "reuse gives the same wheel"

    source = project / "hello_go" / "go" / "hello.go"
    source.write_text(source.read_text().replace('"Hello, "', '"Ahoy, "'))
    edited = run_build(project, tmp_path / "3", env=env)
    assert edited.returncode == 0, edited.stderr[-3000:]
    assert go_build_ran(edited.stderr)
    library = next((project / "build").rglob("go/libhello.so"))
    library.write_bytes(library.read_bytes()[:1000])  # damaged, as by a crash
    damaged = run_build(project, tmp_path / "4", env=env)
    assert damaged.returncode == 0, damaged.stderr[-3000:]
    assert go_build_ran(damaged.stderr), "a damaged library is rebuilt"
    python = make_venv(tmp_path / "venv")
    pip_install(python, damaged.stdout.strip())
    greeting = run_python(python, "-c", "import hello_go; print(hello_go.hello('Go'))", cwd=tmp_path)
    assert greeting.stdout.strip() == "Ahoy, Go!", greeting.stderr


def test_a_first_build_and_a_rebuild_give_the_same_wheel(tmp_path: Path) -> None:
    """The first build asks auditwheel; a rebuild reuses its remembered verdict. Both retag the
    wheel setuptools wrote the same way, so the same source gives the same bytes either way."""
    project = copy_project(PROJECTS / "legacy_018", tmp_path)
    env = {"SOURCE_DATE_EPOCH": "1700000000", "PYGO_TOOLS_CACHE": str(tmp_path / "fresh-cache")}
    first = run_build(project, tmp_path / "first", env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert list((tmp_path / "fresh-cache" / "auditwheel").iterdir()), "auditwheel ran and its verdict is kept"
    second = run_build(project, tmp_path / "second", "-v", env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "auditwheel: binaries unchanged since it said manylinux_2_" in second.stderr
    (one,), (two,) = (tmp_path / "first").glob("*.whl"), (tmp_path / "second").glob("*.whl")
    assert one.name == two.name and one.read_bytes() == two.read_bytes()
