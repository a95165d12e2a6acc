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

from .errors import BuildError, ConfigError
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
    if settings is not None and not isinstance(settings, Mapping):
        raise ConfigError(f"--config-settings: expected KEY=VALUE settings, got {settings!r}")
    settings = dict(settings or {})
    environ = dict(os.environ)
    if "target" in settings:
        environ[TARGET_ENV] = _setting_text("target", settings["target"], allow_list=True)
    if "zig" in settings:
        value = _setting_text("zig", settings["zig"], allow_list=False).strip().lower()
        if value not in _YES_NO:
            raise ConfigError(
                f"--config-settings zig={settings['zig']!r}: expected 1 or 0 (true/false, yes/no, on/off)",
                hint="pass --config-settings zig=1 to compile this machine's target with zig, or leave it out",
            )
        environ[ZIG_ENV] = value
    options = from_environment(environ)
    if len(options.targets) > 1:
        raise BuildError(
            "a PEP 517 build makes one wheel; several targets were asked for",
            hint="pass one target per build, or use `pygo-tools build --target A --target B`",
        )
    return options


_YES_NO = frozenset({"1", "0", "true", "false", "yes", "no", "on", "off", ""})


def _setting_text(key: str, value: Any, allow_list: bool) -> str:
    """A ``--config-settings`` value as text: a string, or (given more than once) a list of them."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        if allow_list:
            return ",".join(value)
        raise ConfigError(
            f"--config-settings {key}: given {len(value)} times ({', '.join(map(repr, value))}); give it once",
            hint=f"pass --config-settings {key}=VALUE once",
        )
    raise ConfigError(
        f"--config-settings {key}: expected text, got {value!r}", hint=f"pass --config-settings {key}=VALUE"
    )


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
