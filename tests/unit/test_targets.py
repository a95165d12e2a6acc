from __future__ import annotations

import platform
import sys
from pathlib import Path

import pytest

from pygo_tools.errors import ConfigError
from pygo_tools.platforms import TARGETS, Target, host_target, parse_target


def test_host_target_matches_interpreter() -> None:
    host = host_target()
    assert host.host
    assert host.goos == {"linux": "linux", "darwin": "darwin", "win32": "windows"}[sys.platform]
    assert host.wheel_arch in platform.machine().lower() or platform.machine().lower() in ("amd64", "arm64")


def test_linux_targets_map_to_wheel_platforms_and_glibc_217() -> None:
    amd64, arm64 = TARGETS["linux/amd64"], TARGETS["linux/arm64"]
    assert amd64.unrepaired_platform_tag == "linux_x86_64"
    assert arm64.unrepaired_platform_tag == "linux_aarch64"
    assert amd64.zig_target == "x86_64-linux-gnu.2.17"
    assert arm64.zig_target == "aarch64-linux-gnu.2.17"
    assert amd64.library_suffix == ".so" and amd64.rpath_origin == "$ORIGIN"


def test_darwin_and_windows_entries() -> None:
    assert TARGETS["darwin/arm64"].library_suffix == ".dylib"
    assert TARGETS["darwin/arm64"].rpath_origin == "@loader_path"
    assert TARGETS["darwin/arm64"].unrepaired_platform_tag.endswith("_arm64")
    assert TARGETS["windows/amd64"].unrepaired_platform_tag == "win_amd64"


def test_parse_target_is_case_insensitive_and_marks_host() -> None:
    host = host_target()
    assert parse_target(host.name.upper()) == host
    other = next(t for t in TARGETS.values() if t.name != host.name)
    assert not parse_target(other.name).host


def test_unknown_target_lists_known_ones() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown target 'linux/riscv64'\n  hint: known targets: linux/amd64, linux/arm64"
    ):
        parse_target("linux/riscv64")


def test_slug_is_file_name_safe() -> None:
    assert TARGETS["linux/arm64"].slug == "linux-arm64"


def requested_targets(names: list[str] | None = None) -> tuple[Target, ...]:
    from pygo_tools.options import from_choices

    return from_choices(names, None).targets


def test_requested_targets_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGO_TOOLS_TARGET", "linux/arm64, linux/amd64,linux/arm64")
    monkeypatch.delenv("PYGO_TOOLS_ZIG", raising=False)
    assert [t.name for t in requested_targets()] == ["linux/arm64", "linux/amd64"]
    assert [t.name for t in requested_targets(["linux/amd64"])] == ["linux/amd64"], "flags win over the env"


def test_requested_targets_default_to_host_and_zig_only_marks_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYGO_TOOLS_TARGET", raising=False)
    monkeypatch.delenv("PYGO_TOOLS_ZIG", raising=False)
    (host,) = requested_targets()
    assert host.host and not host.uses_zig and host.manylinux_floor is None
    monkeypatch.setenv("PYGO_TOOLS_ZIG", "1")
    (zig_host,) = requested_targets()
    assert zig_host.uses_zig
    other = next(t for t in TARGETS.values() if t.name != host.name)
    assert other.uses_zig and not other.zig, "cross targets always use zig"


def test_manylinux_floor_for_zig_builds() -> None:
    assert TARGETS["linux/arm64"].manylinux_floor == "manylinux_2_17_aarch64"
    assert TARGETS["darwin/arm64"].manylinux_floor is None


def test_extensions_cross_compile_from_linux_to_every_target_programs_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import write_config
    from pygo_tools.errors import BuildError
    from pygo_tools.pipeline import check_buildable
    from pygo_tools.platforms import targets

    extension = write_config(tmp_path)
    monkeypatch.setattr(targets.sys, "platform", "linux")
    for target in TARGETS.values():
        if not target.universal:  # it needs a typed module (tests/unit/test_universal_target.py)
            check_buildable(target, extension)  # no error
    monkeypatch.setattr(targets.sys, "platform", "darwin")
    with pytest.raises(
        BuildError,
        match=r"cannot build the extension for windows/amd64 on this machine\n  hint: cross-compiling extensions "
        r"works from Linux \(to Linux, macOS and Windows\); build windows/amd64 wheels on Linux or on windows",
    ):
        check_buildable(TARGETS["windows/amd64"], extension)
    (tmp_path / "config.json").unlink()
    programs = write_config(tmp_path, extension="", library="", signatures=[], executables=[{"name": "tool"}])
    check_buildable(TARGETS["darwin/arm64"], programs)
    check_buildable(TARGETS["windows/amd64"], programs)


def test_c_targets_machines_and_macos_version() -> None:
    from dataclasses import replace

    darwin = TARGETS["darwin/arm64"]
    assert darwin.c_target == "aarch64-macos", "no version until the Go toolchain is known"
    assert replace(darwin, os_version="13.0").c_target == "aarch64-macos.13.0"
    from pygo_tools.platforms import macos, windows

    assert macos._MACHO_CPUTYPE == {"amd64": 0x01000007, "arm64": 0x0100000C}
    assert windows._PE_MACHINE == {"amd64": 0x8664, "arm64": 0xAA64}
    assert windows._DLLTOOL_MACHINE["arm64"] == "arm64"
    assert TARGETS["windows/arm64"].c_target == "aarch64-windows-gnu"
    assert TARGETS["windows/arm64"].unrepaired_platform_tag == "win_arm64"


def test_zig_missing_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from pygo_tools.errors import ToolNotFoundError
    from pygo_tools.steps import toolchain

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ziglang" else real(name, *a))
    with pytest.raises(ToolNotFoundError, match=r"hint: `pip install ziglang`"):
        toolchain.find_zig()
