from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pygo_tools.cli import main
from pygo_tools.cli.app import build_parser


def test_help_describes_build(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["build", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "PROJECT_DIR" in out and "--out DIR" in out


def write_project(root: Path, go_mod: str | None = "module p\n\ngo 1.21\n", go_file: bool = True) -> Path:
    (root / "p" / "go").mkdir(parents=True)
    (root / "config.json").write_text(
        json.dumps({"package": "p", "extension": "p._n", "library": "l", "signatures": ["int f(int x);"]})
    )
    if go_mod is not None:
        (root / "p" / "go" / "go.mod").write_text(go_mod)
    if go_file:
        (root / "p" / "go" / "f.go").write_text("package main\n")
    return root


def test_config_command_prints_resolved_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", str(write_project(tmp_path))]) == 0
    assert "  go_dir = 'p/go'" in capsys.readouterr().out


def error_of_config_command(project: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["config", str(project)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "", "nothing is printed as if the project were fine"
    return captured.err


def test_config_checks_the_go_module_like_a_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = error_of_config_command(write_project(tmp_path, go_mod=None), capsys)
    assert err == (
        "pygo-tools: error: config.json: no Go module at p/go (no go.mod found)\n"
        "  hint: create one: (cd p/go && go mod init p)\n"
    )


def test_config_checks_the_module_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = error_of_config_command(write_project(tmp_path, go_mod=""), capsys)
    assert "p/go/go.mod: no module line, so Go cannot build it\n  hint: start it with `module p`" in err


def test_config_checks_the_go_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path)
    for path in (project / "p" / "go").iterdir():
        path.unlink()
    (project / "p" / "go").rmdir()
    err = error_of_config_command(project, capsys)
    assert "config.json: no Go module at p/go (the folder does not exist)\n" in err
    assert "  hint: create it with a go.mod: mkdir -p p/go && (cd p/go && go mod init p)" in err


def test_config_checks_for_go_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = error_of_config_command(write_project(tmp_path, go_file=False), capsys)
    assert "config.json: no .go files in p/go\n  hint: " in err


def test_a_missing_project_directory_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("build", "config", "develop"):
        assert main([command, str(tmp_path / "nowhere")]) == 2
        expected = f"pygo-tools: error: {tmp_path / 'nowhere'}: no such project directory\n  hint: "
        assert expected in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main(["config", str(tmp_path / "file")]) == 2
    assert "file: is a file, not a project directory" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["-v", "config"], ["config", "-v"], ["--verbose", "config"]])
def test_verbose_flag_reaches_child_processes_but_not_the_environment(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pygo_tools.cli import app as cli_main
    from pygo_tools.util import log

    monkeypatch.delenv("PYGO_TOOLS_VERBOSE", raising=False)
    seen: list[dict[str, str]] = []
    real_run = cli_main._run
    monkeypatch.setattr(cli_main, "_run", lambda args: seen.append(log.child_env()) or real_run(args))
    assert main([*argv, str(write_project(tmp_path))]) == 0
    assert seen == [{"PYGO_TOOLS_VERBOSE": "1"}], "child processes (the build backend) are told"
    assert "PYGO_TOOLS_VERBOSE" not in os.environ, "nothing travels through os.environ inside one process"
    assert not log.verbose(), "only for the run"


def test_without_verbose_flag_the_environment_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYGO_TOOLS_VERBOSE", raising=False)
    assert main(["config", str(write_project(tmp_path))]) == 0
    assert "PYGO_TOOLS_VERBOSE" not in os.environ


def test_bad_config_exits_2_with_one_clean_message(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"package": 1}')
    result = subprocess.run(
        [sys.executable, "-m", "pygo_tools", "build", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "pygo-tools: error: config.json: package: expected a string, got a number (1)\n"
        '  hint: for example package = "myproj"'
    )
    assert "Traceback" not in result.stderr


def subcommand_parsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_subcommand_has_a_description_and_helped_arguments() -> None:
    parsers = subcommand_parsers()
    assert set(parsers) == {"build", "config", "develop", "new", "generate-ci", "lambda-layer"}
    for name, sub in parsers.items():
        assert sub.description and len(sub.description) > 40, f"{name} --help has no description"
        for action in sub._actions:
            if action.dest not in ("help", "verbose"):
                assert action.help, f"{name}: {action.dest} has no help"


def test_config_shows_the_go_it_will_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", str(write_project(tmp_path))]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("toolchain: go 1.") and " at /" in line and line.endswith(")"), line


def test_config_without_go_says_so_as_a_build_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PYGO_TOOLS_GO", str(tmp_path / "no-go-here"))
    assert main(["config", str(write_project(tmp_path))]) == 3
    err = capsys.readouterr().err
    assert "pygo-tools: error: Go toolchain from PYGO_TOOLS_GO not found" in err and "hint:" in err
