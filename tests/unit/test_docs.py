from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pygo_tools.config import CONFIG_FIELDS
from pygo_tools.reference import config_reference

REPO = Path(__file__).resolve().parents[2]


def test_configuration_reference_is_up_to_date() -> None:
    current = (REPO / "docs" / "configuration.md").read_text()
    assert current == config_reference(), "run: python -m pygo_tools.reference > docs/configuration.md"


def test_reference_has_a_row_per_key() -> None:
    text = config_reference()
    for item in CONFIG_FIELDS:
        assert f"| `{item.name}` |" in text


def test_readme_names_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (REPO / "README.md").read_text()
    assert "make example" in readme and "make test" in readme
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_cli_help_matches_readme_usage() -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "pygo_tools", "build", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "usage: pygo-tools build [-h] [--out DIR] [PROJECT_DIR]" in help_text
    assert "pygo-tools build [PROJECT_DIR] [--out DIR]" in (REPO / "README.md").read_text()
