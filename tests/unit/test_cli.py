from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pygo_tools.cli import main


def test_help_describes_build(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["build", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "PROJECT_DIR" in out and "--out DIR" in out


def test_config_command_prints_resolved_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "config.json").write_text(
        json.dumps({"package": "p", "extension": "p._n", "library": "l", "signatures": ["int f(int x);"]})
    )
    assert main(["config", str(tmp_path)]) == 0
    assert "  go_dir = 'p/go'" in capsys.readouterr().out


def test_bad_config_exits_2_with_one_clean_message(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"package": 1}')
    result = subprocess.run(
        [sys.executable, "-m", "pygo_tools", "build", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "pygo-tools: error: config.json: package: expected a string, got a number (1)"
    assert "Traceback" not in result.stderr
