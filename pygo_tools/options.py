"""The choices of one build that are not the project's configuration: which targets, zig for the
host. Each front end makes a :class:`BuildOptions` from its own user interface (command-line
flags, PEP 517 ``config_settings``, or, for ``setup.py``, the environment) and hands it in.

Inside one process the options travel in a context variable (as scikit-build-core passes PEP 517
settings down), never through ``os.environ``; environment variables are the user's interface,
and carry options across the one process boundary pygo-tools has to cross: to ``setup.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from .errors import BuildError
from .platforms import Target, host_target, parse_target, with_zig
from .util.log import is_true

TARGET_ENV = "PYGO_TOOLS_TARGET"
ZIG_ENV = "PYGO_TOOLS_ZIG"
# `pygo-tools develop`'s in-place rebuild: the installed version, and the exit code that says
# the project's version is no longer that one (its metadata must be installed again).
DEVELOP_VERSION_ENV = "PYGO_TOOLS_DEVELOP_VERSION"
VERSION_CHANGED = 75


@dataclass(frozen=True)
class BuildOptions:
    """The targets to build, in order (the host alone when none was asked for)."""

    targets: tuple[Target, ...]

    @classmethod
    def for_targets(cls, names: list[str] | None = None, zig: bool = False) -> BuildOptions:
        targets = [parse_target(name) for name in names] if names else [host_target()]
        return cls(tuple(with_zig(targets, zig)))

    def environment(self, target: Target) -> dict[str, str]:
        """What a ``setup.py`` process needs to build ``target`` as these options say."""
        return {TARGET_ENV: target.name, ZIG_ENV: "1" if target.zig else "0"}


def from_choices(names: list[str] | None, zig: bool | None, environ: Mapping[str, str] | None = None) -> BuildOptions:
    """Targets and zig as a front end's user chose them (``--target``, ``--zig``); what they left
    open comes from the environment: ``PYGO_TOOLS_TARGET`` (comma-separated), ``PYGO_TOOLS_ZIG``."""
    environ = os.environ if environ is None else environ
    if not names:
        names = [n for n in environ.get(TARGET_ENV, "").split(",") if n.strip()]
    if zig is None:
        zig = is_true(environ.get(ZIG_ENV))
    return BuildOptions.for_targets(names, zig)


def from_environment(environ: Mapping[str, str] | None = None) -> BuildOptions:
    """The options ``setup.py`` is run with."""
    return from_choices(None, None, environ)


def from_config_settings(settings: Mapping[str, Any] | None) -> BuildOptions:
    """The options of a PEP 517 build: ``--config-settings target=...`` and ``zig=1``, else the
    environment. A PEP 517 build makes one wheel: one target."""
    settings = dict(settings or {})
    environ = dict(os.environ)
    if "target" in settings:
        value = settings["target"]
        environ[TARGET_ENV] = ",".join(value) if isinstance(value, list) else str(value)
    if "zig" in settings:
        environ[ZIG_ENV] = str(settings["zig"])
    options = from_environment(environ)
    if len(options.targets) > 1:
        raise BuildError(
            "a PEP 517 build makes one wheel; several targets were asked for",
            hint="pass one target per build, or use `pygo-tools build --target A --target B`",
        )
    return options


_CURRENT: ContextVar[BuildOptions | None] = ContextVar("pygo_tools_build_options", default=None)


def current() -> BuildOptions:
    """The options of the build running in this context; else those of the environment."""
    return _CURRENT.get() or from_environment()


@contextmanager
def using(options: BuildOptions) -> Iterator[BuildOptions]:
    """Run the body with ``options`` as the current build's (a PEP 517 hook around setuptools)."""
    token = _CURRENT.set(options)
    try:
        yield options
    finally:
        _CURRENT.reset(token)
