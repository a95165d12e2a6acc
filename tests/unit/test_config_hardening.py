"""Bad, hostile and careless configurations: each ends in one clear ConfigError, never a build.

Names are matched whole (a trailing newline is not a name), nothing may become a flag of Go or
its linker, nothing may point outside the project, and no generated module may take the place
of a file the user wrote.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pygo_tools.cli import main
from pygo_tools.errors import ConfigError
from pygo_tools.steps.config import load_config
from pygo_tools.util.validate import ldflags_problem, split_ldflags

VALID: dict[str, Any] = {"package": "myproj", "extension": "myproj._native", "library": "hello"}
PROGRAMS: dict[str, Any] = {"package": "myproj", "executables": [{"name": "tool", "path": "./cmd/tool"}]}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "myproj" / "go" / "cmd" / "tool").mkdir(parents=True)
    (tmp_path / "myproj" / "__init__.py").write_text("")
    return tmp_path


def error_of(project: Path, data: Any) -> str:
    (project / "config.json").write_text(json.dumps(data) if not isinstance(data, (str, bytes)) else "")
    if isinstance(data, (str, bytes)):
        (project / "config.json").write_bytes(data.encode() if isinstance(data, str) else data)
    with pytest.raises(ConfigError) as info:
        load_config(project)
    return str(info.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"extension": "", "library": ""}, "config.json: nothing to build: set 'extension' and 'library'"),
        ({"extension": "myproj"}, "config.json: extension: 'myproj' is the package itself"),
        (
            {"package": "class"},
            "config.json: package: 'class' is not a Python module name ('class' is a Python keyword)",
        ),
        ({"package": "myproj\n"}, "config.json: package: 'myproj\\n' is not a Python module name"),
        ({"package": "mypröj"}, "config.json: package: 'mypröj' is not a Python module name"),
        ({"package": ""}, "config.json: package: '' is empty"),
        ({"package": "a" * 101}, "is longer than 100 characters"),
        ({"extension": "myproj._native\n"}, "config.json: extension: 'myproj._native\\n' is not a Python module name"),
        ({"extension": "myproj.from"}, "'from' is a Python keyword"),
        ({"extension": "myproj.lib"}, "clashes with the lib/ folder pygo-tools puts in the package"),
        ({"library": "hello\n"}, "config.json: library: 'hello\\n' must be a bare name"),
        ({"library": "-o"}, "config.json: library: '-o' must be a bare name"),
        ({"library": "a..b"}, "must be a bare name"),
        ({"library": ""}, "config.json: library: missing or empty"),
        ({"wrapper": "myproj.api\n"}, "config.json: wrapper: 'myproj.api\\n' must be a module inside package"),
        ({"wrapper": "myproj"}, "must be a module inside package"),
        ({"wrapper": "myproj.lib"}, "clashes with the lib/ folder"),
        ({"wrapper": "myproj.None"}, "must be a module inside package"),
        ({"limited_api": "3.99"}, "config.json: limited_api: '3.99' is not a supported CPython version"),
        ({"limited_api": "3.8"}, "not a supported CPython version\n  hint: use one from 3.9 to"),
        ({"limited_api": "3.9\n"}, "is not a supported CPython version"),
        ({"signatures": ["int f(int);"] * 20_000}, "config.json: signatures: 20,000 entries; at most 5,000"),
        (
            {"signatures": ["int f(int);", "int  f(int);"]},
            "config.json: signatures[1]: 'int  f(int);' repeats signatures[0]",
        ),
        ({"signatures": ["int f(int);\x00"]}, "config.json: signatures[0]: must not contain a NUL character"),
        ({"build_tags": ["a,b"]}, "config.json: build_tags[0]: 'a,b' is not a Go build tag"),
        ({"build_tags": ["-toolexec=/bin/sh"]}, "is not a Go build tag"),
        ({"ldflags": "-o /elsewhere/x"}, "config.json: ldflags: '-o' is not allowed"),
        ({"ldflags": "-s -extld=/some/program"}, "'-extld=/some/program' is not allowed"),
        ({"ldflags": "-extldflags=-Wl,-o,/tmp/x"}, "is not allowed"),
        ({"ldflags": "-X main.v=1\n-o x"}, "must not contain control characters"),
        ({"ldflags": "-X 'main.v=1"}, "unterminated ' quote"),
        ({"ldflags": "-X main.v"}, "expected pkg.name=value"),
        ({"go": "./go"}, "config.json: go: './go' must be the absolute path of a go binary"),
        ({"go": "/bin/sh"}, "must be the absolute path of a go binary"),
        ({"go_dir": "/abs/go"}, "config.json: go_dir: '/abs/go' must be a folder relative to the project"),
        ({"unchecked": ["Add"], "wrapper": "myproj.api", "borrowed": ["x y"]}, "borrowed[0]: 'x y' is not the name"),
    ],
)
def test_bad_extension_config(project: Path, overrides: dict[str, Any], message: str) -> None:
    assert message in error_of(project, {**VALID, **overrides})


@pytest.mark.parametrize(
    ("program", "message"),
    [
        ({"path": "-o=/elsewhere/x"}, "executables[0].path: '-o=/elsewhere/x' must be '.' or a relative package path"),
        ({"path": "-toolexec=/some/program"}, "must be '.' or a relative package path"),
        ({"path": "./../outside"}, "must stay inside the Go module"),
        ({"path": "./cmd/..."}, "must stay inside the Go module"),
        ({"path": "cmd/tool"}, "must be '.' or a relative package path"),
        ({"path": "./cmd/missing"}, "executables[0].path: './cmd/missing' is not a folder inside the Go module"),
        ({"version_var": "main.version -o /tmp/x"}, "executables[0].version_var: 'main.version -o /tmp/x' must be"),
        ({"version_var": "-X"}, "must be a Go package path and variable name"),
        ({"version_var": "main.version\n"}, "must be a Go package path"),
        ({"ldflags": "-o /tmp/x"}, "executables[0].ldflags: '-o' is not allowed"),
        ({"tags": ["x y"]}, "executables[0].tags[0]: 'x y' is not a Go build tag"),
        ({"name": "python"}, "would replace a command the environment or its Python already has"),
        *(
            ({"name": name}, f"executables[0].name: {name!r} would replace a command the environment")
            for name in (
                "python3.11",
                "pip3.11",
                "pip",
                "activate",
                "Activate.ps1",
                "activate.fish",
                "pydoc3",
                "pythonw.exe",
                "PYTHON3",
                "deactivate.bat",
                "python3.13t",
                "pip-3.12",
            )
        ),
        *(
            ({"name": name}, f"executables[0].name: {name!r} is a name Windows reserves for a device")
            for name in ("con", "NUL", "aux.exe", "com1", "lpt3")
        ),
        ({"name": "tool\n"}, "is not a usable command name"),
        ({"name": "-rf"}, "is not a usable command name"),
        ({"name": ""}, "executables[0].name: '' is empty"),
    ],
)
def test_bad_program_config(project: Path, program: dict[str, Any], message: str) -> None:
    data = {"package": "myproj", "executables": [{"name": "tool", "path": "./cmd/tool", **program}]}
    assert message in error_of(project, data)


def test_program_outside_the_module_through_a_symlink(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (project / "myproj" / "go" / "cmd" / "evil").symlink_to(outside)
    data = {"package": "myproj", "executables": [{"name": "tool", "path": "./cmd/evil"}]}
    assert "is not a folder inside the Go module" in error_of(project, data)


def test_programs_whose_entry_points_would_clash(project: Path) -> None:
    data = {"package": "myproj", "executables": [{"name": "a-b"}, {"name": "a_b"}]}
    assert "'a-b' and 'a_b' differ only in punctuation" in error_of(project, data)


def test_allowed_ldflags_pass() -> None:
    assert ldflags_problem("-s -w -X main.version=1.2.3 -X 'main.name=two words' --X=example.com/m/pkg.V=x") is None
    assert split_ldflags("-X 'main.name=two words' -s") == ["-X", "main.name=two words", "-s"]


def test_missing_package_folder_names_the_path(tmp_path: Path) -> None:
    message = error_of(tmp_path, VALID)
    assert f"config.json: package: the package folder {tmp_path.resolve() / 'myproj'} does not exist" in message
    assert "hint: create myproj/ with an __init__.py" in message


def test_extension_may_not_replace_a_users_module(project: Path) -> None:
    (project / "myproj" / "_native.py").write_text("x = 1\n")
    message = error_of(project, VALID)
    assert "extension: 'myproj._native' would replace myproj/_native.py, which pygo-tools did not write" in message


def test_wrapper_may_not_replace_a_hand_written_module(project: Path) -> None:
    (project / "myproj" / "wrapper.py").write_text("def hello(): ...\n")
    message = error_of(project, {**VALID, "wrapper": "myproj.wrapper"})
    assert "wrapper: 'myproj.wrapper' would replace myproj/wrapper.py, which pygo-tools did not write" in message
    assert "hint: choose another name for wrapper, or rename your myproj/wrapper.py" in message


def test_wrapper_written_by_pygo_tools_may_be_rewritten(project: Path) -> None:
    (project / "myproj" / "api.py").write_text(
        "# Generated by pygo-tools from the Go exports of myproj; do not edit.\n"
    )
    (project / "config.json").write_text(json.dumps({**VALID, "wrapper": "myproj.api"}))
    assert load_config(project).wrapper == "myproj.api"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"package": "caf\xe9"}', "config.json: not UTF-8 text (byte 0xe9 at offset 16)"),
        ("[" * 100_000 + "]" * 100_000, "config.json: nested too deeply to be a configuration"),
        ('{"package": "a", "package": "b"}', "config.json: key 'package' appears twice"),
        (b"\xff\xfe{}", "not UTF-8 text"),
    ],
)
def test_unreadable_config_text(project: Path, raw: str | bytes, message: str) -> None:
    assert message in error_of(project, raw)


def test_non_utf8_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_bytes(b'[tool.pygo-tools]\npackage = "\xff"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: not UTF-8 text"):
        load_config(project)


def test_missing_project_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no-such: no such project directory"):
        load_config(tmp_path / "no-such")


def test_unreadable_config_file(project: Path) -> None:
    if os.geteuid() == 0:
        # root reads any file; a directory named config.json is unreadable as a file for everyone
        (project / "pyproject.toml").mkdir()
        (project / "config.json").write_text(json.dumps(VALID))
        assert load_config(project).package == "myproj"
        return
    (project / "config.json").write_text("{}")
    (project / "config.json").chmod(0)
    with pytest.raises(ConfigError, match=r"config\.json: cannot be read"):
        load_config(project)


# Any JSON value under any key: load_config either accepts it or raises ConfigError, never
# anything else (a traceback for the user).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from(
    [
        "package",
        "extension",
        "library",
        "signatures",
        "wrapper",
        "borrowed",
        "unchecked",
        "go_dir",
        "build_tags",
        "ldflags",
        "strip",
        "go",
        "limited_api",
        "executables",
        "dependencies",
        "zzz",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(keys, json_values, max_size=4))
def test_any_json_is_a_config_or_a_config_error(project: Path, changes: dict[str, Any]) -> None:
    (project / "config.json").write_text(json.dumps({**VALID, **changes}))
    try:
        load_config(project)
    except ConfigError as error:
        assert str(error).startswith("config.json: ")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(program=st.dictionaries(st.sampled_from(["name", "path", "version_var", "ldflags", "tags", "cgo"]), json_values))
def test_any_program_table_is_a_config_or_a_config_error(project: Path, program: dict[str, Any]) -> None:
    (project / "config.json").write_text(json.dumps({"package": "myproj", "executables": [program]}))
    try:
        load_config(project)
    except ConfigError as error:
        assert str(error).startswith("config.json: ")


def test_cli_reports_bad_input_without_a_traceback(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "config.json").write_bytes(b"\xff")
    assert main(["build", str(project)]) == 2
    assert main(["config", str(project)]) == 2
    assert main(["build", str(project / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("pygo-tools: error: ") == 3
    assert "Traceback" not in err


def test_programs_may_not_replace_a_users_binaries_module(project: Path) -> None:
    (project / "myproj" / "_binaries.py").write_text("PROGRAMS = ()\n")
    message = error_of(project, PROGRAMS)
    assert "pygo-tools writes myproj/_binaries.py to run the programs, and yours is there" in message
