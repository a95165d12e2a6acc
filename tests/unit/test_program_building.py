from __future__ import annotations

import struct
from pathlib import Path

import pytest

from conftest import write_config
from pygo_tools.errors import BuildError, ConfigError
from pygo_tools.platforms import TARGETS, Target
from pygo_tools.platforms.macos import macos_minimum
from pygo_tools.steps.config import Executable
from pygo_tools.steps.programs import binaries_module, console_scripts, go_build_program_command
from pygo_tools.steps.toolchain import GoToolchain


def macho(path: Path, command: int, version: int) -> Path:
    """A minimal 64-bit Mach-O file with one load command carrying a minimum version."""
    if command == 0x32:  # LC_BUILD_VERSION: platform, minos, sdk, ntools
        load = struct.pack("<6I", command, 24, 1, version, version, 0)
    else:  # LC_VERSION_MIN_MACOSX: version, sdk
        load = struct.pack("<4I", command, 16, version, version)
    header = struct.pack("<8I", 0xFEEDFACF, 0x0100000C, 0, 2, 1, len(load), 0, 0)
    path.write_bytes(header + load)
    return path


def test_macos_minimum_from_build_version(tmp_path: Path) -> None:
    assert macos_minimum(macho(tmp_path / "a", 0x32, (13 << 16) | (1 << 8))) == (13, 1)


def test_macos_minimum_from_the_older_command(tmp_path: Path) -> None:
    assert macos_minimum(macho(tmp_path / "a", 0x24, (10 << 16) | (15 << 8))) == (10, 15)


def test_not_macho_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "elf").write_bytes(b"\x7fELF" + bytes(60))
    with pytest.raises(BuildError, match="not a 64-bit Mach-O"):
        macos_minimum(tmp_path / "elf")


def platform_tags(target: Target, binaries: list[Path], cgo: bool) -> str:
    return target.platform.program_platform_tag(target, binaries, cgo)


def test_platform_tags(tmp_path: Path) -> None:
    assert platform_tags(TARGETS["linux/arm64"], [], cgo=False).endswith("musllinux_1_1_aarch64")
    assert "musllinux" not in platform_tags(TARGETS["linux/amd64"], [], cgo=True), "cgo links glibc"
    binary = macho(tmp_path / "m", 0x32, 13 << 16)
    assert platform_tags(TARGETS["darwin/arm64"], [binary], cgo=False) == "macosx_13_0_arm64"
    assert platform_tags(TARGETS["windows/arm64"], [], cgo=False) == "win_arm64"


def test_build_command_stamps_the_version() -> None:
    program = Executable("tool", "./cmd/tool", "main.version", "-X main.commit=abc", ("netgo",))
    command = go_build_program_command(program, GoToolchain(Path("/go"), (1, 27), "t"), Path("/out/tool"), "1.2.3")
    assert command == [
        "/go",
        "build",
        "-trimpath",
        "-buildvcs=false",
        "-ldflags=-s -w -X main.version=1.2.3 -X main.commit=abc",
        "-tags=netgo",
        "-o",
        "/out/tool",
        "./cmd/tool",
    ]


def test_programs_only_config(tmp_path: Path) -> None:
    config = write_config(tmp_path, extension="", library="", signatures=[], executables=[{"name": "a-tool"}])
    assert not config.has_extension
    assert console_scripts(config) == ["a-tool = myproj._binaries:run_a_tool"]
    compile(binaries_module(config), "_binaries.py", "exec")


@pytest.mark.parametrize(
    ("executables", "message"),
    [
        ([{"nme": "x"}], r"executables\[0\]: unknown key 'nme'; did you mean 'name'\?"),
        ([{"path": "."}], r"executables\[0\]: missing required key 'name'"),
        ([{"name": "x", "cgo": "no"}], r"executables\[0\]\.cgo: expected true or false"),
        ([{"name": "x"}, {"name": "x"}], r"executables: x is listed twice"),
        ("x", r"executables: expected a list of tables"),
    ],
)
def test_executables_validation(tmp_path: Path, executables: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        write_config(tmp_path, extension="", library="", signatures=[], executables=executables)


def test_extension_and_library_go_together(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="library: missing or empty: 'extension' and 'library' go together"):
        write_config(tmp_path, library="", signatures=[], executables=[{"name": "x"}])
