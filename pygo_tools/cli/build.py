"""``pygo-tools build``: one wheel per target, each through the project's own build backend."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import BuildError, PygoError
from ..options import BuildOptions, from_choices
from ..pipeline import check_buildable, preflight
from ..platforms import TARGETS, Target
from ..steps.config import Config, read_toml
from ..util import commands, log
from ..wheel.publish import check_out_dir, publish_wheel, remove_partials


def build_command(
    project: Path,
    config: Config,
    out_arg: str | None,
    names: list[str] | None,
    zig: bool | None,
    free_threaded: bool | None = None,
) -> int:
    """Check every target and the output folder first, then build each target's wheel (one per
    Python ABI: abi3, and abi3t when asked for) and print its path (stdout holds only wheel
    paths)."""
    out = Path(out_arg).resolve() if out_arg else project / "dist"
    options = from_choices(expand_all(names, config), zig, free_threaded=free_threaded)
    targets = options.wheel_targets(config.free_threaded) if config.has_extension else options.targets
    for target in targets:
        check_buildable(target, config)
    preflight(config, options.targets)  # every target's tools, before the first one builds
    check_out_dir(out)
    remove_partials(out)
    for index, target in enumerate(targets, 1):
        if len(targets) > 1:  # which wheel is building, of how many
            abi = "" if target.abi.name == "abi3" else f" ({target.abi.name})"
            log.info(f"pygo-tools: [{index}/{len(targets)}] {target.name}{abi}")
        print(build_wheel(project, out, target), flush=True)
    return 0


def expand_all(names: list[str] | None, config: Config) -> list[str] | None:
    """``all``: every target this project can be built for from here."""
    if not names or "all" not in names:
        return names
    buildable = []
    for name, target in TARGETS.items():
        if target.universal:  # `all` is every native platform; the universal wheel is asked for by name
            continue
        try:
            check_buildable(target, config)
            buildable.append(name)
        except PygoError:
            log.info(f"pygo-tools: all: skipping {name} (an extension for it must be built there)")
    return [*dict.fromkeys([*(n for n in names if n != "all"), *buildable])]


def build_wheel(project: Path, out: Path, target: Target) -> Path:
    """Build one target through the project's PEP 517 backend in this environment (no isolation).

    The backend runs in its own process group, stopped with everything it started if pygo-tools
    is interrupted; the wheel is published into ``out`` only once it is complete.
    """
    from pyproject_hooks import BackendUnavailable, BuildBackendHookCaller, HookMissing

    backend, backend_path = _backend_of(project)
    target_env = BuildOptions((target,)).environment(target)

    def runner(cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None) -> None:
        env = {**os.environ, **(extra_environ or {}), **target_env}
        code = commands.run_attached(cmd, cwd=cwd, env=env)
        if code:
            raise subprocess.CalledProcessError(code, list(cmd))

    caller = BuildBackendHookCaller(
        str(project), backend, backend_path, runner=runner, python_executable=sys.executable
    )
    with tempfile.TemporaryDirectory(prefix="pygo-out-") as temp:
        try:
            name = caller.build_wheel(temp)
        except (BackendUnavailable, HookMissing) as error:
            raise BuildError(f"{project}: build backend {backend!r} unavailable: {error}") from None
        except subprocess.CalledProcessError:  # the backend's own message is already on stderr
            raise BuildError(
                f"{project}: the build for {target.label} failed", hint="the error is shown above"
            ) from None
        return publish_wheel(Path(temp) / name, out)


def _backend_of(project: Path) -> tuple[str, list[str] | None]:
    pyproject = project / "pyproject.toml"
    system = read_toml(pyproject).get("build-system", {}) if pyproject.is_file() else {}
    return system.get("build-backend", "setuptools.build_meta:__legacy__"), system.get("backend-path")
