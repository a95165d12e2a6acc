"""The choices of one build that are not the project's configuration: which targets, zig for the
host, free-threaded wheels. Each front end makes a :class:`BuildOptions` from its own user interface (command-line
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
from .platforms import ABI3T, Target, build_abis, host_target, interpreter_abi, parse_target, with_abis, with_zig
from .platforms.abi import FreeThreadedMode
from .util.log import is_true

TARGET_ENV = "PYGO_TOOLS_TARGET"
ZIG_ENV = "PYGO_TOOLS_ZIG"
# `pygo-tools develop`'s in-place rebuild: the installed version, and the exit code that says
# the project's version is no longer that one (its metadata must be installed again).
DEVELOP_VERSION_ENV = "PYGO_TOOLS_DEVELOP_VERSION"
VERSION_CHANGED = 75
FREE_THREADED_ENV = "PYGO_TOOLS_FREE_THREADED"


@dataclass(frozen=True)
class BuildOptions:
    """The targets to build, in order (the host alone when none was asked for), and whether
    free-threaded (abi3t) wheels were asked for: None when the front end's user did not say (the
    configuration's ``free_threaded`` decides)."""

    targets: tuple[Target, ...]
    free_threaded: FreeThreadedMode | None = None

    @classmethod
    def for_targets(
        cls, names: list[str] | None = None, zig: bool = False, free_threaded: FreeThreadedMode | None = None
    ) -> BuildOptions:
        targets = [parse_target(name) for name in names] if names else [host_target()]
        return cls(tuple(with_zig(targets, zig)), free_threaded)

    def wheel_targets(self, configured: bool) -> tuple[Target, ...]:
        """One target per wheel: each target once per ABI the interpreter builds (abi.py), given
        the configuration's ``free_threaded`` when the options leave it open."""
        mode = self.free_threaded or ("also" if configured else "no")
        return tuple(with_abis(list(self.targets), build_abis(mode)))

    def environment(self, target: Target) -> dict[str, str]:
        """What a ``setup.py`` process needs to build ``target`` (one wheel) as these options say."""
        # abi3t on a GIL interpreter is asked for; any other ABI is the interpreter's own.
        only = target.abi == ABI3T and interpreter_abi() != ABI3T
        return {
            TARGET_ENV: target.name,
            ZIG_ENV: "1" if target.zig else "0",
            FREE_THREADED_ENV: "only" if only else "0",
        }


def free_threaded_mode(value: str | None, where: str = FREE_THREADED_ENV) -> FreeThreadedMode | None:
    """``PYGO_TOOLS_FREE_THREADED``'s value as a mode: 1/true/yes: "also", only: "only",
    0/false/no: "no"; unset or empty: None."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if text == "only":
        return "only"
    if is_true(text):
        return "also"
    if text in ("0", "false", "no", "off"):
        return "no"
    raise ConfigError(
        f"{where}: {value!r} is not one of 1, 0 or only",
        hint="1 (or true): abi3t wheels as well; only: abi3t wheels alone; 0: none",
    )


def from_choices(
    names: list[str] | None,
    zig: bool | None,
    environ: Mapping[str, str] | None = None,
    free_threaded: bool | None = None,
) -> BuildOptions:
    """Targets, zig and free-threaded wheels as a front end's user chose them (``--target``,
    ``--zig``, ``--free-threaded``); what they left open comes from the environment:
    ``PYGO_TOOLS_TARGET`` (comma-separated), ``PYGO_TOOLS_ZIG``, ``PYGO_TOOLS_FREE_THREADED``."""
    environ = os.environ if environ is None else environ
    if not names:
        names = [n for n in environ.get(TARGET_ENV, "").split(",") if n.strip()]
    if zig is None:
        zig = is_true(environ.get(ZIG_ENV))
    mode = "also" if free_threaded else free_threaded_mode(environ.get(FREE_THREADED_ENV))
    return BuildOptions.for_targets(names, zig, mode)


def from_environment(environ: Mapping[str, str] | None = None) -> BuildOptions:
    """The options ``setup.py`` is run with."""
    return from_choices(None, None, environ)


def from_config_settings(settings: Mapping[str, Any] | None) -> BuildOptions:
    """The options of a PEP 517 build: ``--config-settings target=...``, ``zig=1`` and
    ``free-threaded=true``, else the environment. A PEP 517 build makes one wheel: one target,
    and one ABI: the interpreter's own (abi3 on a GIL build, the free-threaded one on a
    free-threaded build), or abi3t when free-threaded wheels are asked for. The configuration's
    ``free_threaded`` does not apply, so that pip builds an sdist on any Python."""
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
    for key in ("free-threaded", "free_threaded"):
        if key in settings:
            environ[FREE_THREADED_ENV] = _setting_text(key, settings[key], allow_list=False)
    options = from_environment(environ)
    if len(options.targets) > 1:
        raise BuildError(
            "a PEP 517 build makes one wheel; several targets were asked for",
            hint="pass one target per build, or use `pygo-tools build --target A --target B`",
        )
    mode = options.free_threaded
    return BuildOptions(options.targets, "only" if mode in ("also", "only") else "no")


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
