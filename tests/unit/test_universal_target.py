"""The universal (WebAssembly) wheel without Go: its target, what it refuses, the typed module it
writes for any exports, and the runtime's conversions (the C runtime's rules and messages)."""

from __future__ import annotations

import ast
import importlib.util
import keyword
import struct
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from test_typed_module import CSTRING, INT, STRING, export, exports_strategy

from conftest import write_config
from pygo_tools.cli.build import expand_all
from pygo_tools.errors import ConfigError
from pygo_tools.pipeline import check_buildable, runtime_requirement, wheel_tag
from pygo_tools.platforms import TARGETS, parse_target
from pygo_tools.platforms.wasi import module_exports
from pygo_tools.steps.extension import typed_module_spec
from pygo_tools.typed.model import parse_description
from pygo_tools.typed.wasm import RUNTIME, WasmLibrary, library_relative_path, render_universal

WASM = TARGETS["wasip1/wasm"]


def test_the_universal_target_is_go_s_own_name_compiles_no_c_and_is_not_in_all(tmp_path: Path) -> None:
    assert parse_target(" WASIP1/wasm ") is WASM and WASM.universal and not WASM.uses_zig
    config = write_config(tmp_path, wrapper="myproj.api", signatures=[])
    assert "wasip1/wasm" not in (expand_all(["all"], config) or [])
    assert (expand_all(["all", "wasip1/wasm"], config) or [])[0] == "wasip1/wasm", "by name, beside all"
    assert wheel_tag(config, WASM, lambda: ("cp39", "abi3", "x")) == ("py3", "none", "any")
    assert runtime_requirement(config, WASM, "cffi>=1.15") == "wasmtime>=50"
    assert runtime_requirement(config, TARGETS["linux/arm64"], "cffi>=1.15") == "cffi>=1.15"
    check_buildable(WASM, config)  # from any machine: no C


@pytest.mark.parametrize("name", ["linux-musl/amd64", "musllinux/arm64", "linux/amd64-musl", "alpine/amd64"])
def test_musl_targets_are_refused_with_the_upstream_reason(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_target(name)
    message = str(caught.value)
    assert message.startswith(f"target {name!r}: a Go c-shared library cannot be loaded by musl")
    assert "initial-exec TLS resolves to dynamic definition" in message
    assert "golang/go#13492" in message and "golang/go#54805" in message
    assert "hint: build the universal wheel instead (--target wasip1/wasm" in message
    assert "their linux wheels are tagged musllinux already" in message


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"signatures": []}, r"the universal wheel calls Go through the typed module, and `wrapper` is not set"),
        (
            {"wrapper": "myproj.api", "signatures": [], "executables": [{"name": "tool"}]},
            r"executables cannot go into the universal wheel",
        ),
        (
            {"extension": "", "library": "", "signatures": [], "executables": [{"name": "tool"}]},
            r"the universal wheel carries a Go library, and this project has none",
        ),
    ],
)
def test_what_a_universal_wheel_cannot_carry_is_refused_before_the_build(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    config = write_config(tmp_path, **overrides)
    with pytest.raises(ConfigError, match=r"config.json: target wasip1/wasm: " + message):
        check_buildable(WASM, config)


def test_the_typed_module_finds_its_go_module_from_its_own_folder() -> None:
    assert library_relative_path("hello_go.api", "hello_go/lib/libhello.wasm") == "lib/libhello.wasm"
    assert library_relative_path("a.b.api", "a/lib/libx.wasm") == "../lib/libx.wasm"


def render(tmp_path: Path, exports: list[dict[str, Any]], structs: list[dict[str, Any]] | None = None) -> str:
    config = write_config(tmp_path, wrapper="myproj.api", signatures=[])
    description = parse_description({"functions": exports, "structs": structs or []})
    module, stub, _ = render_universal(typed_module_spec(config), description, WasmLibrary("lib/libx.wasm", "0" * 64))
    compile(stub, "api.pyi", "exec")
    return module


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(exports=exports_strategy())
def test_generated_module_compiles_for_any_names_and_docs(tmp_path: Path, exports: list[dict[str, Any]]) -> None:
    for item in exports:  # what the generator says of a *C.char parameter in a WebAssembly build
        if any(p["type"]["kind"] == "cstring" for p in item["params"]):
            item["unavailable"], item["symbol"] = "it uses C types (cgo)", ""
    module = render(tmp_path, exports)
    tree = ast.parse(module)
    defined = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert len(defined) == len(exports) == len(set(defined))
    assert all(name.isidentifier() and not keyword.iskeyword(name) for name in defined)
    assert not set(defined) & {"GoError", "GoPanic", "GoTimeout", "GoForkError"}


def test_a_parameter_named_like_a_builtin_does_not_break_the_generated_code(tmp_path: Path) -> None:
    module = render(tmp_path, [export("Cut", [("len", STRING), ("int", INT), ("type", INT)], [STRING])])
    calls: list[tuple[Any, ...]] = []
    namespace = load_module(tmp_path, module, {"pygo0_Cut": lambda *args: calls.append(args)})
    assert namespace.Cut("ab", 2, 3) == "result"
    assert calls == [(0, 2, 2, 3)]  # the staged string's address and length, then the ints
    assert namespace._pygo_rt.instance.staged == [b"ab"]


def test_an_unavailable_function_raises_a_clear_error(tmp_path: Path) -> None:
    item = export("Greet", [("name", CSTRING)], [CSTRING], unavailable='its file imports "C" (cgo)', symbol="")
    module = load_module(tmp_path, render(tmp_path, [item]), {})
    with pytest.raises(NotImplementedError, match=r"^Greet\(\) is not in the universal \(WebAssembly\) wheel"):
        module.Greet("x")


# -- the runtime, with a fake instance: what reaches Go, and the messages --------------------------


class FakeInstance:
    """Stands for the wasm instance: records what is staged, calls the test's fake exports."""

    def __init__(self, exports: dict[str, Any], table: list[tuple[str, str, str]]) -> None:
        self.st = [0, 0, 0]
        self.staged: list[bytes] = []
        self.f = [exports.get(symbol, lambda *args: None) for symbol, _, _ in table]

    def stage(self, parts: list[Any]) -> list[int]:
        self.staged += [bytes(p) for p in parts]
        return [0] * len(parts)

    def text(self, result: Any) -> str:
        return "result"


def runtime_module() -> ModuleType:
    if importlib.util.find_spec("wasmtime") is None:
        pytest.skip("wasmtime is not installed (pip install -e '.[dev]')")
    spec = importlib.util.spec_from_file_location("pygo_universal_runtime", RUNTIME)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_module(tmp_path: Path, source: str, exports: dict[str, Any]) -> Any:
    """Run the generated module with the real runtime's codec and a fake instance."""
    runtime = runtime_module()
    sys.modules["myproj._native"] = runtime
    try:
        namespace: dict[str, Any] = {"__name__": "myproj.api", "__file__": str(tmp_path / "api.py")}
        exec(compile(source, "api.py", "exec"), namespace)
    finally:
        del sys.modules["myproj._native"]
    rt = namespace["_pygo_rt"]
    rt.instance = FakeInstance(exports, list(rt.exports))
    return SimpleNamespace(**namespace)


def test_the_codec_writes_the_packed_format_of_typed_c() -> None:
    codec = runtime_module().codec
    rt = SimpleNamespace(structs=(("Point", ("X", "Label"), ("f8", "s")),), classes=[None], package="p")
    fn = ("F", ("xs",))
    assert codec.encode(rt, [1, -2], "Li8", fn, 0) == struct.pack("<Qqq", 2, 1, -2)
    assert codec.encode(rt, (x for x in [True]), "Lb", fn, 0) == struct.pack("<Q?", 1, True)
    assert codec.encode(rt, {"k": "v"}, "Ms", fn, 0) == struct.pack("<QQ", 1, 1) + b"k" + struct.pack("<Q", 1) + b"v"
    point = SimpleNamespace(X=1.5, Label="é")
    assert codec.encode(rt, [point], "LS0;", fn, 0) == struct.pack("<QdQ", 1, 1.5, 2) + "é".encode()
    rt.classes[0] = lambda *values: ("Point", *values)
    packed = struct.pack("<QdQ", 1, 1.5, 2) + "é".encode() + struct.pack("<H", 65535)
    assert codec.results(rt, packed, ("LS0;", "u2")) == ([("Point", 1.5, "é")], 65535)


@pytest.mark.parametrize(
    ("value", "descriptor", "error"),
    [
        ([1, "x"], "Li8", "TypeError: F() argument 'xs': item 1 is str, expected int"),
        ([1, 256], "Lu1", "OverflowError: F() argument 'xs': item 1: 256 does not fit in uint8"),
        ("123", "Li8", "TypeError: F() argument 'xs': expected a sequence of int, got str"),
        ({"a": "yes"}, "Mb", "TypeError: F() argument 'xs': value of key 'a' is str, expected bool"),
        ({1: True}, "Mb", "TypeError: F() argument 'xs': key 1 is int, expected str"),
        ([1e300], "Lf4", "OverflowError: F() argument 'xs': item 0: 1e+300 does not fit in float32"),
        ({"X": 1}, "S0;", "TypeError: F() argument 'xs': expected Point, got dict (it has no attribute 'X')"),
        ([[[]]] * 1, "LLLi8", None),
    ],
)
def test_the_codec_refuses_as_typed_c_does(value: Any, descriptor: str, error: str | None) -> None:
    codec = runtime_module().codec
    rt = SimpleNamespace(structs=(("Point", ("X",), ("f8",)),), classes=[None], package="p")
    try:
        codec.encode(rt, value, descriptor, ("F", ("xs",)), 0)
        got = None
    except Exception as caught:
        got = f"{type(caught).__name__}: {caught}"
    assert got == error


def test_a_cycle_is_an_error_not_a_crash() -> None:
    codec = runtime_module().codec
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    rt = SimpleNamespace(structs=(), classes=[], package="p")
    with pytest.raises(ValueError, match=r"nested too deeply \(a cycle\?\)"):
        codec.encode(rt, cyclic, "L" * 2000 + "b", ("F", ("xs",)), 0)


def test_the_runtime_module_refuses_raw_lib_with_a_reason() -> None:
    runtime = runtime_module()
    with pytest.raises(ImportError, match=r"universal \(WebAssembly\) wheel, which has no C library"):
        runtime.lib  # noqa: B018


def test_module_exports_are_read_from_the_export_section(tmp_path: Path) -> None:
    # (module (func (export "f")) (memory (export "memory") 1)), section by section.
    sections = ["0061736d01000000", "01040160 0000", "03020100", "0503010001"]
    sections += ["070e02 01660000 066d656d6f7279 0200", "0a040102000b"]
    module = bytes.fromhex("".join(sections).replace(" ", ""))
    path = tmp_path / "m.wasm"
    path.write_bytes(module)
    assert module_exports(path) == ["f", "memory"]


def test_the_module_cache_is_read_only_from_a_folder_nobody_else_can_write(tmp_path: Path) -> None:
    """wasmtime runs what it deserializes: a cache folder another user could write is not a cache."""
    private = runtime_module()._private
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    assert private(str(folder))
    folder.chmod(0o777)
    assert not private(str(folder))
    folder.chmod(0o720)
    assert not private(str(folder))
    assert not private(str(tmp_path / "missing"))


def test_without_a_wasmtime_for_this_platform_the_import_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wasmtime", None)  # `import wasmtime` fails, as where it has no build
    spec = importlib.util.spec_from_file_location("pygo_universal_runtime_without", RUNTIME)
    assert spec and spec.loader
    with pytest.raises(ImportError, match=r"it runs Go through wasmtime, which cannot be imported here .*sdist"):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


def test_the_universal_target_needs_go_1_24() -> None:
    from pygo_tools.errors import ToolNotFoundError

    with pytest.raises(ToolNotFoundError, match=r"is Go 1\.23; the universal wheel needs Go 1\.24 or newer"):
        WASM.platform.resolve(WASM, Path("/opt/go/bin/go"), (1, 23))
    assert WASM.platform.resolve(WASM, Path("/opt/go/bin/go"), (1, 27)) is WASM
