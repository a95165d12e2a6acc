"""``pygo-tools``: build a project's wheels, or show its resolved configuration."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import __version__, commands, log, scaffold, subcommands
from .config import Config, load_config, read_toml
from .errors import BuildError, PygoError
from .output import check_out_dir, publish_wheel, remove_partials
from .setuptools_ext import check_buildable
from .sources import check_sources
from .targets import TARGET_ENV, TARGETS, ZIG_ENV, Target, requested_targets


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pygo-tools",
        description="Build Go code (//export functions) into pip-installable Python wheels: "
        "a Go c-shared library plus a cffi abi3 extension, for Linux (manylinux), macOS and Windows.",
    )
    parser.add_argument("--version", action="version", version=f"pygo-tools {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    build = sub.add_parser(
        "build",
        help="build the project's wheels and print their paths",
        description="Build PROJECT_DIR's wheel for each target through its own build backend "
        "(setup.py or pyproject.toml), repair it, and print the path of each wheel written.",
    )
    build.add_argument(
        "project_dir",
        nargs="?",
        default=".",
        metavar="PROJECT_DIR",
        help="the project (default: the current directory)",
    )
    build.add_argument("--out", metavar="DIR", help="where to write wheels (default: PROJECT_DIR/dist)")
    build.add_argument(
        "--target",
        action="append",
        metavar="OS/ARCH",
        dest="targets",
        help="build for this Go target, e.g. linux/arm64 or windows/amd64; repeat for several, or `all` "
        "for every target this machine can build (from Linux: all of them) "
        f"(default: $PYGO_TOOLS_TARGET, else this machine). Known: {', '.join(TARGETS)}",
    )
    build.add_argument(
        "--zig",
        action="store_true",
        default=None,
        help="compile this machine's target with zig cc against glibc 2.17 too (manylinux2014 tags); "
        "cross targets always use zig",
    )
    develop = sub.add_parser(
        "develop",
        help="editable install into this environment; run again after changing Go code",
        description="Install PROJECT_DIR in editable mode into the environment running pygo-tools, "
        "without build isolation, so a rebuild after a Go change takes about a second (Go's cache). "
        "Same as: python -m pip install --no-build-isolation --use-pep517 -e PROJECT_DIR",
    )
    develop.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR")
    config = sub.add_parser("config", help="validate the project's configuration and print it resolved")
    config.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR")
    new = scaffold.register(sub)
    for command in (build, develop, config, new):  # `pygo-tools build -v` as well as `pygo-tools -v build`
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    subcommands.register(sub)
    return parser


VERBOSE_HELP = (
    "show every command with the tools' output, setuptools' log and the resolved configuration "
    "(same as PYGO_TOOLS_VERBOSE=1)"
)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.verbose:
        log.set_verbose(True)  # in the environment, so the build backend's processes follow
    try:
        with commands.terminate_as_interrupt():
            return _run(args)
    except PygoError as error:
        log.info(f"pygo-tools: error: {error}")
        return error.exit_code
    except KeyboardInterrupt:
        log.info("pygo-tools: interrupted; stopped the build and removed its temporary files")
        return 130


def _run(args: argparse.Namespace) -> int:
    handler = subcommands.handler_of(args)
    if handler is not None:
        return handler(args)
    if args.command == "config":
        config = load_config(Path(args.project_dir))
        check_sources(config)
        print(config.describe())
        return 0
    project = Path(args.project_dir).resolve()
    config = load_config(project)  # fail before any build on a bad configuration
    check_sources(config)
    if args.command == "develop":
        from .develop import develop

        develop(project)
        return 0
    out = Path(args.out).resolve() if args.out else project / "dist"
    targets = requested_targets(expand_all(args.targets, config), args.zig)
    for target in targets:
        check_buildable(target, config)
    check_out_dir(out)
    remove_partials(out)
    for target in targets:
        print(build_wheel(project, out, target), flush=True)
    return 0


def expand_all(names: list[str] | None, config: Config) -> list[str] | None:
    """``all``: every target this project can be built for from here."""
    if not names or "all" not in names:
        return names
    buildable = []
    for name, target in TARGETS.items():
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
    target_env = {TARGET_ENV: target.name, ZIG_ENV: "1" if target.zig else "0"}

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
                f"{project}: the build for {target.name} failed", hint="the error is shown above"
            ) from None
        return publish_wheel(Path(temp) / name, out)


def _backend_of(project: Path) -> tuple[str, list[str] | None]:
    pyproject = project / "pyproject.toml"
    system = read_toml(pyproject).get("build-system", {}) if pyproject.is_file() else {}
    return system.get("build-backend", "setuptools.build_meta:__legacy__"), system.get("backend-path")
