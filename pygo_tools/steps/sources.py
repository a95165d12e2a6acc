"""What a build needs from the project's files, checked before any compiler runs.

The config loader checks the configuration itself; this checks that the Go module it names is
there and usable: the folder, its ``go.mod`` with a ``module`` line, and Go files. ``pygo-tools
config``, ``build`` and ``develop`` and every setuptools/PEP 517 build call it first, so a
missing ``go.mod`` is a one-line message with ``go mod init`` in its hint, not a Go error.
``go_source_files`` lists what of the Go module a build reads (and an sdist carries).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from ..errors import ConfigError
from .config import Config

GO_SOURCE_SUFFIXES = frozenset({".go", ".c", ".h", ".s", ".S", ".cc", ".cpp", ".hh", ".hpp", ".m", ".syso"})
GO_MODULE_FILES = frozenset({"go.mod", "go.sum", "go.work", "go.work.sum"})


def go_source_files(config: Config) -> list[Path]:
    """What a build needs from the Go directory: sources, module files, vendor/, C headers.

    Hidden folders and build outputs (libraries, pygo-tools 0.1.8's `local/`) are left out.
    """
    root = config.go_path
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if not path.is_file() or any(p.startswith(".") for p in parts) or parts[0] == "local":
            continue
        if parts[0] == "vendor" or path.name in GO_MODULE_FILES or path.suffix in GO_SOURCE_SUFFIXES:
            found.append(path)
    return found


_MODULE_LINE = re.compile(r"^\s*module\s+\S", re.MULTILINE)


def check_sources(config: Config) -> None:
    """Raise a :class:`ConfigError` naming what is missing from the Go module, and how to add it."""
    where = config.source.name
    go_path = config.go_path
    shown = _shown(go_path, config.project_dir)
    init = f"(cd {shlex.quote(shown)} && go mod init {config.package.rsplit('.', 1)[-1]})"
    if not go_path.is_dir():
        what = "is a file" if go_path.exists() else "the folder does not exist"
        raise ConfigError(
            f"{where}: no Go module at {shown} ({what})",
            hint=f"create it with a go.mod: mkdir -p {shlex.quote(shown)} && {init}, and put your Go files "
            "there; or set go_dir to where your Go module is",
        )
    go_mod = go_path / "go.mod"
    if not go_mod.is_file():
        raise ConfigError(
            f"{where}: no Go module at {shown} (no go.mod found)",
            hint=f"create one: {init}",
        )
    try:
        text = go_mod.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise ConfigError(f"{shown}/go.mod: cannot be read: {error.strerror or error}") from None
    if not _MODULE_LINE.search(text):
        raise ConfigError(
            f"{shown}/go.mod: no module line, so Go cannot build it",
            hint=f"start it with `module {config.package.rsplit('.', 1)[-1]}` and a `go 1.21` line, or run {init}",
        )
    folders = [go_path] if config.has_extension else []
    folders += [go_path / program.path for program in config.executables]
    for folder in folders:
        if folder.is_dir() and not any(path.is_file() for path in folder.glob("*.go")):
            raise ConfigError(
                f"{where}: no .go files in {_shown(folder, config.project_dir)}",
                hint="put the Go package (package main, with your exported functions or your program) there",
            )


def _shown(path: Path, project_dir: Path) -> str:
    try:
        return path.resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return str(path)
