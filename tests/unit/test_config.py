from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pygo_tools.errors import ConfigError
from pygo_tools.steps.config import CONFIG_FIELDS, REFERENCE_HINT, load_config

VALID: dict[str, Any] = {
    "package": "myproj",
    "extension": "myproj._native",
    "library": "hello",
    "signatures": ["char* Hello(char* name, int count);"],
}


def write_json(tmp_path: Path, data: Any) -> Path:
    (tmp_path / "myproj").mkdir(exist_ok=True)
    (tmp_path / "config.json").write_text(json.dumps(data) if not isinstance(data, str) else data)
    return tmp_path


def error_of(tmp_path: Path, data: Any) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write_json(tmp_path, data))
    return str(info.value)


def test_valid_config_json(tmp_path: Path) -> None:
    config = load_config(write_json(tmp_path, VALID))
    assert config.package == "myproj"
    assert config.signatures == ("char* Hello(char* name, int count);",)
    assert config.go_path == tmp_path.resolve() / "myproj" / "go"
    assert config.library_subdir == "myproj/lib"
    assert config.extension_subdir == "myproj"
    assert config.limited_api_tag == "cp39"
    assert config.limited_api_hex == "0x03090000"
    assert config.strip is True


def test_plain_extension_is_top_level(tmp_path: Path) -> None:
    config = load_config(write_json(tmp_path, {**VALID, "extension": "_native"}))
    assert config.extension_subdir == ""


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "myproj").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pygo-tools]\npackage = "myproj"\nextension = "myproj._native"\n'
        'library = "hello"\nsignatures = ["int Add(int a, int b);"]\ngo_dir = "src/go"\nlimited_api = "3.11"\n'
    )
    config = load_config(tmp_path)
    assert config.source.name == "pyproject.toml"
    assert config.go_path == tmp_path.resolve() / "src" / "go"
    assert config.limited_api_tag == "cp311"
    assert config.limited_api_hex == "0x030B0000"


def test_pygo_tools_018_dependencies_key_is_accepted(tmp_path: Path) -> None:
    assert load_config(write_json(tmp_path, {**VALID, "dependencies": []})).dependencies == ()


def test_invalid_json_gives_line_and_column(tmp_path: Path) -> None:
    message = error_of(tmp_path, '{\n  "package": "myproj",\n  "library" "hello"\n}')
    assert message.startswith("config.json: invalid JSON at line 3, column 13: Expecting ':' delimiter")


def test_invalid_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pygo-tools\n")
    with pytest.raises(ConfigError, match=r"^pyproject.toml: invalid TOML: .*line 1"):
        load_config(tmp_path)


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    data = {**VALID, "signature": VALID["signatures"]}
    assert error_of(tmp_path, data).startswith("config.json: unknown key 'signature'; did you mean 'signatures'?")


def test_unknown_key_without_close_match_lists_known_keys(tmp_path: Path) -> None:
    message = error_of(tmp_path, {**VALID, "zzz": 1})
    assert message.startswith("config.json: unknown key 'zzz'\n  hint: known keys: package, extension, library")


def test_unknown_key_in_pyproject_names_the_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.pygo-tools]\npackge = "x"\n')
    with pytest.raises(
        ConfigError, match=r"^pyproject.toml: \[tool.pygo-tools\]: unknown key 'packge'; did you mean 'package'\?"
    ):
        load_config(tmp_path)


@pytest.mark.parametrize("key", ["package", "extension", "library"])
def test_missing_required_key(tmp_path: Path, key: str) -> None:
    data = {k: v for k, v in VALID.items() if k != key}
    assert error_of(tmp_path, data).startswith(
        f"config.json: missing required key '{key}'\n  hint: for example {key} = "
    )


def test_wrong_type_string(tmp_path: Path) -> None:
    assert error_of(tmp_path, {**VALID, "library": 3}) == (
        'config.json: library: expected a string, got a number (3)\n  hint: for example library = "hello"'
    )


def test_wrong_type_list(tmp_path: Path) -> None:
    message = error_of(tmp_path, {**VALID, "signatures": "int f(void);"})
    assert message.startswith('config.json: signatures: expected a list of strings, got a string ("int f(void);")\n')
    assert message.endswith('  hint: for example signatures = ["char* Hello(char* name, int count);"]')


def test_wrong_type_list_entry_names_the_index(tmp_path: Path) -> None:
    message = error_of(tmp_path, {**VALID, "signatures": ["int f(void);", "int g(void);", 7]})
    assert message.startswith("config.json: signatures[2]: expected a string, got a number (7)\n  hint: for example")


def test_wrong_type_boolean(tmp_path: Path) -> None:
    assert error_of(tmp_path, {**VALID, "strip": "yes"}).startswith("config.json: strip: expected true or false")


def test_top_level_must_be_a_table(tmp_path: Path) -> None:
    assert error_of(tmp_path, "[1, 2]") == (
        "config.json: expected a table of keys, got a list ([1, 2])\n  hint: " + REFERENCE_HINT
    )


def test_signature_without_semicolon(tmp_path: Path) -> None:
    message = error_of(tmp_path, {**VALID, "signatures": ["int f(void);", "int g(void)"]})
    assert message.startswith("config.json: signatures[1]: 'int g(void)' must end with ';'")


def test_signatures_are_optional(tmp_path: Path) -> None:
    data = {k: v for k, v in VALID.items() if k != "signatures"}
    assert load_config(write_json(tmp_path, data)).signatures == ()


def test_wrapper_must_be_inside_the_package(tmp_path: Path) -> None:
    message = error_of(tmp_path, {**VALID, "wrapper": "other.api"})
    assert message.startswith("config.json: wrapper: 'other.api' must be a module inside package 'myproj'")
    assert load_config(write_json(tmp_path, {**VALID, "wrapper": "myproj.api"})).wrapper == "myproj.api"


def test_borrowed_needs_a_wrapper(tmp_path: Path) -> None:
    message = error_of(tmp_path, {**VALID, "borrowed": ["Hello"]})
    assert message == "config.json: borrowed: only applies when 'wrapper' is set\n  hint: " + REFERENCE_HINT


def test_dotted_extension_outside_package(tmp_path: Path) -> None:
    message = error_of(tmp_path, {**VALID, "extension": "other._native"})
    assert message.startswith("config.json: extension: 'other._native' is dotted but not inside package 'myproj'")


def test_invalid_package_name(tmp_path: Path) -> None:
    assert error_of(tmp_path, {**VALID, "package": "my-proj"}).startswith("config.json: package: 'my-proj' is not")


def test_library_with_lib_prefix(tmp_path: Path) -> None:
    assert error_of(tmp_path, {**VALID, "library": "libhello"}).startswith(
        "config.json: library: 'libhello' must not start with 'lib'"
    )


def test_bad_limited_api(tmp_path: Path) -> None:
    assert error_of(tmp_path, {**VALID, "limited_api": "39"}).startswith(
        "config.json: limited_api: '39' is not a supported CPython version"
    )


def test_both_sources_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.pygo-tools]\npackage = "x"\n')
    assert error_of(tmp_path, VALID).startswith("config.json and [tool.pygo-tools] in pyproject.toml both configure")


def test_no_config_says_what_to_add(tmp_path: Path) -> None:
    expected = r"no pygo-tools configuration found\n  hint: start a project with `pygo-tools new"
    with pytest.raises(ConfigError, match=expected):
        load_config(tmp_path)


def test_pyproject_without_table_is_no_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match="no pygo-tools configuration found"):
        load_config(tmp_path)


def test_every_field_is_documented() -> None:
    for item in CONFIG_FIELDS:
        assert item.metadata["doc"] and item.metadata["kind"] and item.metadata["example"], item.name


def test_describe_lists_resolved_values(tmp_path: Path) -> None:
    text = load_config(write_json(tmp_path, VALID)).describe()
    assert "  go_dir = 'myproj/go'" in text
    assert "  library = 'hello'" in text


@pytest.mark.parametrize(
    "table", ["pygo_tools", "pygotools", "PYGO-TOOLS", "pygo-tool", "pygo_tool", "pygo", "Pygo_Tools", "pygo-toolz"]
)
def test_a_table_near_our_name_is_not_silently_ignored(tmp_path: Path, table: str) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "p"\n\n[tool."{table}"]\npackage = "p"\nextension = "p._n"\nlibrary = "l"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert str(caught.value).startswith(
        f"pyproject.toml: [tool.{table}] is not a table pygo-tools reads; did you mean [tool.pygo-tools]?\n"
        "  hint: rename it to [tool.pygo-tools] (with a hyphen)"
    )


def test_a_near_miss_beside_our_table_is_reported_too(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pygo-tools]\npackage = "p"\nextension = "p._n"\nlibrary = "l"\n\n[tool.pygo_tools]\nwrapper = "p.api"\n'
    )
    with pytest.raises(ConfigError, match=r"merge it into the \[tool.pygo-tools\] table there"):
        load_config(tmp_path)


@pytest.mark.parametrize("table", ["pytest", "pyright", "gopy", "poetry", "ruff", "pygments", "setuptools"])
def test_other_tools_tables_are_left_alone(tmp_path: Path, table: str) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.{table}]\nx = 1\n\n[tool.pygo-tools]\npackage = "p"\nextension = "p._n"\nlibrary = "l"\n'
    )
    assert load_config(tmp_path).package == "p"
