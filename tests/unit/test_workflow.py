"""`pygo-tools generate-ci github`: the workflow it writes, checked by actionlint (with shellcheck)
and zizmor, its structure, every bad input, and how it treats an existing file."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE, REPO, copy_project, write_config
from pygo_tools.cli import main
from pygo_tools.cli.generate_ci import WORKFLOW_PATH, WorkflowOptions, plan_workflow, write_workflow
from pygo_tools.cli.workflow_yaml import ACTIONS, PLATFORMS, render_workflow
from pygo_tools.errors import ConfigError
from pygo_tools.steps.config import load_config
from pygo_tools.util import atomic

BIN = Path(sys.executable).parent
TOOLS_PATH = f"{BIN}{os.pathsep}{os.environ['PATH']}"


def tool(name: str) -> str:
    found = shutil.which(name, path=TOOLS_PATH)
    assert found, f"{name} comes with the dev extra"
    return found


@pytest.fixture
def extension_project(tmp_path: Path) -> Path:
    return copy_project(EXAMPLE, tmp_path)


@pytest.fixture
def programs_project(tmp_path: Path) -> Path:
    return copy_project(REPO / "example-cli", tmp_path)


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def lint(path: Path) -> list[str]:
    """Problems actionlint (shellcheck on every run: script) and zizmor report; [] when clean."""
    problems = []
    env = {**os.environ, "PATH": TOOLS_PATH}
    actionlint = subprocess.run([tool("actionlint"), "-verbose", str(path)], capture_output=True, text=True, env=env)
    assert 'Rule "shellcheck" was disabled' not in actionlint.stdout + actionlint.stderr
    if actionlint.returncode != 0:
        problems.append(actionlint.stdout + actionlint.stderr)
    zizmor = subprocess.run(
        [tool("zizmor"), "--offline", "--min-severity", "medium", "--no-progress", str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    if zizmor.returncode != 0 or "No findings" not in zizmor.stdout:
        problems.append(zizmor.stdout + zizmor.stderr)
    return problems


@pytest.mark.parametrize("kind", ["extension", "programs"])
def test_generated_workflow_passes_actionlint_and_zizmor(kind: str, request: pytest.FixtureRequest) -> None:
    project: Path = request.getfixturevalue(f"{kind}_project")
    path = write_workflow(project)
    assert path == project.resolve() / ".github" / "workflows" / "wheels.yml"
    assert lint(path) == []


def test_the_linters_do_fail_a_bad_workflow(extension_project: Path, tmp_path: Path) -> None:
    text = write_workflow(extension_project).read_text()
    unpinned = tmp_path / "unpinned.yml"
    unpinned.write_text(re.sub(r"gh-action-pypi-publish@\w+", "gh-action-pypi-publish@release/v1", text))
    assert any("unpinned-uses" in problem for problem in lint(unpinned))
    unquoted = tmp_path / "unquoted.yml"
    unquoted.write_text(text.replace("cut -d- -f1)", "cut -d- -f1)\n          ls $name"))
    assert any("SC2086" in problem for problem in lint(unquoted))


def test_jobs_permissions_and_pins(extension_project: Path) -> None:
    path = write_workflow(extension_project)
    workflow = load(path)
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert set(jobs) == {"build", "test", "publish"}
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["test"]["permissions"] == {"contents": "read"}
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert jobs["publish"]["environment"]["name"] == "pypi"
    assert jobs["publish"]["needs"] == ["build", "test"]
    assert "refs/tags/v" in jobs["publish"]["if"]
    text = path.read_text()
    assert "secrets." not in text and "password" not in text, "trusted publishing needs no token"
    uses = re.findall(r"uses: (\S+) # (v[\d.]+)$", text, re.MULTILINE)
    assert len(uses) == text.count("uses:")
    for reference, version in uses:
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", reference), reference
        assert (reference, version) in ACTIONS.values()


def test_build_job_builds_every_target_and_the_sdist_with_caches(extension_project: Path) -> None:
    build = load(write_workflow(extension_project))["jobs"]["build"]
    assert build["runs-on"].startswith("ubuntu-")
    runs = [step.get("run", "") for step in build["steps"]]
    assert "pygo-tools build --target all --zig --out dist" in runs
    assert "python -m build --sdist --no-isolation --outdir dist" in runs
    (cache,) = [step for step in build["steps"] if step.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"].split() == ["~/.cache/go-build", "~/.cache/zig", "~/.cache/pygo-tools"]
    assert cache["with"]["lookup-only"] == "${{ startsWith(github.ref, 'refs/tags/') }}"


def test_test_matrix_covers_the_native_runners(extension_project: Path) -> None:
    test = load(write_workflow(extension_project))["jobs"]["test"]
    include = test["strategy"]["matrix"]["include"]
    assert {(row["platform"], row["runner"]) for row in include} == set(PLATFORMS.items())
    assert {row["python"] for row in include} == {"3.9", "3.13"}
    assert len(include) == 10
    assert set(PLATFORMS) == {"linux-x86_64", "linux-arm64", "macos-arm64", "macos-x86_64", "windows-x86_64"}


def test_skip_and_python_options(extension_project: Path) -> None:
    options = WorkflowOptions(skip=("macos-x86_64", "windows-x86_64"), pythons=("3.12",))
    include = load(write_workflow(extension_project, options))["jobs"]["test"]["strategy"]["matrix"]["include"]
    assert [(row["platform"], row["python"]) for row in include] == [
        ("linux-x86_64", "3.12"),
        ("linux-arm64", "3.12"),
        ("macos-arm64", "3.12"),
    ]


def test_default_tests_are_pytest_when_there_is_a_tests_folder(extension_project: Path) -> None:
    (extension_project / "tests").mkdir()
    steps = load(write_workflow(extension_project))["jobs"]["test"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert 'pytest "$GITHUB_WORKSPACE"/tests' in runs
    assert "python -m pip install pytest" in runs


def test_without_tests_the_jobs_import_the_native_code(
    extension_project: Path, programs_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = load(write_workflow(extension_project))["jobs"]["test"]["steps"]
    assert steps[-1]["run"] == 'python -c "import hello_go._native"'
    assert steps[-1]["working-directory"] == "${{ runner.temp }}"
    assert "no tests/ folder" in capsys.readouterr().err
    steps = load(write_workflow(programs_project))["jobs"]["test"]["steps"]
    assert "from hello_cli._binaries import binary_path" in steps[-1]["run"]


def test_test_command_and_requirements(extension_project: Path) -> None:
    options = WorkflowOptions(test_command="python -I {project}/smoke.py", test_requires=("numpy>=2", "hypothesis"))
    steps = load(write_workflow(extension_project, options))["jobs"]["test"]["steps"]
    assert steps[-1]["run"] == 'python -I "$GITHUB_WORKSPACE"/smoke.py'
    assert "python -m pip install 'numpy>=2' hypothesis" in [step.get("run") for step in steps]


def test_pygo_tools_requirement_and_build_requires(extension_project: Path) -> None:
    pyproject = extension_project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('["pygo-tools>=0.2"]', '["pygo-tools>=0.2", "setuptools-scm>=8"]')
    )
    url = "pygo-tools @ git+https://github.com/example/pygo-tools@v0.2.0"
    workflow = load(write_workflow(extension_project, WorkflowOptions(pygo_tools=url)))
    assert (
        workflow["env"]["PYGO_TOOLS_REQUIREMENT"]
        == "pygo-tools[cross,go] @ git+https://github.com/example/pygo-tools@v0.2.0"
    )
    runs = [step.get("run", "") for step in workflow["jobs"]["build"]["steps"]]
    assert "python -m pip install \"$PYGO_TOOLS_REQUIREMENT\" build twine 'setuptools-scm>=8'" in runs


def test_default_pygo_tools_is_this_version_never_pypi_018(extension_project: Path) -> None:
    from pygo_tools import __version__

    workflow = load(write_workflow(extension_project))
    assert workflow["env"]["PYGO_TOOLS_REQUIREMENT"] == f"pygo-tools[cross,go]=={__version__}"


def test_pypi_link_from_the_project_name(programs_project: Path) -> None:
    publish = load(write_workflow(programs_project))["jobs"]["publish"]
    assert publish["environment"] == {"name": "pypi", "url": "https://pypi.org/p/hello-cli"}


BAD_OPTIONS = [
    (WorkflowOptions(skip=("linux-riscv",)), r"--skip: unknown platform 'linux-riscv'"),
    (WorkflowOptions(skip=tuple(PLATFORMS)), r"--skip: every platform is left out"),
    (WorkflowOptions(pythons=("3.8",)), r"--python: '3.8' is not a CPython the runners offer"),
    (WorkflowOptions(pythons=("3.x",)), r"--python: '3.x' is not"),
    (WorkflowOptions(test_command="pytest\nrm -rf /"), r"--test-command: .* has a newline"),
    (WorkflowOptions(test_command="echo ${{ github.event.issue.title }}"), r"--test-command: .* contains '\$\{\{'"),
    (WorkflowOptions(test_command="x" * 1001), r"--test-command: longer than 1000 characters"),
    (WorkflowOptions(test_requires=("",)), r"--test-requires: must not be empty"),
    (
        WorkflowOptions(test_requires=("not a requirement!",)),
        r"--test-requires: 'not a requirement!' is not a requirement",
    ),
    (WorkflowOptions(test_requires=("--index-url=http://evil",)), r"--test-requires: .* is not a requirement"),
    (WorkflowOptions(pygo_tools="pygo-tools"), r"--pygo-tools: 'pygo-tools' would accept pygo-tools 0.1.8"),
    (WorkflowOptions(pygo_tools="pygo-tools>=0.1"), r"would accept pygo-tools 0.1.8 from PyPI"),
    # Anything PyPI's unrelated 0.1.x could satisfy, not only 0.1.8 itself.
    (WorkflowOptions(pygo_tools="pygo-tools==0.1.7"), r"would accept pygo-tools 0.1.7 from PyPI, a release of the"),
    (WorkflowOptions(pygo_tools="pygo-tools<0.1.8"), r"would accept pygo-tools 0.1.7 from PyPI"),
    (WorkflowOptions(pygo_tools="pygo-tools!=0.1.8"), r"would accept pygo-tools 0.1.7 from PyPI"),
    (WorkflowOptions(pygo_tools="pygo-tools>0.1.8"), r"would accept pygo-tools 0.1.9 from PyPI"),
    (WorkflowOptions(pygo_tools="pygo-tools==0.1.*"), r"would accept pygo-tools 0.1.8 from PyPI"),
    (WorkflowOptions(pygo_tools="pygo-tools===0.0.1"), r"would accept pygo-tools 0.0.1 from PyPI"),
    (WorkflowOptions(pygo_tools="pygo-tools<0.2.0"), r"would accept pygo-tools 0.1.8 from PyPI"),
    (WorkflowOptions(test_command="pytest '{project}/tests"), r"--test-command: .* leaves a ' quote open"),
    (WorkflowOptions(pygo_tools="requests==2.0"), r"--pygo-tools: 'requests==2.0' does not name pygo-tools"),
    (WorkflowOptions(pygo_tools="pygo-tools==0.2.0; os_name == 'nt'"), r"environment markers do not apply"),
    (WorkflowOptions(pygo_tools="pygo-tools @ https://x/${{ secrets.TOKEN }}"), r"contains '\$\{\{'"),
    (WorkflowOptions(pygo_tools=""), r"--pygo-tools: must not be empty"),
]


@pytest.mark.parametrize(("options", "message"), BAD_OPTIONS)
def test_bad_options_are_clear_errors(extension_project: Path, options: WorkflowOptions, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        write_workflow(extension_project, options)
    assert not (extension_project / ".github").exists(), "nothing is written for a bad option"


def test_python_older_than_the_projects_floor(tmp_path: Path) -> None:
    write_config(tmp_path, limited_api="3.10")
    with pytest.raises(ConfigError, match=r"--python: 3.9 is older than the project's oldest CPython \(3.10\)"):
        write_workflow(tmp_path, WorkflowOptions(pythons=("3.9",)))
    include = load(write_workflow(tmp_path))["jobs"]["test"]["strategy"]["matrix"]["include"]
    assert {row["python"] for row in include} == {"3.10", "3.13"}


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        ('[project]\nname = "bad name!"\n', r"\[project\] name: 'bad name!' is not a valid project name"),
        ('[project]\nname = "-x"\n', r"\[project\] name: '-x' is not a valid project name"),
        ('[build-system]\nrequires = "setuptools"\n', r"requires: expected a list of strings"),
        ('[build-system]\nrequires = ["x @ https://h/${{ github.token }}"]\n', r"requires: .* contains '\$\{\{'"),
    ],
)
def test_bad_project_metadata(tmp_path: Path, pyproject: str, message: str) -> None:
    write_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text(pyproject)
    with pytest.raises(ConfigError, match=message):
        write_workflow(tmp_path)


def test_not_a_pygo_tools_project(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no pygo-tools configuration found"):
        write_workflow(tmp_path)


def test_an_existing_workflow_is_kept_unless_forced(
    extension_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = extension_project / WORKFLOW_PATH
    path.parent.mkdir(parents=True)
    path.write_text("# mine\n")
    with pytest.raises(ConfigError, match=r"wheels\.yml already exists") as info:
        write_workflow(extension_project)
    assert "pass --force" in str(info.value)
    assert path.read_text() == "# mine\n"
    write_workflow(extension_project, force=True)
    assert path.read_text().startswith("# Wheels for every platform")
    write_workflow(extension_project)  # the same content again: nothing to overwrite
    assert "is up to date" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["directory", "symlink"])
def test_a_workflow_path_that_is_not_a_file(extension_project: Path, tmp_path: Path, kind: str) -> None:
    path = extension_project / WORKFLOW_PATH
    path.parent.mkdir(parents=True)
    if kind == "directory":
        path.mkdir()
    else:
        (tmp_path / "elsewhere.yml").write_text("# elsewhere\n")
        path.symlink_to(tmp_path / "elsewhere.yml")
    with pytest.raises(ConfigError, match="exists and is not a regular file"):
        write_workflow(extension_project, force=True)
    if kind == "symlink":
        assert (tmp_path / "elsewhere.yml").read_text() == "# elsewhere\n"


def test_an_interrupted_write_leaves_the_old_file(extension_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = extension_project / WORKFLOW_PATH
    path.parent.mkdir(parents=True)
    path.write_text("# mine\n")

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_workflow(extension_project, force=True)
    assert path.read_text() == "# mine\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["wheels.yml"], "no temporary file is left"


def test_cli_writes_and_reports_errors(extension_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["generate-ci", "github", str(extension_project), "--skip", "macos-x86_64", "--skip", "windows-x86_64"]
    assert main(args) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == extension_project.resolve() / WORKFLOW_PATH
    include = load(path)["jobs"]["test"]["strategy"]["matrix"]["include"]
    assert {row["platform"] for row in include} == {"linux-x86_64", "linux-arm64", "macos-arm64"}
    assert main(["generate-ci", "github", str(extension_project), "--python", "3.8"]) == 2
    assert capsys.readouterr().err.startswith("pygo-tools: error: --python: '3.8' is not a CPython the runners offer")
    assert main([*args[:-2], "--skip=windows-x86_64,macos-x86_64"]) == 0  # the same content: fine
    path.write_text("# edited\n")
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err


# Any single printable line either is refused with a clear error or lands in the workflow
# exactly, as data: it never changes the YAML's structure.
@settings(max_examples=150, deadline=None)
@given(command=st.text(min_size=1, max_size=80), requirement=st.text(min_size=1, max_size=40))
def test_no_input_breaks_the_yaml(tmp_path_factory: pytest.TempPathFactory, command: str, requirement: str) -> None:
    assume(command.strip())
    project = tmp_path_factory.mktemp("fuzz")
    config = write_config(project)
    try:
        plan = plan_workflow(config, WorkflowOptions(test_command=command, test_requires=(requirement,)))
    except ConfigError:
        return
    workflow = yaml.safe_load(render_workflow(plan))
    assert set(workflow["jobs"]) == {"build", "test", "publish"}
    steps = workflow["jobs"]["test"]["steps"]
    if not any(c in command for c in "'\"\\"):
        assert steps[-1]["run"] == command.strip().replace("{project}", '"$GITHUB_WORKSPACE"')
    assert "{project}" not in steps[-1]["run"]
    assert steps[-2]["run"].startswith("python -m pip install ")
    assert "${{" not in steps[-1]["run"] + steps[-2]["run"]


@pytest.mark.parametrize(
    "command",
    [
        "printf '%s|' {project}/tests",
        "printf '%s|' \"{project}/tests\"",
        "printf '%s|' '{project}/tests'",
        "printf '%s|' pre{project}/tests",
        "printf '%s|' \"it's\" '{project}'/tests",
    ],
)
def test_project_is_one_word_wherever_it_stands(tmp_path: Path, command: str) -> None:
    """bash runs the step: {project} is the checkout, one word even with spaces in it, inside
    double quotes, single quotes or none."""
    config = write_config(tmp_path)
    run = yaml.safe_load(render_workflow(plan_workflow(config, WorkflowOptions(test_command=command))))
    line = run["jobs"]["test"]["steps"][-1]["run"]
    workspace = "/home/runner/a b/it's"
    printed = subprocess.run(
        ["bash", "-c", line],
        capture_output=True,
        text=True,
        env={"GITHUB_WORKSPACE": workspace, "PATH": "/usr/bin:/bin"},
    ).stdout
    words = [w for w in printed.split("|") if w]
    assert words[-1] in (f"{workspace}/tests", f"pre{workspace}/tests"), (line, printed)


def test_plan_reads_the_project_once(extension_project: Path) -> None:
    plan = plan_workflow(load_config(extension_project), WorkflowOptions())
    assert plan.platforms == tuple(PLATFORMS)
    assert plan.build_requires == ()


def subcommand_options(name: str) -> list[str]:
    from pygo_tools.cli.app import build_parser

    parser = build_parser()._subparsers._group_actions[0].choices[name]  # type: ignore[union-attr]
    return [o for action in parser._actions for o in action.option_strings if o.startswith("--") and o != "--help"]


def test_docs_and_readme_keep_up_with_the_generator() -> None:
    docs = (REPO / "docs" / "publishing.md").read_text()
    options = subcommand_options("generate-ci")
    assert options == [
        "--skip", "--python", "--test-command", "--test-requires", "--pygo-tools", "--universal", "--force"
    ]  # fmt: skip
    for option in options:
        assert f"`{option}" in docs, option
    for platform, runner in PLATFORMS.items():
        assert f"| `{platform}` | `{runner}` |" in docs
    for reference, version in ACTIONS.values():
        assert f"`{reference.split('@')[0]}`\n  {version}" in docs or f"`{reference.split('@')[0]}` {version}" in docs
    readme = (REPO / "README.md").read_text()
    assert "[docs/publishing.md](docs/publishing.md)" in readme
    assert "pygo-tools generate-ci github [PROJECT_DIR]" in readme


@pytest.mark.parametrize("link", [".github", ".github/workflows"])
def test_a_symlinked_github_folder_leading_outside_is_refused(tmp_path: Path, link: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write_config(project)
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    (project / link).symlink_to(outside)
    with pytest.raises(ConfigError, match=r"is a symbolic link that leads outside the project") as raised:
        write_workflow(project)
    assert raised.value.hint and "only inside the project" in raised.value.hint
    assert list(outside.rglob("*")) == [], "nothing written through the link"


def test_a_symlinked_github_folder_inside_the_project_is_fine(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write_config(project)
    (project / "ci").mkdir()
    (project / ".github").symlink_to(project / "ci")
    assert write_workflow(project).resolve() == (project / "ci" / "workflows" / "wheels.yml").resolve()


def test_universal_builds_the_webassembly_wheel_and_tests_it_on_pypy(tmp_path: Path) -> None:
    """--universal: the build line adds wasip1/wasm, one PyPy job (no native wheel fits PyPy)
    tests it; the linters stay clean. A project that cannot have one is refused first."""
    project = copy_project(REPO / "tests" / "projects" / "plaingo", tmp_path / "ok")
    path = write_workflow(project, WorkflowOptions(universal=True))
    assert lint(path) == []
    jobs = load(path)["jobs"]
    runs = [step.get("run", "") for step in jobs["build"]["steps"]]
    assert "pygo-tools build --target all --target wasip1/wasm --zig --out dist" in runs
    include = jobs["test"]["strategy"]["matrix"]["include"]
    assert [row for row in include if row["platform"] == "universal"] == [
        {"platform": "universal", "runner": "ubuntu-24.04", "python": "pypy3.11"}
    ]
    assert len(include) == 2 * len(PLATFORMS) + 1
    plain = load(write_workflow(copy_project(REPO / "tests" / "projects" / "plaingo", tmp_path / "plain")))
    assert "universal" not in str(plain["jobs"]["test"]["strategy"]) and "wasip1" not in str(plain)
    for kind, message in (("programs", "executables"), ("extension", "wrapper")):
        target = copy_project(REPO / ("example-cli" if kind == "programs" else "example"), tmp_path / kind)
        if kind == "extension":  # the example without its typed module: raw lib calls need C
            config = json.loads((target / "config.json").read_text())
            del config["wrapper"]
            (target / "config.json").write_text(json.dumps(config))
        with pytest.raises(ConfigError, match=message):
            write_workflow(target, WorkflowOptions(universal=True))
        assert not (target / ".github").exists()
    assert main(["generate-ci", "github", str(project), "--universal", "--force"]) == 0
