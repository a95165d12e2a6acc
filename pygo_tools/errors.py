"""One small error hierarchy; each entry point turns these into a clean message and exit code."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from .util.shell import format_command


class PygoError(Exception):
    """Base of every error pygo-tools reports to a user.

    ``hint`` says what to do next; it is printed under the message.
    """

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class ConfigError(PygoError):
    """The project's configuration is missing, malformed or inconsistent."""

    exit_code = 2


class ToolNotFoundError(PygoError):
    """An external tool (go, zig, patchelf, ...) could not be found or is too old."""

    exit_code = 3


class CommandError(PygoError):
    """An external command failed; carries the command, its exit code and its output.

    The message names the command as a line a user can paste: with the variables pygo-tools
    added to its environment and the folder it ran in."""

    def __init__(
        self,
        command: Sequence[str | os.PathLike[str]],
        returncode: int,
        output: str,
        hint: str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | str | None = None,
    ) -> None:
        self.command = [os.fspath(part) for part in command]
        self.returncode = returncode
        self.output = output
        self.env = dict(env or {})
        self.cwd = cwd
        tail = output.strip()
        message = f"command failed with exit code {returncode}: {format_command(self.command, self.env, cwd)}"
        if tail:
            message += "\n" + tail
        super().__init__(message, hint)


class BuildError(PygoError):
    """The build produced something wrong (a missing symbol, a bad RUNPATH, no wheel...)."""
