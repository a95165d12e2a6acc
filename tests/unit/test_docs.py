from __future__ import annotations

from pathlib import Path

from pygo_tools.reference import config_reference
from pygo_tools.steps.config import CONFIG_FIELDS

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
    from pygo_tools.cli.app import build_parser

    readme = (REPO / "README.md").read_text()
    build = build_parser()._subparsers._group_actions[0].choices["build"]  # type: ignore[union-attr]
    options = [o for action in build._actions for o in action.option_strings if o.startswith("--")]
    assert options == ["--help", "--out", "--target", "--zig", "--free-threaded", "--verbose"]
    for option in ("--out", "--target", "--zig", "--free-threaded", "-v"):
        assert option in readme, option
    assert "pygo-tools build [PROJECT_DIR] [--out DIR] [--target OS/ARCH]... [--zig] [--free-threaded] [-v]" in readme


def test_readme_documents_every_new_option() -> None:
    from pygo_tools.cli.app import build_parser

    readme = (REPO / "README.md").read_text()
    new = build_parser()._subparsers._group_actions[0].choices["new"]  # type: ignore[union-attr]
    options = [o for action in new._actions for o in action.option_strings if o.startswith("--")]
    assert options == ["--help", "--name", "--package", "--executable", "--ci", "--force", "--verbose"]
    line = "pygo-tools new PATH [--name NAME] [--package NAME] [--executable] [--ci github] [--force]"
    assert line in readme
    for option in options[1:-1]:
        assert f"`{option}" in readme.split("## Command line", 1)[1], f"{option} is explained"


def test_no_document_or_message_installs_pygo_tools_from_pypi_by_name() -> None:
    """PyPI's pygo-tools is the unrelated 0.1.8: `pip install pygo-tools[...]` would fetch it."""
    import re

    texts = [REPO / "README.md", *(REPO / "docs").glob("*.md"), *(REPO / "pygo_tools").rglob("*.py")]
    by_name = re.compile(r"pip install (?:-\S+ )*[\"']?pygo-tools(?:\[[^\]]*\])?(?:[\"'\s`=<>~;,]|$)", re.MULTILINE)
    offenders = [
        f"{path.relative_to(REPO)}: {m.group(0)}" for path in texts for m in by_name.finditer(path.read_text())
    ]
    assert offenders == []
