"""Every external command goes through ``run``: echoed so a user can paste it, checked, explained."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import log
from .errors import CommandError


def format_command(command: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> str:
    """A shell line that reproduces ``command``: ``(cd DIR && VAR=x cmd args)``."""
    line = " ".join(shlex.quote(str(part)) for part in command)
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


def run(
    command: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    hint: str | None = None,
    quiet: bool = False,
) -> str:
    """Run ``command`` with ``env`` added to the environment; return its combined output.

    The command is printed first. Its output is shown only on failure (or always unless
    ``quiet``), inside the raised :class:`CommandError`, so a failing tool's own words
    reach the user.
    """
    args = [os.fspath(part) for part in command]
    log.info(f"  $ {format_command(args, env, cwd)}")
    full_env = {**os.environ, **(env or {})}
    try:
        result = subprocess.run(
            args,
            cwd=cwd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
    except FileNotFoundError as error:
        raise CommandError(args, 127, str(error), hint) from error
    if result.returncode != 0:
        raise CommandError(args, result.returncode, result.stdout, hint)
    if result.stdout.strip() and not quiet:
        for line in result.stdout.rstrip().splitlines():
            log.info(f"    {line}")
    return result.stdout
