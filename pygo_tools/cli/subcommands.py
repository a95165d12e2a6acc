"""The command-line front of the shipping commands: ``generate-ci`` and ``lambda-layer``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from .generate_ci import DEFAULT_PYGO_TOOLS, PYTHONS, WorkflowOptions, write_workflow
from .lambda_layer import ARCHITECTURES, OFFERED_PYTHONS, build_layer, layer_spec
from .workflow_yaml import PLATFORMS

PROJECT_HELP = "the project (default: the current directory)"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ci = sub.add_parser(
        "generate-ci",
        help="write a CI workflow that builds, tests and publishes the project's wheels",
        description="Write PROJECT_DIR/.github/workflows/wheels.yml: one Linux job builds every target "
        "(pygo-tools build --target all) and the sdist, test jobs install the wheels on native runners "
        "and run the project's tests, and tags v* publish to PyPI with trusted publishing. "
        "An existing file is kept unless --force is given.",
    )
    ci.add_argument("provider", choices=["github"], help="the CI service (GitHub Actions)")
    ci.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR", help=PROJECT_HELP)
    ci.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="PLATFORM",
        help=f"leave a platform out of the tests; repeat or separate with commas. Platforms: {', '.join(PLATFORMS)}",
    )
    ci.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="VERSION",
        dest="pythons",
        help=f"CPython versions to test on; repeat or separate with commas (default: the project's oldest "
        f"and 3.13, and 3.15t when it builds free-threaded wheels). Offered: {', '.join(PYTHONS)}",
    )
    ci.add_argument(
        "--test-command",
        default="",
        metavar="COMMAND",
        help="shell line that runs the tests, in an empty folder, after the wheel is installed; {project} "
        "stands for the checkout (default: pytest {project}/tests if there is a tests/ folder, else an import "
        "of the native module)",
    )
    ci.add_argument(
        "--test-requires",
        action="append",
        default=None,
        metavar="REQUIREMENT",
        help="what the tests need installed; repeat for several (default: pytest if the command runs pytest)",
    )
    ci.add_argument(
        "--pygo-tools",
        default=DEFAULT_PYGO_TOOLS,
        metavar="REQUIREMENT",
        dest="pygo_tools",
        help="where the build job installs pygo-tools from: a version (PyPI's pygo-tools is an unrelated 0.1.8) "
        f"or a URL such as 'pygo-tools @ git+https://github.com/OWNER/pygo-tools@TAG' (default: {DEFAULT_PYGO_TOOLS})",
    )
    ci.add_argument(
        "--universal",
        action="store_true",
        help="also build the universal (WebAssembly) wheel (--target wasip1/wasm), for platforms no native "
        "wheel fits, and test it on PyPy",
    )
    ci.add_argument("--force", action="store_true", help="replace an existing wheels.yml")
    ci.set_defaults(handler=_generate_ci)

    layer = sub.add_parser(
        "lambda-layer",
        help="build an AWS Lambda layer zip of the project and its dependencies",
        description="Build PROJECT_DIR's wheel for a Lambda architecture (manylinux2014, through zig), install "
        "it with its dependencies (PyPI wheels only) for one Lambda Python runtime under python/, and write "
        "<name>-<version>-python3.X-<arch>-layer.zip. Reproducible with SOURCE_DATE_EPOCH.",
    )
    layer.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR", help=PROJECT_HELP)
    layer.add_argument(
        "--target",
        metavar="OS/ARCH",
        help=f"Lambda architecture: {', '.join(ARCHITECTURES)} (default: this machine)",
    )
    layer.add_argument("--python", required=True, metavar="VERSION", help=f"Lambda runtime: {OFFERED_PYTHONS}")
    layer.add_argument("--out", metavar="DIR", help="where to write the zip (default: PROJECT_DIR/dist)")
    layer.set_defaults(handler=_lambda_layer)


def handler_of(args: argparse.Namespace) -> Callable[[argparse.Namespace], int] | None:
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    return handler


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(","))


def _generate_ci(args: argparse.Namespace) -> int:
    options = WorkflowOptions(
        skip=_split(args.skip),
        pythons=_split(args.pythons),
        test_command=args.test_command,
        test_requires=None if args.test_requires is None else tuple(args.test_requires),
        pygo_tools=args.pygo_tools,
        universal=args.universal,
    )
    print(write_workflow(Path(args.project_dir), options, force=args.force))
    return 0


def _lambda_layer(args: argparse.Namespace) -> int:
    spec = layer_spec(args.target, args.python)
    print(build_layer(Path(args.project_dir), spec, Path(args.out) if args.out else None), flush=True)
    return 0
