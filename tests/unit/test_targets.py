from __future__ import annotations

import platform
import sys

import pytest

from pygo_tools.errors import ConfigError
from pygo_tools.targets import TARGETS, host_target, parse_target


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
