from __future__ import annotations

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


def test_readme_documents_every_build_option() -> None:
    from pygo_tools.cli import build_parser

    readme = (REPO / "README.md").read_text()
    build = build_parser()._subparsers._group_actions[0].choices["build"]  # type: ignore[union-attr]
    options = [o for action in build._actions for o in action.option_strings if o.startswith("--")]
    assert options == ["--help", "--out", "--target", "--zig"]
    for option in options[1:]:
        assert option in readme, option
    assert "pygo-tools build [PROJECT_DIR] [--out DIR] [--target OS/ARCH]... [--zig]" in readme
