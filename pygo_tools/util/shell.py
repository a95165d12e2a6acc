"""A command as a line a user can paste into a shell: ``(cd DIR && VAR=x cmd args)``."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path


def format_command(
    command: Sequence[str | os.PathLike[str]], env: Mapping[str, str] | None = None, cwd: Path | str | None = None
) -> str:
    """A shell line that reproduces ``command``: the variables it adds, then the command, inside
    ``(cd DIR && ...)`` when it runs elsewhere."""
    line = " ".join(shlex.quote(os.fspath(part)) for part in command)
    if env:
        line = " ".join(f"{key}={_shown(key, value)}" for key, value in sorted(env.items())) + " " + line
    if cwd is not None:
        line = f"(cd {shlex.quote(str(cwd))} && {line})"
    return line


def _shown(key: str, value: str) -> str:
    """Quote a variable's value; a prefix added to the current PATH is shown as ``...:$PATH``."""
    current = os.environ.get(key, "")
    if key == "PATH" and current and value.endswith(os.pathsep + current):
        return shlex.quote(value[: -len(current)]) + "$PATH"
    return shlex.quote(value)
