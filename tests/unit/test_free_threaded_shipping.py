"""Free-threaded Python in the shipping commands: the CI workflow builds abi3t wheels with
CPython 3.15 and tests them on free-threaded 3.15 (setup-python's `3.15t`); Lambda layers for
the runtimes Lambda has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_workflow import lint, load

from conftest import EXAMPLE, copy_project
from pygo_tools.cli.generate_ci import WorkflowOptions, write_workflow
from pygo_tools.errors import ConfigError


@pytest.fixture
def free_threaded_project(tmp_path: Path) -> Path:
    project = copy_project(EXAMPLE, tmp_path)
    config = json.loads((project / "config.json").read_text())
    (project / "config.json").write_text(json.dumps({**config, "free_threaded": True}))
    return project


def test_a_free_threaded_project_is_built_with_315_and_tested_on_315t(free_threaded_project: Path) -> None:
    path = write_workflow(free_threaded_project)
    jobs = load(path)["jobs"]
    (setup,) = [s for s in jobs["build"]["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["python-version"] == "3.15", "abi3t is compiled with 3.15's headers"
    # `pygo-tools build` reads free_threaded from the configuration: an abi3t wheel per target.
    assert "pygo-tools build --target all --zig --out dist" in [s.get("run") for s in jobs["build"]["steps"]]
    include = jobs["test"]["strategy"]["matrix"]["include"]
    assert sorted({row["python"] for row in include}) == ["3.13", "3.15t", "3.9"]
    assert len(include) == 15
    assert lint(path) == []


def test_other_projects_keep_their_workflow(tmp_path: Path) -> None:
    jobs = load(write_workflow(copy_project(EXAMPLE, tmp_path)))["jobs"]
    (setup,) = [s for s in jobs["build"]["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["python-version"] == "3.12"
    assert {row["python"] for row in jobs["test"]["strategy"]["matrix"]["include"]} == {"3.9", "3.13"}


def test_315_is_offered_and_sorted_before_315t(free_threaded_project: Path) -> None:
    path = write_workflow(free_threaded_project, WorkflowOptions(pythons=("3.15t", "3.15", "3.14")))
    include = load(path)["jobs"]["test"]["strategy"]["matrix"]["include"]
    assert [row["python"] for row in include[:3]] == ["3.14", "3.15", "3.15t"]


@pytest.mark.parametrize(
    ("config", "python", "message"),
    [
        (False, "3.15t", r"--python: 3\.15t: the project builds no wheel for free-threaded Python"),
        (True, "3.14t", r"--python: 3\.14t: free-threaded CPython 3\.14 loads only a wheel built for it, on it"),
        (True, "3.13t", r"--python: 3\.13t: free-threaded CPython 3\.13 loads only a wheel built for it"),
    ],
)
def test_free_threaded_pythons_without_a_wheel_for_them_are_refused(
    free_threaded_project: Path, tmp_path: Path, config: bool, python: str, message: str
) -> None:
    project = free_threaded_project if config else copy_project(EXAMPLE, tmp_path / "plain")
    with pytest.raises(ConfigError, match=message):
        write_workflow(project, WorkflowOptions(pythons=(python,)))
    assert not (project / ".github").exists()


def test_lambda_layers_know_python314_and_warn_about_deprecated_runtimes(capsys: pytest.CaptureFixture[str]) -> None:
    from pygo_tools.cli.lambda_layer import layer_spec

    spec = layer_spec("linux/arm64", "python3.14")
    assert (spec.runtime, spec.glibc_minor) == ("python3.14", 34)  # Amazon Linux 2023
    assert capsys.readouterr().err == ""
    layer_spec("linux/amd64", "3.11")
    assert capsys.readouterr().err == (
        "pygo-tools: warning: Lambda deprecated python3.11 on 2026-06-30 and blocks updating functions on it "
        "from 2026-08-31; its current Python runtimes are python3.12, python3.13, python3.14\n"
    )
    with pytest.raises(ConfigError, match=r"Lambda has no Python runtime '3\.15t'"):
        layer_spec("linux/amd64", "3.15t")
