"""zig cc, the C compiler for every target but the build machine's own (from the ziglang package)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import CommandError, ToolNotFoundError
from ..util import commands

if TYPE_CHECKING:
    from .targets import Target

ZIG_HINT = "`pip install ziglang` where pygo-tools is installed (zig cc from PyPI)"


@dataclass(frozen=True)
class ZigCompiler:
    """``zig cc`` from the ziglang package, run as ``python -m ziglang``."""

    python: str
    version: str

    @property
    def command(self) -> list[str]:
        """``zig`` itself; ``[*command, "dlltool", ...]`` runs one of its tools."""
        return [self.python, "-m", "ziglang"]

    def cc(self, target: Target) -> list[str]:
        return [*self.command, "cc", "-target", target.c_target]


def zig_installed() -> bool:
    return importlib.util.find_spec("ziglang") is not None


def find_zig() -> ZigCompiler:
    """zig from the ziglang package of this interpreter; cross builds need it for cgo and cffi."""
    if not zig_installed():
        raise ToolNotFoundError("zig not found: cross-compiling needs a C compiler for the target", hint=ZIG_HINT)
    try:
        output = commands.run([sys.executable, "-m", "ziglang", "version"], quiet=True).strip()
    except CommandError as error:
        raise ToolNotFoundError(f"python -m ziglang version failed: {error}", hint=ZIG_HINT) from None
    return ZigCompiler(python=sys.executable, version=output)
