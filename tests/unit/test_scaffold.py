"""`pygo-tools new`: names checked as in the config, careless and hostile input, atomic writes."""

from __future__ import annotations

import ast
import os
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pygo_tools.cli import main
from pygo_tools.cli import new as scaffold
from pygo_tools.cli.new import STAGING_PREFIX, plan_project, write_project
from pygo_tools.errors import ConfigError
from pygo_tools.steps.config import load_config, read_toml
from pygo_tools.steps.sources import check_sources


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def new(*args: str) -> Path:
    assert main(["new", *args]) == 0
    return Path(args[0]).resolve()


def error_of(*args: str) -> str:
    with pytest.raises(ConfigError) as info:
        project = plan_project(args[0], *args[1:])
        write_project(project)
    assert info.value.hint, "every error says what to do"
    return str(info.value)


def test_the_project_is_complete_and_its_config_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = new("my-proj")
    assert capsys.readouterr().out == f"{project}\n"
    files = sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())
    assert files == [
        ".gitignore",
        "README.md",
        "my_proj/__init__.py",
        "my_proj/go/go.mod",
        "my_proj/go/hello.go",
        "pyproject.toml",
        "tests/test_my_proj.py",
    ]
    pyproject = read_toml(project / "pyproject.toml")
    assert pyproject["build-system"] == {"requires": ["pygo-tools>=0.2.0"], "build-backend": "pygo_tools.backend"}
    assert pyproject["project"]["name"] == "my-proj"
    config = load_config(project)
    check_sources(config)
    assert (config.package, config.extension, config.library, config.wrapper) == (
        "my_proj",
        "my_proj._native",
        "my_proj",
        "my_proj.api",
    )
    assert (
        "//pygo:export\nfunc Hello(name string, count int) (string, error) {"
        in (project / "my_proj/go/hello.go").read_text()
    )
    for path in project.rglob("*.py"):
        ast.parse(path.read_text(), str(path))


def test_an_executable_project(tmp_path: Path) -> None:
    project = new("hello-tool", "--executable")
    config = load_config(project)
    check_sources(config)
    assert [(p.name, p.path, p.version_var) for p in config.executables] == [("hello-tool", ".", "main.version")]
    assert not config.has_extension
    assert "/hello_tool/_binaries.py" in (project / ".gitignore").read_text()


def test_the_folder_gets_a_normal_mode(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        project = new("p")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(project.stat().st_mode) == 0o755
    assert stat.S_IMODE((project / "pyproject.toml").stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("",), "PATH is empty"),
        (("a/../b",), "goes up with '..'"),
        (("..",), "goes up with '..'"),
        (("-rf",), "starts with '-', which other tools would take for an option"),
        (("a/-x",), "'-x' starts with '-'"),
        (("line\nbreak",), "must not contain control characters"),
        (("class",), "package name 'class' is not a Python module name ('class' is a Python keyword)"),
        (("json",), "package name 'json' would hide a module of that name"),
        (("go",), "package name 'go' would hide a module"),
        (("tests",), "package name 'tests' would hide a module"),
        (("3d-tools",), "package name '3d_tools' is not a Python module name"),
        (("my proj",), "project name 'my proj' is not a valid project name"),
        (("proj-",), "project name 'proj-' is not a valid project name"),
        (("x" * 101,), "is longer than 100 characters"),
        (("ok", "bad name"), "project name 'bad name' is not a valid project name"),
        (("ok", None, "a.b"), "must be a single name, not dotted"),
        (("ok", None, "naïve"), "is not an ASCII identifier"),
        (
            ("python3", None, None, True),
            "command name 'python3' would replace a command the environment or its Python already has",
        ),
        (("missing/parent/p",), "no such folder, so p cannot be created in it"),
        # Names a venv or interpreter already provides, as a console command.
        *(
            ((name, None, None, True), f"command name {name!r} would replace a command the environment")
            for name in ("pip3.11", "python3.13t", "Activate.ps1", "activate", "deactivate", "pydoc3", "PIP.EXE")
        ),
        # Names Windows reserves for devices (and Go refuses in module paths), whatever the case.
        *(
            ((name,), f"name {name!r} is a name Windows reserves for a device")
            for name in ("con", "AUX", "nul", "com1", "LPT9", "prn")
        ),
        ((("ok", None, "com3")), "package name 'com3' is a name Windows reserves"),
        (("nul.txt",), "project name 'nul.txt' is a name Windows reserves for a device"),
        (("ok", "Aux.tools"), "project name 'Aux.tools' is a name Windows reserves for a device"),
        (("ok", "CON", "con_tools", True), "project name 'CON' is a name Windows reserves"),
        # Modules Python (or a venv) imports by itself at start-up, and dunders.
        *(
            ((name,), f"package name {name!r} would hide a module of that name")
            for name in ("sitecustomize", "usercustomize", "pluggy", "packaging")
        ),
        (("ok", None, "_virtualenv"), "package name '_virtualenv' would hide a module of that name"),
        (("ok", None, "__main__"), "package name '__main__' is a name Python gives special meaning"),
        (("ok", None, "__init__"), "package name '__init__' is a name Python gives special meaning"),
        # Names the build would refuse in the configuration new writes.
        (("a" * 93,), "would not build: pyproject.toml: [tool.pygo-tools]: extension: "),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(args: tuple[object, ...], expected: str, tmp_path: Path) -> None:
    assert expected in error_of(*args)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_a_name_that_is_not_a_package_suggests_package() -> None:
    assert "hint: pass --package NAME" in error_of("3d-tools")


def test_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "p").write_text("mine")
    assert "p: is a file" in error_of("p")
    assert (tmp_path / "p").read_text() == "mine"


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "notes.txt").write_text("mine")
    message = error_of("p")
    assert "p: not empty (notes.txt)" in message and "--force" in message
    assert [f.name for f in (tmp_path / "p").iterdir()] == ["notes.txt"]


def test_force_adds_the_files_and_keeps_the_others(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "notes.txt").write_text("mine")
    (tmp_path / "p" / "README.md").write_text("old")
    new("p", "--force")
    assert (tmp_path / "p" / "notes.txt").read_text() == "mine"
    assert (tmp_path / "p" / "README.md").read_text().startswith("# p\n")
    load_config(tmp_path / "p")


def test_an_empty_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    new(".")
    assert load_config(Path.cwd()).package == "here"
    assert Path.cwd() == tmp_path / "here", "the folder the shell is in stays the same folder"


def test_force_stops_at_a_folder_where_a_file_goes(tmp_path: Path) -> None:
    (tmp_path / "p" / "pyproject.toml").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"pyproject\.toml: a folder is in the way"):
        write_project(plan_project("p"), force=True)
    assert [f.name for f in (tmp_path / "p").iterdir()] == ["pyproject.toml"]


def test_force_never_follows_a_symlink_out_of_the_project(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "p").symlink_to(outside)
    with pytest.raises(ConfigError, match="is a symbolic link"):
        write_project(plan_project("p"), force=True)
    assert list(outside.iterdir()) == []


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(STAGING_PREFIX)]


def test_interrupted_while_writing_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Path.write_text
    count = [0]

    def write_text(self: Path, *args: object, **kwargs: object) -> int:
        count[0] += 1
        if count[0] == 4:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(KeyboardInterrupt):
        write_project(plan_project("p"))
    assert list(tmp_path.iterdir()) == []


def test_interrupted_while_moving_into_an_empty_folder_undoes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "p").mkdir()
    real = os.replace
    count = [0]

    def replace(source: str, destination: str) -> None:
        count[0] += 1
        if count[0] == 5:
            raise OSError(28, "No space left on device")
        real(source, destination)

    monkeypatch.setattr(scaffold.os, "replace", replace)
    with pytest.raises(OSError):
        write_project(plan_project("p"))
    assert list((tmp_path / "p").iterdir()) == []
    assert leftovers(tmp_path) == []


def test_ci_github_writes_the_workflow_too(tmp_path: Path) -> None:
    project = new("p", "--ci", "github")
    workflow = project / ".github" / "workflows" / "wheels.yml"
    assert "pygo-tools build" in workflow.read_text()


def test_unknown_ci_provider() -> None:
    with pytest.raises(ConfigError, match="--ci: unknown provider 'gitlab'"):
        write_project(plan_project("p"), ci="gitlab")


def test_cli_errors_exit_2_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "--", "-x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pygo-tools: error: PATH '-x': '-x' starts with '-'") and "hint:" in err


_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,20}[A-Za-z0-9]", fullmatch=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_names, executable=st.booleans())
def test_every_accepted_name_gives_a_valid_project(tmp_path: Path, name: str, executable: bool) -> None:
    folder = tmp_path / f"case-{abs(hash((name, executable)))}"
    folder.mkdir()
    try:
        project = plan_project(str(folder / name), executable=executable)
    except ConfigError as error:
        assert error.hint
        return
    write_project(project)
    config = load_config(project.path)
    check_sources(config)
    assert read_toml(project.path / "pyproject.toml")["project"]["name"] == name
    for path in project.path.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    assert config.package not in getattr(sys, "stdlib_module_names", ())
