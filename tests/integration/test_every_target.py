"""Every target from this one Linux machine: `--target all`, the setup.py route, and cgo
programs for Windows and macOS."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import macho_checks as checks
from conftest import EXAMPLE, PROJECTS, copy_project, run_build
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.cross, pytest.mark.slow]


def test_target_all_builds_the_extension_for_linux_macos_and_windows(example_wheels: dict[str, Path]) -> None:
    names = {target: wheel.name for target, wheel in example_wheels.items()}
    assert sorted(names) == [
        "darwin/amd64",
        "darwin/arm64",
        "linux/amd64",
        "linux/arm64",
        "windows/amd64",
        "windows/arm64",
    ]
    prefix = "hello_go-0.1.0-cp39-abi3-"
    assert re.fullmatch(prefix + r"manylinux_2_\d+_x86_64\.whl", names["linux/amd64"]), "the host's own gcc"
    assert names["linux/arm64"] == prefix + "manylinux2014_aarch64.manylinux_2_17_aarch64.whl"
    assert names["darwin/amd64"] == prefix + "macosx_13_0_x86_64.whl"
    assert names["darwin/arm64"] == prefix + "macosx_13_0_arm64.whl"
    assert names["windows/amd64"] == prefix + "win_amd64.whl"
    assert names["windows/arm64"] == prefix + "win_arm64.whl"
    for wheel in example_wheels.values():
        contents = read_wheel(wheel)
        assert contents.unrecorded() == [] and contents.hash_mismatches() == []
        assert "hello_go/api.py" in contents.names and "hello_go/api.pyi" in contents.names


def test_setup_py_takes_windows_and_macos_targets_from_the_environment(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    env = {**os.environ, "PYGO_TOOLS_TARGET": "windows/arm64,darwin/amd64"}
    result = subprocess.run(
        [sys.executable, "setup.py", "bdist_wheel"], cwd=project, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert sorted(p.name for p in (project / "dist").iterdir()) == [
        "hello_go-0.1.0-cp39-abi3-macosx_13_0_x86_64.whl",
        "hello_go-0.1.0-cp39-abi3-win_arm64.whl",
    ]


def test_unknown_target_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    result = run_build(project, tmp_path / "out", "--target", "windows/386")
    assert result.returncode == 2
    assert "pygo-tools: error: unknown target 'windows/386'" in result.stderr
    assert "known targets: linux/amd64, linux/arm64, darwin/amd64, darwin/arm64, windows/amd64, windows/arm64" in (
        result.stderr
    )


@pytest.fixture(scope="module")
def cgo_wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("cgo-programs")
    project = copy_project(PROJECTS / "cgo_program", work)
    # One architecture per system (the extension tests cover both): each cold target compiles Go's
    # standard library once more.
    targets = ["darwin/arm64", "windows/amd64"]
    result = run_build(project, work / "out", "-v", *(f"--target={t}" for t in targets))  # -v: the zig command
    assert result.returncode == 0, result.stderr[-3000:]
    assert "zig cc -target aarch64-macos.13.0" in result.stderr
    return dict(zip(targets, (Path(p) for p in result.stdout.split())))


def program(wheel: Path, tmp_path: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.startswith("cgo_tool/bin/")]
        path = tmp_path / Path(name).name
        path.write_bytes(archive.read(name))
    return path


@pytest.mark.parametrize(("target", "arch"), [("darwin/arm64", "arm64")])
def test_cgo_program_for_macos(cgo_wheels: dict[str, Path], target: str, arch: str, tmp_path: Path) -> None:
    assert cgo_wheels[target].name == f"cgo_tool-0.5.0-py3-none-macosx_13_0_{arch}.whl"
    binary = program(cgo_wheels[target], tmp_path)
    checks.check_cpu(binary, arch)
    assert checks.loaded_libraries(binary) == ["/usr/lib/libSystem.B.dylib", "/usr/lib/libresolv.9.dylib"]
    checks.check_indirect_symbols(binary)
    assert checks.build_version_minimum(binary) == (13, 0)
    if arch == "arm64":
        checks.check_signature(binary)


@pytest.mark.parametrize(("target", "machine"), [("windows/amd64", 0x8664)])
def test_cgo_program_for_windows(cgo_wheels: dict[str, Path], target: str, machine: int, tmp_path: Path) -> None:
    assert cgo_wheels[target].name == f"cgo_tool-0.5.0-py3-none-{target.replace('windows/', 'win_')}.whl"
    data = program(cgo_wheels[target], tmp_path).read_bytes()
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[:2] == b"MZ" and data[pe : pe + 4] == b"PE\0\0"
    assert struct.unpack_from("<H", data, pe + 4)[0] == machine
    assert struct.unpack_from("<H", data, pe + 24)[0] == 0x20B, "PE32+"


@pytest.mark.windows
def test_cgo_program_for_windows_runs_under_wine(cgo_wheels: dict[str, Path], tmp_path: Path) -> None:
    import wine

    wine.ensure_wine()
    wine.ensure_prefix()
    binary = program(cgo_wheels["windows/amd64"], tmp_path)
    result = subprocess.run(
        ["wine", str(binary), "héllo"], env=wine.wine_env(), stdout=subprocess.PIPE, text=True, timeout=300
    )
    assert result.stdout.strip() == "cgotool 0.5.0: strlen=6 glibc=none", result.stdout
