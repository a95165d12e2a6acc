"""The Python ABIs of a build (platforms/abi.py): which wheels an interpreter builds, what each
needs from the compiler, how it is named and tagged, and how the front ends ask for them."""

from __future__ import annotations

import sysconfig
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import write_config
from pygo_tools import options, pipeline
from pygo_tools.errors import BuildError, ConfigError
from pygo_tools.platforms import ABI3, ABI3T, TARGETS, abi, base, host_target
from pygo_tools.platforms.abi import version_specific
from pygo_tools.typed.c import render_typed_layer
from pygo_tools.typed.python import TypedModuleSpec
from pygo_tools.wheel.contents import parse_wheel_name

CP313T = version_specific((3, 13))


def interpreter(monkeypatch: pytest.MonkeyPatch, version: tuple[int, int], free_threaded: bool) -> None:
    monkeypatch.setattr(abi, "interpreter_version", lambda: version)
    monkeypatch.setattr(abi, "interpreter_is_free_threaded", lambda: free_threaded)


@pytest.mark.parametrize(
    ("version", "free_threaded", "mode", "expected"),
    [
        ((3, 11), False, "no", ["abi3"]),
        ((3, 15), False, "no", ["abi3"]),
        ((3, 15), False, "also", ["abi3", "abi3t"]),
        ((3, 16), False, "only", ["abi3t"]),
        # A free-threaded interpreter builds its own ABI whatever was asked: it loads nothing else.
        ((3, 13), True, "no", ["cp313t"]),
        ((3, 14), True, "also", ["cp314t"]),
        ((3, 15), True, "no", ["abi3t"]),
        ((3, 15), True, "only", ["abi3t"]),
    ],
)
def test_the_interpreter_and_the_request_decide_the_abis(
    monkeypatch: pytest.MonkeyPatch, version: tuple[int, int], free_threaded: bool, mode: str, expected: list[str]
) -> None:
    interpreter(monkeypatch, version, free_threaded)
    assert [a.name for a in abi.build_abis(mode)] == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("version", [(3, 9), (3, 13), (3, 14)])
def test_abi3t_below_315_is_refused_with_what_to_do(monkeypatch: pytest.MonkeyPatch, version: tuple[int, int]) -> None:
    interpreter(monkeypatch, version, False)
    with pytest.raises(BuildError, match=r"abi3t\) are compiled with CPython 3\.15's headers or newer") as error:
        abi.build_abis("also")
    assert "run the build with python3.15 or newer" in (error.value.hint or "")


def test_each_abi_compiles_names_and_tags_its_extension() -> None:
    assert ABI3.define_macros((3, 9)) == [("Py_LIMITED_API", "0x03090000")]
    # abi3t: Py_LIMITED_API too, or cffi's header defines a bare one (Py_TYPE undeclared).
    assert ABI3T.define_macros((3, 9)) == [("Py_LIMITED_API", "0x030F0000"), ("Py_TARGET_ABI3T", "0x030F0000")]
    assert ABI3T.define_macros((3, 16)) == [("Py_LIMITED_API", "0x03100000"), ("Py_TARGET_ABI3T", "0x03100000")]
    assert CP313T.define_macros((3, 9)) == []
    assert ABI3.wheel_tags((3, 10)) == ("cp310", "abi3")
    assert ABI3T.wheel_tags((3, 9)) == ("cp315", "abi3.abi3t")
    assert CP313T.wheel_tags((3, 9)) == ("cp313", "cp313t")
    assert (ABI3.posix_suffix, ABI3T.posix_suffix, CP313T.posix_suffix) == (".abi3.so", ".abi3t.so", None)
    assert (ABI3.windows_dll, ABI3T.windows_dll) == ("python3.dll", "python3t.dll")


def test_each_abi_builds_in_a_folder_of_its_own() -> None:
    amd64 = TARGETS["linux/amd64"]
    slugs = [replace(amd64, abi=a).slug for a in (ABI3, ABI3T, CP313T)]
    assert slugs == ["linux-amd64", "linux-amd64-abi3t", "linux-amd64-cp313t"]
    assert replace(amd64, abi=ABI3T).label == "linux/amd64 (abi3t)" and amd64.label == "linux/amd64"


def test_free_threaded_choices_from_flags_environment_and_config(monkeypatch: pytest.MonkeyPatch) -> None:
    interpreter(monkeypatch, (3, 15), False)
    monkeypatch.delenv("PYGO_TOOLS_TARGET", raising=False)
    monkeypatch.delenv("PYGO_TOOLS_FREE_THREADED", raising=False)

    def abis(chosen: options.BuildOptions, configured: bool = False) -> list[str]:
        return [t.abi.name for t in chosen.wheel_targets(configured)]

    assert abis(options.from_choices(None, None)) == ["abi3"]
    assert abis(options.from_choices(None, None), configured=True) == ["abi3", "abi3t"]
    assert abis(options.from_choices(None, None, free_threaded=True)) == ["abi3", "abi3t"]
    monkeypatch.setenv("PYGO_TOOLS_FREE_THREADED", "0")
    assert abis(options.from_choices(None, None), configured=True) == ["abi3"], "the environment wins"
    monkeypatch.setenv("PYGO_TOOLS_FREE_THREADED", "only")
    assert abis(options.from_choices(None, None)) == ["abi3t"]
    monkeypatch.setenv("PYGO_TOOLS_FREE_THREADED", "maybe")
    with pytest.raises(ConfigError, match=r"PYGO_TOOLS_FREE_THREADED: 'maybe' is not one of 1, 0 or only"):
        options.from_choices(None, None)


def test_a_pep517_build_makes_one_wheel_the_abi3t_one_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    interpreter(monkeypatch, (3, 15), False)
    monkeypatch.delenv("PYGO_TOOLS_TARGET", raising=False)
    monkeypatch.delenv("PYGO_TOOLS_FREE_THREADED", raising=False)
    for settings, expected in (
        ({}, ["abi3"]),
        ({"free-threaded": "true"}, ["abi3t"]),
        ({"free_threaded": "1"}, ["abi3t"]),
    ):
        chosen = options.from_config_settings(settings)
        # The configuration's free_threaded does not apply: pip builds an sdist on any Python.
        assert [t.abi.name for t in chosen.wheel_targets(configured=True)] == expected


def test_a_child_build_is_told_its_abi_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    interpreter(monkeypatch, (3, 15), False)
    host = host_target()
    assert options.BuildOptions((host,)).environment(replace(host, abi=ABI3T))["PYGO_TOOLS_FREE_THREADED"] == "only"
    assert options.BuildOptions((host,)).environment(host)["PYGO_TOOLS_FREE_THREADED"] == "0"


def test_a_free_threaded_python_below_315_builds_for_this_machine_only(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    pipeline.check_buildable(replace(host_target(), abi=CP313T), config)
    other = next(t for t in TARGETS.values() if t.name != host_target().name)
    pipeline.check_buildable(replace(other, abi=ABI3T), config)
    with pytest.raises(BuildError, match=r"cannot build the cp313t extension for .* here: a free-threaded CPython"):
        pipeline.check_buildable(replace(other, abi=CP313T), config)


def test_setuptools_tags_are_corrected_to_the_abi(tmp_path: Path) -> None:
    assert parse_wheel_name("a_b-1.0-cp315-abi3.abi3t-manylinux_2_34_x86_64.whl") == (
        "a_b", "1.0", "cp315", "abi3.abi3t", "manylinux_2_34_x86_64",
    )  # fmt: skip
    assert parse_wheel_name("a-1.0-7-cp39-abi3-win_amd64.whl")[1:3] == ("1.0-7", "cp39")


def fake_include(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dispatcher: bool) -> Path:
    include = tmp_path / "usr" / "include" / "python3.15"
    include.mkdir(parents=True)
    (include / "Python.h").write_text('#include "pyconfig.h"\n')
    real = tmp_path / "usr" / "include" / "x86_64-linux-gnu" / "python3.15" / "pyconfig.h"
    real.parent.mkdir(parents=True)
    real.write_text("#define SIZEOF_LONG 8\n")
    text = "#if defined(__x86_64__)\n#  include <x86_64-linux-gnu/python3.15/pyconfig.h>\n#endif\n"
    (include / "pyconfig.h").write_text(text if dispatcher else "#define SIZEOF_LONG 8\n")
    monkeypatch.setattr(sysconfig, "get_paths", lambda: {"include": str(include)})
    monkeypatch.setattr(sysconfig, "get_config_var", lambda name: "x86_64-linux-gnu" if name == "MULTIARCH" else None)
    return include


def test_debians_multiarch_pyconfig_is_replaced_for_other_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Debian's pyconfig.h picks the real one by the compiler's target: for arm64 or macOS it
    finds none. Other targets get a copy of the headers with this machine's own."""
    fake_include(tmp_path, monkeypatch, dispatcher=True)
    (copy,) = base.cross_include_dirs(tmp_path / "work")
    assert (Path(copy) / "pyconfig.h").read_text() == "#define SIZEOF_LONG 8\n"
    assert (Path(copy) / "Python.h").is_file()


def test_a_plain_pyconfig_needs_no_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_include(tmp_path, monkeypatch, dispatcher=False)
    assert base.cross_include_dirs(tmp_path / "work") == []


def test_zig_is_spared_the_linker_flags_it_refuses() -> None:
    from pygo_tools.platforms.linux import LINUX

    class Compiler:
        def __init__(self) -> None:
            self.compiler_so = ["gcc", "-O2", "-fPIC"]
            self.linker_so = ["gcc", "-shared", "-Wl,-O1", "-Wl,-Bsymbolic-functions", "-Wl,-z,relro"]

    compiler = Compiler()
    LINUX.use_compiler(compiler, TARGETS["linux/arm64"], ["zig", "cc"], (3, 9))
    assert compiler.compiler_so == ["zig", "cc", "-O2", "-fPIC"]
    assert compiler.linker_so == ["zig", "cc", "-shared", "-Wl,-O1", "-Wl,-z,relro"]


def test_the_runtime_holds_no_mutable_global_buffer_and_a_constant_struct_table() -> None:
    source = render_typed_layer(TypedModuleSpec("pkg", "pkg._native", "pkg.api", frozenset()), [], [])
    assert "pygo_name_space" not in source and "char pygo_name" not in source
    assert "static const pygo_struct pygo_structs[]" in source
    assert source.index("pygo_structs[] =") < source.index("pygo_structs[atoi(d + 1)]"), "declared before use"
    assert "#define PYGO_STRUCT_COUNT 0" in source
    assert "PyUnstable_Module_SetGIL(module, Py_MOD_GIL_NOT_USED)" in source
