"""Go programs shipped as wheels: every platform from here, run from an installed command."""

from __future__ import annotations

import shutil
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, clean_env, copy_project, make_venv, pip_install, run_build, run_python
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLE_CLI = REPO / "example-cli"
PLATFORMS = {
    "linux/amd64": "manylinux2014_x86_64.manylinux_2_17_x86_64.musllinux_1_1_x86_64",
    "linux/arm64": "manylinux2014_aarch64.manylinux_2_17_aarch64.musllinux_1_1_aarch64",
    "darwin/amd64": "macosx_13_0_x86_64",
    "darwin/arm64": "macosx_13_0_arm64",
    "windows/amd64": "win_amd64",
    "windows/arm64": "win_arm64",
}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("programs")
    project = copy_project(EXAMPLE_CLI, work)
    result = run_build(project, work / "out", "--target", "all")
    assert result.returncode == 0, result.stderr[-3000:]
    paths = [Path(line) for line in result.stdout.split()]
    return dict(zip(PLATFORMS, paths))


@pytest.mark.parametrize("target", list(PLATFORMS))
def test_one_wheel_per_target_with_its_tag(wheels: dict[str, Path], target: str) -> None:
    assert wheels[target].name == f"hello_cli-1.2.3-py3-none-{PLATFORMS[target]}.whl"
    contents = read_wheel(wheels[target])
    assert contents.unrecorded() == [] and contents.hash_mismatches() == []
    assert "Requires-Dist" not in contents.metadata, "a Go program needs no cffi"
    entry_points = zipfile.ZipFile(wheels[target]).read("hello_cli-1.2.3.dist-info/entry_points.txt").decode()
    assert "hellocli = hello_cli._binaries:run_hellocli" in entry_points


def binary(wheel: Path) -> tuple[bytes, int]:
    with zipfile.ZipFile(wheel) as archive:
        (info,) = [i for i in archive.infolist() if i.filename.startswith("hello_cli/bin/")]
        return archive.read(info), info.external_attr >> 16


@pytest.mark.parametrize(
    ("target", "machine"),
    [("linux/amd64", 62), ("linux/arm64", 183)],  # EM_X86_64, EM_AARCH64
)
def test_linux_binaries_are_static_elf_for_the_target(wheels: dict[str, Path], target: str, machine: int) -> None:
    data, mode = binary(wheels[target])
    assert data[:4] == b"\x7fELF" and struct.unpack_from("<H", data, 18)[0] == machine
    assert b"ld-linux" not in data[:4096], "static: no dynamic loader, so musllinux works too"
    assert mode & 0o111, "the executable bit is set in the wheel"


@pytest.mark.parametrize(("target", "cputype"), [("darwin/amd64", 0x01000007), ("darwin/arm64", 0x0100000C)])
def test_macos_binaries_are_macho_for_the_target(wheels: dict[str, Path], target: str, cputype: int) -> None:
    data, _ = binary(wheels[target])
    assert struct.unpack_from("<2I", data, 0) == (0xFEEDFACF, cputype)


@pytest.mark.parametrize(("target", "machine"), [("windows/amd64", 0x8664), ("windows/arm64", 0xAA64)])
def test_windows_binaries_are_pe_for_the_target(wheels: dict[str, Path], target: str, machine: int) -> None:
    data, _ = binary(wheels[target])
    assert data[:2] == b"MZ"
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe : pe + 4] == b"PE\0\0" and struct.unpack_from("<H", data, pe + 4)[0] == machine


@pytest.fixture(scope="module")
def venv(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    python = make_venv(tmp_path_factory.mktemp("cli-venv") / "venv")
    pip_install(python, str(wheels["linux/amd64"]))
    return python


def test_console_command_runs_with_stamped_version(venv: Path) -> None:
    out = subprocess.run([str(venv.parent / "hellocli"), "--version"], capture_output=True, text=True, env=clean_env())
    assert out.stdout.strip() == "hellocli 1.2.3 linux/amd64"


def test_arguments_pass_untouched_and_exit_codes_pass_through(venv: Path) -> None:
    command = [str(venv.parent / "hellocli"), "-exit", "7", "--", "-x", " two  spaces ", "ünï"]
    result = subprocess.run(command, capture_output=True, text=True, env=clean_env())
    assert result.returncode == 7
    assert result.stdout == "Hello, -x  two  spaces  ünï!\n"


def test_signals_reach_the_program(venv: Path) -> None:
    process = subprocess.Popen([str(venv.parent / "hellocli"), "-sleep", "30s"], env=clean_env())
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == -signal.SIGTERM, "the program itself got the signal"


def test_python_m_and_the_api(venv: Path, tmp_path: Path) -> None:
    assert run_python(venv, "-m", "hello_cli", "Ada", cwd=tmp_path).stdout == "Hello, Ada!\n"
    code = (
        "import hello_cli\n"
        "print(hello_cli.binary_path().name, hello_cli.PROGRAMS)\n"
        "result = hello_cli.run(['-exit', '3', 'API'], capture_output=True, text=True)\n"
        "print(result.returncode, result.stdout.strip())\n"
    )
    assert run_python(venv, "-c", code, cwd=tmp_path).stdout.splitlines() == ["hellocli ('hellocli',)", "3 Hello, API!"]


def test_works_when_imported_from_a_zip(venv: Path, tmp_path: Path) -> None:
    site = next(venv.parent.parent.glob("lib/python3.*/site-packages"))
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted((site / "hello_cli").rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                info = zipfile.ZipInfo(path.relative_to(site).as_posix())
                info.external_attr = (path.stat().st_mode & 0o777) << 16
                bundle.writestr(info, path.read_bytes())
    code = (
        f"import sys; sys.path.insert(0, {str(archive)!r})\n"
        "import hello_cli\n"
        "assert '.zip' in hello_cli.__file__\n"
        "print(hello_cli.run(['zipped'], capture_output=True, text=True).stdout.strip())\n"
    )
    env = {**clean_env()}
    result = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Hello, zipped!"


def test_arm64_program_runs_under_emulation(wheels: dict[str, Path], tmp_path: Path) -> None:
    qemu = shutil.which("qemu-aarch64-static")
    if qemu is None:
        setup = subprocess.run(
            ["bash", str(REPO / "tests" / "support" / "arm64-python.sh"), str(REPO / ".cache" / "arm64-root")]
        )
        assert setup.returncode == 0
        qemu = shutil.which("qemu-aarch64-static")
    assert qemu
    data, _ = binary(wheels["linux/arm64"])
    program = tmp_path / "hellocli"
    program.write_bytes(data)
    program.chmod(0o755)
    result = subprocess.run([qemu, str(program), "--version"], capture_output=True, text=True)
    assert result.stdout.strip() == "hellocli 1.2.3 linux/arm64"


def test_program_wheels_are_reproducible(tmp_path: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    built = []
    for folder in ("one", "two/deeper"):
        project = copy_project(EXAMPLE_CLI, tmp_path / folder)
        result = run_build(
            project, project.parent / "out", "--target", "linux/arm64", "--target", "darwin/arm64", env=env
        )
        assert result.returncode == 0, result.stderr[-2000:]
        built.append([Path(p) for p in result.stdout.split()])
    for first, second in zip(*built):
        assert first.name == second.name and first.read_bytes() == second.read_bytes()


def test_cgo_program_builds_through_zig_and_runs(tmp_path: Path) -> None:
    from conftest import PROJECTS

    project = copy_project(PROJECTS / "cgo_program", tmp_path)
    result = run_build(project, tmp_path / "out", "-v", "--target", "linux/amd64", "--target", "linux/arm64", "--zig")
    assert result.returncode == 0, result.stderr[-3000:]
    amd64, arm64 = (Path(p) for p in result.stdout.split())
    # cgo links glibc: manylinux2014 (zig pins glibc 2.17), and no musllinux tag.
    assert amd64.name == "cgo_tool-0.5.0-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
    assert arm64.name == "cgo_tool-0.5.0-py3-none-manylinux2014_aarch64.manylinux_2_17_aarch64.whl"
    assert "zig cc -target aarch64-linux-gnu.2.17" in result.stderr
    python = make_venv(tmp_path / "venv")
    pip_install(python, str(amd64))
    run = subprocess.run([str(python.parent / "cgotool"), "hello"], capture_output=True, text=True, env=clean_env())
    assert run.stdout.startswith("cgotool 0.5.0: strlen=5 glibc=2."), run.stdout + run.stderr
