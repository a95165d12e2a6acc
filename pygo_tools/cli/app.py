"""``pygo-tools``: the command line. Each subcommand has its module in this package; this one
builds the parser, and turns pygo-tools' errors into one clean line and an exit code."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import PygoError
from ..platforms import TARGETS
from ..steps.config import load_config
from ..steps.sources import check_sources
from ..steps.toolchain import find_go
from ..util import commands, log
from ..util.version import __version__
from . import new, subcommands
from .build import build_command
from .subcommands import PROJECT_HELP


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
        help=PROJECT_HELP,
    )
    build.add_argument("--out", metavar="DIR", help="where to write wheels (default: PROJECT_DIR/dist)")
    build.add_argument(
        "--target",
        action="append",
        metavar="OS/ARCH",
        dest="targets",
        help="build for this Go target, e.g. linux/arm64 or windows/amd64; repeat for several, or `all` "
        "for every native target this machine can build (from Linux: all of them); wasip1/wasm builds "
        "the universal WebAssembly wheel (py3-none-any, runs through wasmtime), which `all` leaves out "
        f"(default: $PYGO_TOOLS_TARGET, else this machine). Known: {', '.join(TARGETS)}",
    )
    build.add_argument(
        "--zig",
        action="store_true",
        default=None,
        help="compile this machine's target with zig cc against glibc 2.17 too (manylinux2014 tags); "
        "cross targets always use zig",
    )
    build.add_argument(
        "--free-threaded",
        action="store_true",
        default=None,
        help="also build each target's wheel for free-threaded CPython 3.15+ (cp315-abi3.abi3t); needs "
        "pygo-tools to run on CPython 3.15 or newer (default: $PYGO_TOOLS_FREE_THREADED, else the "
        "configuration's free_threaded). On a free-threaded CPython, its own free-threaded wheel is "
        "always the one built",
    )
    develop = sub.add_parser(
        "develop",
        help="editable install into this environment; run again after changing Go code",
        description="Install PROJECT_DIR in editable mode into the environment running pygo-tools, "
        "without build isolation, so a rebuild after a Go change takes about a second (Go's cache). "
        "Same as: python -m pip install --no-build-isolation --use-pep517 -e PROJECT_DIR",
    )
    develop.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR", help=PROJECT_HELP)
    config = sub.add_parser(
        "config",
        help="validate the project's configuration and print it resolved",
        description="Check PROJECT_DIR as a build would before any compiler runs (the configuration, the "
        "package folder, the Go module's folder, its go.mod and Go files), then print the resolved "
        "configuration and the Go toolchain a build would use (path, version and how it was found).",
    )
    config.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR", help=PROJECT_HELP)
    new_project = new.register(sub)
    for command in (build, develop, config, new_project):  # `pygo-tools build -v` as well as `pygo-tools -v build`
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    subcommands.register(sub)
    return parser


VERBOSE_HELP = (
    "show every command with the tools' output, setuptools' log and the resolved configuration "
    "(same as PYGO_TOOLS_VERBOSE=1)"
)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        # -v for this run; our child processes (the build backend) are told so by log.child_env.
        with log.verbosity(True if args.verbose else log.verbose()), commands.terminate_as_interrupt():
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
        print(f"toolchain: {find_go(config).describe()}")  # no Go: the same error as a build's
        return 0
    project = Path(args.project_dir).resolve()
    config = load_config(project)  # fail before any build on a bad configuration
    check_sources(config)
    if args.command == "develop":
        from .develop import develop

        develop(project)
        return 0
    return build_command(project, config, args.out, args.targets, args.zig, args.free_threaded)
