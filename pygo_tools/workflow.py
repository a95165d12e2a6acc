"""A GitHub Actions workflow that builds every target on one Linux runner, tests the wheels on
native runners and publishes them to PyPI on tags with trusted publishing.

``write_workflow(project_dir, options)`` is the entry point (``pygo-tools generate-ci github``,
and ``pygo-tools new`` once it exists). The text is rendered from a template in which every
value that comes from the user or the project is validated first and then written as a JSON
string (a valid YAML scalar) or a shell-quoted word, so no input can change the workflow's
structure, and none can contain a GitHub expression (``${{``).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from . import __version__, log
from .atomic import write_atomically
from .config import Config, load_config, read_toml
from .errors import ConfigError

WORKFLOW_PATH = Path(".github") / "workflows" / "wheels.yml"

# Native runners for the test jobs: the platform names the options use, and GitHub's labels.
PLATFORMS: dict[str, str] = {
    "linux-x86_64": "ubuntu-24.04",
    "linux-arm64": "ubuntu-24.04-arm",
    "macos-arm64": "macos-15",
    "macos-x86_64": "macos-15-intel",
    "windows-x86_64": "windows-2025",
}

# Actions pinned to the commit of an official release tag (the tag is in the comment). Read from
# the actions' own repositories (tags v7.0.1, v7.0.0, v5.0.5, v7.0.0, v8.0.1) and, for
# pypa/gh-action-pypi-publish, from public workflows pinning its v1.14.2 release.
ACTIONS: dict[str, tuple[str, str]] = {
    "checkout": ("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "setup-python": ("actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "cache": ("actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
    "upload-artifact": ("actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "download-artifact": ("actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "pypi-publish": ("pypa/gh-action-pypi-publish@dc37677b2e1c63e2034f94d8a5b11f265b73ba33", "v1.14.2"),
}

# CPython versions setup-python offers on every runner above, and the newest one Lambda and
# the test matrix default to.
PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
NEWEST_DEFAULT_PYTHON = "3.13"
BUILD_PYTHON = "3.12"

# PyPI's `pygo-tools` is the unrelated 0.1.8: the default pins the version that wrote the file.
DEFAULT_PYGO_TOOLS = f"pygo-tools=={__version__}"
OLD_PYPI_RELEASE = "0.1.8"
PROJECT_PLACEHOLDER = "{project}"


@dataclass(frozen=True)
class WorkflowOptions:
    """What the workflow does; every field is checked by :func:`validate_options`.

    ``test_command`` runs in an empty temporary folder after the wheel is installed, with
    ``{project}`` standing for the checkout; empty means pytest on ``tests/`` if the project
    has one, else an import of the project's native code. ``test_requires`` are installed
    before it (``None``: pytest if the command runs pytest, else nothing).
    """

    skip: tuple[str, ...] = ()
    pythons: tuple[str, ...] = ()
    test_command: str = ""
    test_requires: tuple[str, ...] | None = None
    pygo_tools: str = DEFAULT_PYGO_TOOLS


@dataclass(frozen=True)
class Plan:
    """The validated inputs the template is rendered from."""

    platforms: tuple[str, ...]
    pythons: tuple[str, ...]
    test_command: str
    test_requires: tuple[str, ...]
    pygo_tools: str
    build_requires: tuple[str, ...]
    project_name: str = ""
    notes: tuple[str, ...] = field(default=())


def write_workflow(project_dir: Path, options: WorkflowOptions | None = None, *, force: bool = False) -> Path:
    """Write ``PROJECT_DIR/.github/workflows/wheels.yml`` and return its path.

    An existing file is replaced only with ``force`` (one with the same content is left as it
    is); the new file is written beside it and renamed over it.
    """
    config = load_config(project_dir)
    plan = plan_workflow(config, options or WorkflowOptions())
    text = render_workflow(plan)
    path = config.project_dir / WORKFLOW_PATH
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise ConfigError(f"{path}: exists and is not a regular file", hint="move it away first")
    if path.is_file():
        if path.read_bytes() == text.encode():
            log.info(f"pygo-tools: {path} is up to date")
            return path
        if not force:
            raise ConfigError(
                f"{path} already exists",
                hint="pass --force to replace it with the generated workflow (your edits to it are lost)",
            )
    for note in plan.notes:
        log.info(f"pygo-tools: note: {note}")
    write_atomically(path, text.encode())
    return path


def plan_workflow(config: Config, options: WorkflowOptions) -> Plan:
    """Check every option against the project; raise one clear :class:`ConfigError` if any is wrong."""
    notes = []
    platforms = _platforms(options.skip)
    floor = config.limited_api if config.has_extension else PYTHONS[0]
    pythons = _pythons(options.pythons or (floor, NEWEST_DEFAULT_PYTHON), floor)
    command = options.test_command.strip()
    if not command:
        if (config.project_dir / "tests").is_dir():
            command = "pytest {project}/tests"
        else:
            command = _import_check(config)
            notes.append(f"no tests/ folder: the test jobs only run {command!r}; pass --test-command to run more")
    test_command = _test_command(command)
    requires = options.test_requires
    if requires is None:
        requires = ("pytest",) if re.search(r"\bpytest\b", command) else ()
    return Plan(
        platforms=platforms,
        pythons=pythons,
        test_command=test_command,
        test_requires=tuple(_requirement("--test-requires", r) for r in requires),
        pygo_tools=_pygo_tools_requirement(options.pygo_tools),
        build_requires=_build_requires(config),
        project_name=_project_name(config),
        notes=tuple(notes),
    )


def _platforms(skip: tuple[str, ...]) -> tuple[str, ...]:
    for name in skip:
        if name not in PLATFORMS:
            raise ConfigError(f"--skip: unknown platform {name!r}", hint="platforms: " + ", ".join(PLATFORMS))
    kept = tuple(name for name in PLATFORMS if name not in skip)
    if not kept:
        raise ConfigError("--skip: every platform is left out; the wheels would never be tested")
    return kept


def _pythons(requested: tuple[str, ...], floor: str) -> tuple[str, ...]:
    for version in requested:
        if version not in PYTHONS:
            raise ConfigError(
                f"--python: {version!r} is not a CPython the runners offer", hint="use " + ", ".join(PYTHONS)
            )
        if _minor(version) < _minor(floor):
            raise ConfigError(
                f"--python: {version} is older than the project's oldest CPython ({floor})",
                hint=f"use {floor} or newer",
            )
    return tuple(sorted(set(requested), key=_minor))


def _minor(version: str) -> int:
    return int(version.split(".")[1])


def _import_check(config: Config) -> str:
    """A test that loads the native code: the extension module, else the first Go program."""
    if config.has_extension:
        return f'python -c "import {config.extension}"'
    code = f"import os; from {config.package}._binaries import binary_path; p = binary_path(); "
    code += "assert os.access(p, os.X_OK), p; print(p)"
    return f'python -c "{code}"'


def _checked_text(option: str, value: str) -> str:
    """One printable line with no GitHub expression in it: safe inside a YAML string or a run script."""
    if not value.strip():
        raise ConfigError(f"{option}: must not be empty")
    if not value.isprintable():
        raise ConfigError(f"{option}: {value!r} has a newline or another control character", hint="give one line")
    if "${{" in value:
        raise ConfigError(
            f"{option}: {value!r} contains '${{{{', which GitHub would evaluate as an expression",
            hint="write environment variables as $NAME",
        )
    if len(value) > 1000:
        raise ConfigError(f"{option}: longer than 1000 characters")
    return value


def _test_command(command: str) -> str:
    """The shell line, with ``{project}`` replaced by the quoted checkout directory."""
    return _checked_text("--test-command", command).replace(PROJECT_PLACEHOLDER, '"$GITHUB_WORKSPACE"')


def _requirement(option: str, text: str) -> str:
    try:
        requirement = Requirement(_checked_text(option, text))
    except InvalidRequirement as error:
        raise ConfigError(f"{option}: {text!r} is not a requirement: {error}") from None
    return str(requirement)


def _pygo_tools_requirement(text: str) -> str:
    """pygo-tools with the go and cross extras; never one that PyPI's unrelated 0.1.8 satisfies."""
    option = "--pygo-tools"
    try:
        requirement = Requirement(_checked_text(option, text))
    except InvalidRequirement as error:
        raise ConfigError(f"{option}: {text!r} is not a requirement: {error}") from None
    if canonicalize_name(requirement.name) != "pygo-tools":
        raise ConfigError(
            f"{option}: {text!r} does not name pygo-tools",
            hint=f"for example {DEFAULT_PYGO_TOOLS!r} or 'pygo-tools @ git+https://github.com/OWNER/pygo-tools@TAG'",
        )
    if not requirement.url and requirement.specifier.contains(OLD_PYPI_RELEASE, prereleases=True):
        raise ConfigError(
            f"{option}: {text!r} would install pygo-tools {OLD_PYPI_RELEASE} from PyPI, an unrelated old release",
            hint=f"pin a version ({DEFAULT_PYGO_TOOLS!r}) or give a URL: 'pygo-tools @ git+https://...@TAG'",
        )
    if requirement.marker is not None:
        raise ConfigError(f"{option}: {text!r}: environment markers do not apply here")
    requirement.extras = {*requirement.extras, "go", "cross"}
    return str(requirement)


def _build_requires(config: Config) -> tuple[str, ...]:
    """The project's own build requirements other than pygo-tools (its builds run unisolated)."""
    pyproject = config.project_dir / "pyproject.toml"
    if not pyproject.is_file():
        return ()
    requires = read_toml(pyproject).get("build-system", {}).get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise ConfigError("pyproject.toml: [build-system] requires: expected a list of strings")
    option = "pyproject.toml: [build-system] requires"
    kept = [_requirement(option, r) for r in requires]
    return tuple(r for r in kept if canonicalize_name(Requirement(r).name) != "pygo-tools")


_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def _project_name(config: Config) -> str:
    """``[project] name`` when pyproject.toml has it (for the PyPI link); '' for setup.py projects."""
    pyproject = config.project_dir / "pyproject.toml"
    name = read_toml(pyproject).get("project", {}).get("name", "") if pyproject.is_file() else ""
    if not name:
        return ""
    if not isinstance(name, str) or not _PROJECT_NAME.match(name):
        raise ConfigError(f"pyproject.toml: [project] name: {name!r} is not a valid project name")
    return canonicalize_name(name)


def _uses(action: str) -> str:
    reference, version = ACTIONS[action]
    return f"{reference} # {version}"


def render_workflow(plan: Plan) -> str:
    """The workflow's text. Values from users appear only through ``json.dumps`` or ``shlex.quote``."""
    q = _yaml_string
    matrix = "\n".join(
        f"          - {{platform: {p}, runner: {PLATFORMS[p]}, python: {q(v)}}}"
        for p in plan.platforms
        for v in plan.pythons
    )
    install = ["python -m pip install", '"$PYGO_TOOLS_REQUIREMENT"', "build", "twine"]
    install += [shlex.quote(r) for r in plan.build_requires]
    test_requires = " ".join(shlex.quote(r) for r in plan.test_requires)
    requires_step = (
        f"""
      - name: Install the test requirements
        run: python -m pip install {test_requires}"""
        if plan.test_requires
        else ""
    )
    environment = f"\n      url: {q('https://pypi.org/p/' + plan.project_name)}" if plan.project_name else ""
    return f"""\
# Wheels for every platform: built on one Linux runner (pygo-tools cross-compiles with zig),
# tested on native runners, published to PyPI with trusted publishing on tags v*.
# Written by pygo-tools {__version__} (`pygo-tools generate-ci github`); edit it freely, or
# regenerate with --force. What each job does, and the one-time PyPI set-up: pygo-tools'
# docs/publishing.md.
name: wheels

on:
  push:
    branches: [main]
    tags: ["v*"]
  pull_request:
  workflow_dispatch:

permissions: {{}}

concurrency:
  group: ${{{{ github.workflow }}}}-${{{{ github.ref }}}}
  cancel-in-progress: ${{{{ !startsWith(github.ref, 'refs/tags/') }}}}

env:
  # Where the build job installs pygo-tools from. PyPI's `pygo-tools` is an unrelated 0.1.8;
  # until this version is on PyPI, use a URL, e.g. "pygo-tools[go,cross] @ git+https://...@TAG".
  PYGO_TOOLS_REQUIREMENT: {q(plan.pygo_tools)}

jobs:
  build:
    name: Build wheels for every target and the sdist
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    steps:
      - uses: {_uses("checkout")}
        with:
          persist-credentials: false
      - uses: {_uses("setup-python")}
        with:
          python-version: {q(BUILD_PYTHON)}
      # Go's and zig's caches make rebuilds take seconds. Release builds (tags) only look the
      # cache up and build from scratch, so nothing a branch build cached reaches PyPI.
      - name: Restore the Go and zig caches
        uses: {_uses("cache")}
        with:
          path: |
            ~/.cache/go-build
            ~/.cache/zig
            ~/.cache/pygo-tools
          key: go-zig-${{{{ runner.os }}}}-${{{{ hashFiles('**/*.go', '**/go.mod', '**/go.sum') }}}}
          restore-keys: go-zig-${{{{ runner.os }}}}-
          lookup-only: ${{{{ startsWith(github.ref, 'refs/tags/') }}}}
      - name: Install pygo-tools
        run: {" ".join(install)}
      - name: Build the sdist
        run: python -m build --sdist --no-isolation --outdir dist
      - name: Build a wheel for every target
        run: pygo-tools build --target all --zig --out dist
      - name: Check the distributions
        run: python -m twine check --strict dist/*
      - uses: {_uses("upload-artifact")}
        with:
          name: dist
          path: dist/
          if-no-files-found: error

  test:
    name: Test on ${{{{ matrix.platform }}}}, Python ${{{{ matrix.python }}}}
    needs: build
    runs-on: ${{{{ matrix.runner }}}}
    permissions:
      contents: read
    strategy:
      fail-fast: false
      matrix:
        include:
{matrix}
    defaults:
      run:
        shell: bash
    steps:
      - uses: {_uses("checkout")}
        with:
          persist-credentials: false
      - uses: {_uses("setup-python")}
        with:
          python-version: ${{{{ matrix.python }}}}
      - uses: {_uses("download-artifact")}
        with:
          name: dist
          path: dist
      - name: Install this platform's wheel
        run: |
          wheels=(dist/*.whl)
          name=$(basename "${{wheels[0]}}" | cut -d- -f1)
          if ! python -m pip install --no-index --find-links dist --no-deps --only-binary=:all: "$name"; then
            echo "::error::no wheel for $RUNNER_OS $RUNNER_ARCH $(python --version) among: $(ls dist)"
            exit 1
          fi
          python -m pip install --find-links dist "$name"{requires_step}
      - name: Run the tests against the installed wheel
        working-directory: ${{{{ runner.temp }}}}
        run: {_yaml_string(plan.test_command)}

  publish:
    name: Publish to PyPI
    if: github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')
    needs: [build, test]
    runs-on: ubuntu-24.04
    environment:
      name: pypi{environment}
    permissions:
      id-token: write  # trusted publishing: PyPI trusts this workflow, no token is stored
    steps:
      - uses: {_uses("download-artifact")}
        with:
          name: dist
          path: dist
      - uses: {_uses("pypi-publish")}
"""


def _yaml_string(value: str) -> str:
    """A double-quoted YAML scalar: JSON's escaping, which YAML reads back exactly (``#``, ``: ``
    and quotes stay data). Non-ASCII stays as it is: YAML has no surrogate-pair escapes."""
    return json.dumps(value, ensure_ascii=False)
