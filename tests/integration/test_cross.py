"""Wheels for linux/amd64 and linux/arm64 from this one machine, run on both (arm64 under qemu)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE, REPO, clean_env, copy_project, make_venv, pip_install, run_build, run_python
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.cross, pytest.mark.slow]

ARM64_ROOT = REPO / ".cache" / "arm64-root"
ELF_MACHINE = {"x86_64": 62, "aarch64": 183}  # e_machine: EM_X86_64, EM_AARCH64


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("cross")
    project = copy_project(EXAMPLE, work)
    result = run_build(project, work / "out", "--target", "linux/amd64", "--target", "linux/arm64", "--zig")
    assert result.returncode == 0, result.stderr[-4000:]
    paths = [Path(line) for line in result.stdout.split()]
    assert len(paths) == 2, result.stdout
    return {"x86_64": paths[0], "aarch64": paths[1]}


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_tag_is_manylinux2014(wheels: dict[str, Path], arch: str) -> None:
    assert wheels[arch].name == f"hello_go-0.1.0-cp39-abi3-manylinux2014_{arch}.manylinux_2_17_{arch}.whl"
    assert sorted(read_wheel(wheels[arch]).wheel_info.get_all("Tag")) == [
        f"cp39-abi3-manylinux2014_{arch}",
        f"cp39-abi3-manylinux_2_17_{arch}",
    ]


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_auditwheel_show_confirms_binaries_fit_the_tag(wheels: dict[str, Path], arch: str) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "auditwheel", "show", str(wheels[arch])], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r'consistent with the following platform tag:\s*"manylinux_2_(\d+)_' + arch, shown)
    assert match, shown
    assert int(match.group(1)) <= 17, f"binaries need glibc 2.{match.group(1)}, the tag claims 2.17"


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_binaries_are_for_the_target_architecture(wheels: dict[str, Path], arch: str, tmp_path: Path) -> None:
    import zipfile

    from elftools.elf.elffile import ELFFile

    with zipfile.ZipFile(wheels[arch]) as archive:
        archive.extractall(tmp_path)
    for binary in ("hello_go/_native.abi3.so", "hello_go/lib/libhello.so"):
        with (tmp_path / binary).open("rb") as handle:
            elf = ELFFile(handle)
            assert elf.header["e_machine"] == {62: "EM_X86_64", 183: "EM_AARCH64"}[ELF_MACHINE[arch]]
            assert elf.get_section_by_name(".symtab") is None, f"{binary} is not stripped"


def test_amd64_wheel_runs_here(wheels: dict[str, Path], tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    pip_install(python, str(wheels["x86_64"]))
    result = run_python(python, str(EXAMPLE / "smoke.py"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke: ok" in result.stdout


@pytest.fixture(scope="module")
def arm64_python() -> list[str]:
    """qemu + Debian's arm64 CPython 3.11, prepared once and cached in .cache/arm64-root."""
    script = REPO / "tests" / "support" / "arm64-python.sh"
    setup = subprocess.run(["bash", str(script), str(ARM64_ROOT)], capture_output=True, text=True, check=False)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return ["qemu-aarch64-static", "-L", str(ARM64_ROOT), str(ARM64_ROOT / "usr" / "bin" / "python3.11")]


def test_arm64_wheel_runs_under_emulation(wheels: dict[str, Path], arm64_python: list[str], tmp_path: Path) -> None:
    site = tmp_path / "site"
    # pip resolves for the arm64 interpreter: our wheel plus cffi's aarch64 wheel from PyPI.
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(site), "--only-binary=:all:"]
    pip += ["--platform", "manylinux2014_aarch64", "--python-version", "3.11", "--implementation", "cp"]
    subprocess.run([*pip, str(wheels["aarch64"])], check=True, env=clean_env())
    env = {**clean_env(), "PYTHONPATH": str(site)}
    assert "LD_LIBRARY_PATH" not in env
    # -P: do not put smoke.py's folder (the example sources) first on sys.path.
    result = subprocess.run(
        [*arm64_python, "-P", str(EXAMPLE / "smoke.py")], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"extension {site}/hello_go/_native.abi3.so" in result.stdout
    assert "Hello, World! Hello, World!" in result.stdout
    assert "smoke: ok" in result.stdout
    machine = subprocess.run(
        [*arm64_python, "-c", "import platform; print(platform.machine())"], env=env, capture_output=True, text=True
    )
    assert machine.stdout.strip() == "aarch64"


def test_setup_py_takes_comma_separated_targets_from_the_environment(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    env = {**os.environ, "PYGO_TOOLS_TARGET": "linux/arm64,linux/amd64", "PYGO_TOOLS_ZIG": "1"}
    result = subprocess.run(
        [sys.executable, "setup.py", "bdist_wheel"], cwd=project, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-4000:]
    names = sorted(p.name for p in (project / "dist").iterdir())
    assert names == [
        "hello_go-0.1.0-cp39-abi3-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
        "hello_go-0.1.0-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    ]
    assert sorted(p.name for p in (project / "build").iterdir()) == ["linux-amd64", "linux-arm64"]
