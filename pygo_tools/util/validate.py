"""Checks on single values of the configuration: names, Go flags, paths.

Each check returns ``None`` for a good value or a short reason ("is a Python keyword") that the
config loader puts after the key. Every pattern matches the whole string (``re.fullmatch``),
so a trailing newline never slips through, and nothing a config says may become a flag of
another program or a path outside the project.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

MAX_NAME = 100
MAX_LIST = 5000
MAX_TEXT = 10_000

_ASCII_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LIBRARY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
_PROGRAM = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_BUILD_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*")
# A Go symbol for -X: an import path (letters, digits and . _ ~ - / but no leading - or /) and a name.
_GO_SYMBOL = re.compile(r"[A-Za-z0-9_~][A-Za-z0-9_.~/-]*\.[A-Za-z_][A-Za-z0-9_]*")
_PACKAGE_PATH = re.compile(r"\.(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Commands a virtual environment or an interpreter already has (python3.11, pip3.11, activate,
# Activate.ps1, pydoc3...): a program of the same name would replace them in the venv's bin/.
_ENVIRONMENT_COMMAND = re.compile(
    r"(python.*|pip[0-9.-]*|pydoc[0-9.-]*|idle[0-9.-]*|2to3[0-9.-]*|easy_install[0-9.-]*"
    r"|activate(\..*)?|deactivate(\..*)?|pygo-tools)",
    re.IGNORECASE,
)
# Windows refuses these as file names, whatever follows a dot (and Go in module paths).
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)


def module_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a dotted Python module name (ASCII identifiers, no keywords)."""
    if not name:
        return "is empty"
    if len(name) > MAX_NAME:
        return f"is longer than {MAX_NAME} characters"
    for part in name.split("."):
        if not _ASCII_IDENTIFIER.fullmatch(part):
            return f"is not a Python module name ({part!r} is not an ASCII identifier)"
        if keyword.iskeyword(part):
            return f"is not a Python module name ({part!r} is a Python keyword)"
    return None


def library_name_problem(name: str) -> str | None:
    if not name:
        return "is empty"
    if len(name) > MAX_NAME:
        return f"is longer than {MAX_NAME} characters"
    if not _LIBRARY.fullmatch(name) or ".." in name:
        return "must be a bare name of letters, digits and _ . + - like 'hello'"
    if name.startswith("lib"):
        return "must not start with 'lib' (pygo-tools adds the 'lib' prefix and the suffix)"
    return None


def program_name_problem(name: str) -> str | None:
    if not name:
        return "is empty"
    if len(name) > MAX_NAME:
        return f"is longer than {MAX_NAME} characters"
    if not _PROGRAM.fullmatch(name) or ".." in name:
        return "is not a usable command name (letters, digits and _ . -, not starting with - or .)"
    if _ENVIRONMENT_COMMAND.fullmatch(name.lower().removesuffix(".exe")):
        return "would replace a command the environment or its Python already has (python*, pip*, activate...)"
    if windows_reserved(name):
        return "is a name Windows reserves for a device"
    return None


def windows_reserved(name: str) -> bool:
    """``con``, ``aux.txt``, ``COM1``: names Windows (and Go, in module paths) refuses."""
    return name.split(".", 1)[0].lower() in WINDOWS_RESERVED


_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+!_-]*")


def version_problem(version: str) -> str | None:
    """A package version stamped into a Go program (``-X main.version=...``): it must stay one
    word of a version's characters, or it would become flags of Go's linker."""
    if not _VERSION.fullmatch(version):
        return "is not a plain version (letters, digits and . + ! _ -, like 1.2.3): it could become options of a tool"
    if len(version) > MAX_NAME:
        return f"is longer than {MAX_NAME} characters"
    return None


def build_tag_problem(tag: str) -> str | None:
    if not _BUILD_TAG.fullmatch(tag):
        return "is not a Go build tag (letters, digits, _ and .)"
    return None


def go_symbol_problem(symbol: str) -> str | None:
    """A ``-X`` target: ``main.version`` or ``example.com/mod/pkg.Version``."""
    if not _GO_SYMBOL.fullmatch(symbol) or "//" in symbol or "/." in symbol:
        return "must be a Go package path and variable name like 'main.version'"
    return None


def package_path_problem(path: str) -> str | None:
    """A Go main package inside the module, written as Go wants it: ``.`` or ``./cmd/tool``."""
    if path.startswith("./") and any(part in ("..", "...") for part in path.split("/")):
        return "must stay inside the Go module (no '..' or '...')"
    if not _PACKAGE_PATH.fullmatch(path):
        return "must be '.' or a relative package path like './cmd/tool' (letters, digits, _ . -)"
    return None


def split_ldflags(text: str) -> list[str]:
    """Split ``-ldflags`` the way Go does (cmd/internal/quoted): spaces separate fields, and a
    field may be wrapped whole in single or double quotes."""
    fields: list[str] = []
    index = 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        if text[index] in "'\"":
            quote = text[index]
            end = text.find(quote, index + 1)
            if end < 0:
                raise ValueError(f"unterminated {quote} quote")
            fields.append(text[index + 1 : end])
            index = end + 1
            if index < len(text) and not text[index].isspace():
                raise ValueError("a quoted field must be followed by a space")
            continue
        end = index
        while end < len(text) and not text[end].isspace():
            end += 1
        fields.append(text[index:end])
        index = end
    return fields


_BOOL_FLAGS = {"-s", "-w"}


def ldflags_problem(text: str) -> str | None:
    """Linker flags may strip (-s, -w) and stamp variables (-X pkg.name=value), nothing else:
    no -o (an output elsewhere), no -extld/-extldflags/-tmpdir (another program or place)."""
    if _CONTROL.search(text):
        return "must not contain control characters (newlines, NUL)"
    if len(text) > MAX_TEXT:
        return f"is longer than {MAX_TEXT} characters"
    try:
        fields = split_ldflags(text)
    except ValueError as error:
        return str(error)
    index = 0
    while index < len(fields):
        flag = fields[index].replace("--", "-", 1) if fields[index].startswith("--") else fields[index]
        name, has_value, value = flag.partition("=")
        if name in _BOOL_FLAGS and (not has_value or value in ("true", "false")):
            index += 1
            continue
        if name == "-X":
            if not has_value:
                if index + 1 >= len(fields):
                    return "-X needs a value like main.version=1.0"
                value = fields[index + 1]
                index += 1
            symbol, equals, _ = value.partition("=")
            if not equals or go_symbol_problem(symbol):
                return f"-X {value!r}: expected pkg.name=value, e.g. main.version=1.0"
            index += 1
            continue
        return (
            f"{fields[index]!r} is not allowed: only -s, -w and -X pkg.name=value are "
            "(pygo-tools chooses the output, the linker and its flags)"
        )
    return None


def text_problem(value: str) -> str | None:
    if _CONTROL.search(value):
        return "must not contain control characters (newlines, NUL)"
    if len(value) > MAX_TEXT:
        return f"is longer than {MAX_TEXT} characters"
    return None


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (resolved, symlinks followed) is ``root`` or below it."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


GENERATED_MARK = "# Generated by pygo-tools"


def is_generated(path: Path) -> bool:
    """Whether ``path`` is a text file pygo-tools wrote (its first line carries our mark)."""
    try:
        with path.open("rb") as handle:
            return handle.readline().startswith(GENERATED_MARK.encode())
    except OSError:
        return False
