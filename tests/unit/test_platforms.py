"""The per-OS pieces: Go link flags, the minimum macOS, import libraries, file names."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import write_config
from pygo_tools.errors import BuildError, CommandError, ConfigError
from pygo_tools.platforms import ABI3T, TARGETS, Target, base, windows
from pygo_tools.platforms import macos as darwin
from pygo_tools.platforms.abi import version_specific
from pygo_tools.platforms.macos import macos_platform_tag
from pygo_tools.platforms.stable_abi import names_at
from pygo_tools.steps.config import Config
from pygo_tools.steps.toolchain import GoToolchain


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return write_config(tmp_path)


def test_go_quote_keeps_plain_arguments_and_quotes_the_rest() -> None:
    assert base.go_quote("-Wl,-install_name,@rpath/libhello.dylib") == "-Wl,-install_name,@rpath/libhello.dylib"
    assert base.go_quote("-L/my build/stubs") == '"-L/my build/stubs"'
    assert base.go_quote('-L/a "b"/c') == "'-L/a \"b\"/c'"
    with pytest.raises(BuildError, match=r"cannot pass .* to the Go linker: it holds both kinds of quotes"):
        base.go_quote('-L/it\'s "odd"')


def ldflags(config: Config, target: Target, output: Path) -> str:
    return target.platform.go_library_ldflags(target, output, config.strip)


def test_linux_flags_are_unchanged(config: Config, tmp_path: Path) -> None:
    assert ldflags(config, TARGETS["linux/arm64"], tmp_path / "libhello.so") == ("-s -w -extldflags=-s")


def test_windows_go_link_strips(config: Config, tmp_path: Path) -> None:
    assert ldflags(config, TARGETS["windows/arm64"], tmp_path / "libhello.dll") == ("-s -w -extldflags=-s")


def test_darwin_go_link_sets_the_install_name_finds_the_stub_and_never_passes_s(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """-s would make Go pass -Wl,-x, after which zig writes a corrupt indirect symbol table."""
    monkeypatch.setenv("PYGO_TOOLS_CACHE", str(tmp_path / "a cache"))
    stubs = darwin.resolv_stub_dir()
    assert stubs.parent == tmp_path / "a cache", "a fixed place, so rebuilds link with the same flags"
    flags = ldflags(config, TARGETS["darwin/arm64"], Path("/b/go/libhello.dylib"))
    assert flags == f"-w -extldflags '-Wl,-install_name,@rpath/libhello.dylib \"-L{stubs}\"'"
    assert not re.search(r"(^| )-s( |$)", flags)
    darwin_arm64 = TARGETS["darwin/arm64"]
    assert darwin.MACOS.go_program_ldflags(darwin_arm64, True) == f"-w -extldflags '\"-L{stubs}\"'"
    assert darwin.MACOS.go_program_ldflags(darwin_arm64, False) == "-s -w", "pure Go links internally"


def test_darwin_stub_is_written_where_the_link_looks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGO_TOOLS_CACHE", str(tmp_path))
    env = darwin.MACOS.prepare_go_build(TARGETS["darwin/amd64"])
    stub = (darwin.resolv_stub_dir() / "libresolv.tbd").read_text()
    assert "install-name:    '/usr/lib/libresolv.9.dylib'" in stub and "_res_9_nsearch" in stub
    assert env == {}, "zig takes the macOS version in its target, not from the environment"
    native = replace(TARGETS["darwin/arm64"], host=True, os_version="13.0")
    assert darwin.deployment_env(native) == {"MACOSX_DEPLOYMENT_TARGET": "13.0"}


def fake_go(tmp_path: Path, help_text: str, version: tuple[int, int]) -> tuple[Path, tuple[int, int]]:
    script = tmp_path / "go"
    script.write_text(f"#!/bin/sh\ncat >&2 <<'EOF'\n{help_text}\nEOF\nexit 2\n")
    script.chmod(0o755)
    return GoToolchain(script, version, "test").path, version


def test_go_macos_minimum_comes_from_the_go_linker(tmp_path: Path) -> None:
    """`go tool link -help` (Go 1.27) prints the -macos default; it exits 2, as flag's help does."""
    text = "  -macos value\n    \tmac OS version to write in build info (default 13.0.0)\n  -macsdk value"
    assert darwin.go_macos_minimum(*fake_go(tmp_path, text, (1, 27))) == (13, 0)
    assert darwin.go_macos_minimum(*fake_go(tmp_path, "usage: link [options] main.o", (1, 23))) == (11, 0)
    assert darwin.go_macos_minimum(*fake_go(tmp_path, "", (1, 26))) == (12, 0)


def test_deployment_target_may_raise_the_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MACOSX_DEPLOYMENT_TARGET", raising=False)
    assert darwin.deployment_target((13, 0)) == (13, 0)
    monkeypatch.setenv("MACOSX_DEPLOYMENT_TARGET", "14.2")
    assert darwin.deployment_target((13, 0)) == (14, 2)
    monkeypatch.setenv("MACOSX_DEPLOYMENT_TARGET", "15")
    assert darwin.deployment_target((13, 0)) == (15, 0)


def test_deployment_target_below_go_is_raised_to_go(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MACOSX_DEPLOYMENT_TARGET", "10.9")
    assert darwin.deployment_target((13, 0)) == (13, 0)
    assert (
        "MACOSX_DEPLOYMENT_TARGET=10.9 is older than macOS 13.0, the oldest this Go supports" in capsys.readouterr().err
    )


@pytest.mark.parametrize("value", ["abc", "13.x", "-13", "9.0", "100.0", "13.0\n14.0", "13..0"])
def test_bad_deployment_target_is_an_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MACOSX_DEPLOYMENT_TARGET", value)
    with pytest.raises(ConfigError, match=r"MACOSX_DEPLOYMENT_TARGET=.* is not a macOS version\n  hint: use a version"):
        darwin.deployment_target((13, 0))


def test_macos_tag_is_never_lower_than_the_binaries_need() -> None:
    arm64 = TARGETS["darwin/arm64"]
    assert macos_platform_tag((13, 0), arm64) == "macosx_13_0_arm64"
    assert macos_platform_tag((13, 1), arm64) == "macosx_14_0_arm64", "installers know only X_0 from macOS 11"
    assert macos_platform_tag((10, 15), TARGETS["darwin/amd64"]) == "macosx_10_15_x86_64"


def test_python3_definition_marks_data_and_stops_at_the_floor() -> None:
    text = windows.module_definition(names_at((3, 9), "windows"))
    lines = text.splitlines()
    assert lines[:2] == ["LIBRARY python3.dll", "EXPORTS"]
    assert "PyBaseObject_Type DATA" in lines and "_Py_NoneStruct DATA" in lines
    assert "PyArg_ParseTuple" in lines
    assert "PyModule_AddObjectRef" not in text, "3.10 API is not in a 3.9 import library"
    assert "PyModule_AddObjectRef" in windows.module_definition(names_at((3, 10), "windows"))


def test_pyconfig_describes_64_bit_windows() -> None:
    for line in ("#define MS_WINDOWS", "#define MS_WIN64", "#define SIZEOF_LONG 4", "#define SIZEOF_VOID_P 8"):
        assert line in windows.PYCONFIG_H
    assert "#define Py_ENABLE_SHARED 1" in windows.PYCONFIG_H and "#define HAVE_DECLSPEC_DLL" in windows.PYCONFIG_H
    assert "Py_DEBUG" not in windows.PYCONFIG_H


def test_a_missing_python_name_at_link_time_is_explained() -> None:
    output = "ld.lld: error: undefined symbol: __imp_PyModule_AddObjectRef\n>>> referenced by x.o\n"
    error = windows.explain_link_error(CommandError(["zig", "cc"], 1, output), (3, 9))
    assert error is not None
    assert str(error).startswith(
        "the extension uses PyModule_AddObjectRef, which python3.dll of CPython 3.9 does not export "
        "(not in the stable ABI at limited_api 3.9)\n  hint: raise limited_api"
    )
    assert windows.explain_link_error(CommandError(["zig"], 1, "undefined symbol: MyGoThing"), (3, 9)) is None
    demangled = "lld-link: error: undefined symbol: __declspec(dllimport) PyModule_AddObjectRef\n"
    assert "uses PyModule_AddObjectRef," in str(windows.explain_link_error(CommandError(["zig"], 1, demangled), (3, 9)))


def test_go_dll_name_carries_a_hash_of_its_contents(tmp_path: Path) -> None:
    one, two = tmp_path / "a" / "libhello.dll", tmp_path / "b" / "libhello.dll"
    for path, data in ((one, b"one"), (two, b"two")):
        path.parent.mkdir()
        path.write_bytes(data)
    assert re.fullmatch(r"libhello-[0-9a-f]{16}\.dll", windows.mangled_name(one))
    assert windows.mangled_name(one) != windows.mangled_name(two), "two packages' libhello.dll never clash"


def test_extension_files_are_named_by_their_abi_not_by_setuptools() -> None:
    def extension_filename(fullname: str, target: Target) -> str | None:
        return target.platform.extension_filename(fullname, target)

    abi3t = {name: replace(target, abi=ABI3T) for name, target in TARGETS.items()}
    assert extension_filename("pkg._native", TARGETS["windows/arm64"]) == "pkg/_native.pyd"
    assert extension_filename("_top", TARGETS["windows/amd64"]) == "_top.pyd"
    assert extension_filename("pkg._native", abi3t["windows/amd64"]) == "pkg/_native.pyd"
    # Never setuptools' `.abi3-x86_64-linux-gnu.so` of 3.15, which 3.14 and older do not load.
    assert extension_filename("pkg._native", TARGETS["darwin/arm64"]) == "pkg/_native.abi3.so"
    assert extension_filename("pkg._native", TARGETS["linux/amd64"]) == "pkg/_native.abi3.so"
    assert extension_filename("pkg._native", abi3t["linux/arm64"]) == "pkg/_native.abi3t.so"
    assert extension_filename("_top", abi3t["darwin/amd64"]) == "_top.abi3t.so"
    # One CPython's own free-threaded ABI: the interpreter's suffix, as setuptools writes it.
    cp313t = replace(TARGETS["linux/amd64"], abi=version_specific((3, 13)))
    assert extension_filename("pkg._native", cp313t) is None
