"""A GitHub Actions workflow that builds every target on one Linux runner, tests the wheels on
native runners and publishes them to PyPI on tags with trusted publishing.

``write_workflow(project_dir, options)`` is the entry point (``pygo-tools generate-ci github``,
and ``pygo-tools new`` once it exists). This module validates every value that comes from the
user or the project into a :class:`Plan`; :mod:`pygo_tools.workflow_yaml` renders it, writing
each value as a JSON string (a valid YAML scalar) or a shell-quoted word, so no input can change
the workflow's structure, and none can contain a GitHub expression (``${{``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from ..errors import ConfigError
from ..platforms import TARGETS
from ..steps.config import Config, load_config, read_toml
from ..steps.universal import check_universal
from ..util import log
from ..util.atomic import write_atomically
from ..util.validate import inside
from ..util.version import __version__
from .workflow_yaml import BUILD_PYTHON, PLATFORMS, Plan, render_workflow

WORKFLOW_PATH = Path(".github") / "workflows" / "wheels.yml"

# CPython versions setup-python offers on every test runner, and the newest the test matrix
# uses by default. 3.15t: free-threaded, for projects with free_threaded (the abi3t wheels);
# setup-python writes free-threaded versions with a `t` (3.14t, 3.15t).
PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "3.15t")
NEWEST_DEFAULT_PYTHON = "3.13"
FREE_THREADED_PYTHON = "3.15t"
# The build job's CPython: abi3t wheels are compiled with 3.15's headers or newer.
FREE_THREADED_BUILD_PYTHON = "3.15"
UNIVERSAL_TARGET = "wasip1/wasm"

# PyPI's `pygo-tools` is the unrelated 0.1.8: the default pins the version that wrote the file.
DEFAULT_PYGO_TOOLS = f"pygo-tools=={__version__}"
OLD_PYPI_RELEASE = "0.1.8"
# Every version the unrelated project has or could have: any 0.0.x and 0.1.x (with pre- and
# post-releases), so `==0.1.7`, `<0.1.8` or `!=0.1.8` are refused, not only what admits 0.1.8.
OLD_RELEASES = tuple(
    f"0.{minor}{tail}"
    for minor in (0, 1)
    for tail in ("", *(f".{patch}{extra}" for patch in range(100) for extra in ("", ".post1", "rc1", ".dev0")))
)
PROJECT_PLACEHOLDER = "{project}"


@dataclass(frozen=True)
class WorkflowOptions:
    """What the workflow does; every field is checked by :func:`validate_options`.

    ``test_command`` runs in an empty temporary folder after the wheel is installed, with
    ``{project}`` standing for the checkout; empty means pytest on ``tests/`` if the project
    has one, else an import of the project's native code. ``test_requires`` are installed
    before it (``None``: pytest if the command runs pytest, else nothing). ``universal``: the
    build job also builds the universal (WebAssembly) wheel, and a PyPy job tests it.
    """

    skip: tuple[str, ...] = ()
    pythons: tuple[str, ...] = ()
    test_command: str = ""
    test_requires: tuple[str, ...] | None = None
    pygo_tools: str = DEFAULT_PYGO_TOOLS
    universal: bool = False


def write_workflow(project_dir: Path, options: WorkflowOptions | None = None, *, force: bool = False) -> Path:
    """Write ``PROJECT_DIR/.github/workflows/wheels.yml`` and return its path.

    An existing file is replaced only with ``force`` (one with the same content is left as it
    is); the new file is written beside it and renamed over it.
    """
    config = load_config(project_dir)
    plan = plan_workflow(config, options or WorkflowOptions())
    text = render_workflow(plan)
    path = config.project_dir / WORKFLOW_PATH
    for folder in (path.parent.parent, path.parent):  # .github, .github/workflows
        if folder.is_symlink() and not inside(folder, config.project_dir):
            raise ConfigError(
                f"{folder}: is a symbolic link that leads outside the project ({folder.resolve()})",
                hint="pygo-tools writes only inside the project: replace the link with a folder",
            )
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
    free_threaded = config.has_extension and config.free_threaded
    defaults = (floor, NEWEST_DEFAULT_PYTHON, *([FREE_THREADED_PYTHON] if free_threaded else []))
    pythons = _pythons(options.pythons or defaults, floor, free_threaded)
    command = options.test_command.strip()
    if not command:
        if (config.project_dir / "tests").is_dir():
            command = "pytest {project}/tests"
        else:
            command = _import_check(config)
            notes.append(f"no tests/ folder: the test jobs only run {command!r}; pass --test-command to run more")
    test_command = _test_command(command)
    if options.universal:  # the same refusals as the build would give, before any file is written
        check_universal(config, TARGETS[UNIVERSAL_TARGET])
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
        build_python=FREE_THREADED_BUILD_PYTHON if free_threaded else BUILD_PYTHON,
        universal=options.universal,
    )


def _platforms(skip: tuple[str, ...]) -> tuple[str, ...]:
    for name in skip:
        if name not in PLATFORMS:
            raise ConfigError(f"--skip: unknown platform {name!r}", hint="platforms: " + ", ".join(PLATFORMS))
    kept = tuple(name for name in PLATFORMS if name not in skip)
    if not kept:
        raise ConfigError("--skip: every platform is left out; the wheels would never be tested")
    return kept


def _pythons(requested: tuple[str, ...], floor: str, free_threaded: bool) -> tuple[str, ...]:
    for version in requested:
        if version.endswith("t") and version[:-1] in PYTHONS and version not in PYTHONS:
            raise ConfigError(
                f"--python: {version}: free-threaded CPython {version[:-1]} loads only a wheel built for it, "
                "on it; this workflow builds every wheel on one Linux runner",
                hint=f"test free-threaded Python with {FREE_THREADED_PYTHON} (the abi3t wheels serve 3.15t and newer)",
            )
        if version not in PYTHONS:
            raise ConfigError(
                f"--python: {version!r} is not a CPython the runners offer", hint="use " + ", ".join(PYTHONS)
            )
        if version.endswith("t") and not free_threaded:
            raise ConfigError(
                f"--python: {version}: the project builds no wheel for free-threaded Python",
                hint="set free_threaded = true in its configuration (an abi3t wheel per target), or leave it out",
            )
        if _minor(version) < _minor(floor):
            raise ConfigError(
                f"--python: {version} is older than the project's oldest CPython ({floor})",
                hint=f"use {floor} or newer",
            )
    return tuple(sorted(set(requested), key=lambda v: (_minor(v), v.endswith("t"))))


def _minor(version: str) -> int:
    return int(version.split(".")[1].rstrip("t"))


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
    """The shell line, with ``{project}`` replaced by the checkout directory, quoted to suit
    where it stands: outside quotes ``"$GITHUB_WORKSPACE"``, inside double quotes
    ``$GITHUB_WORKSPACE``, inside single quotes (where nothing expands) the quote is closed around
    it. The path stays one word, whatever it holds."""
    command = _checked_text("--test-command", command)
    out: list[str] = []
    quote = ""
    index = 0
    while index < len(command):
        if command.startswith(PROJECT_PLACEHOLDER, index):
            out.append({"": '"$GITHUB_WORKSPACE"', '"': "$GITHUB_WORKSPACE", "'": "'\"$GITHUB_WORKSPACE\"'"}[quote])
            index += len(PROJECT_PLACEHOLDER)
            continue
        char = command[index]
        if char == "\\" and quote != "'" and index + 1 < len(command):
            out.append(command[index : index + 2])  # an escaped character: not a quote
            index += 2
            continue
        if char in "'\"" and quote in ("", char):
            quote = "" if quote else char
        out.append(char)
        index += 1
    if quote:
        raise ConfigError(f"--test-command: {command!r} leaves a {quote} quote open", hint="close the quote")
    return "".join(out)


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
    old = [Version(v) for v in OLD_RELEASES if requirement.specifier.contains(v, prereleases=True)]
    if not requirement.url and old:
        plain = sorted(v for v in old if not (v.is_prerelease or v.is_postrelease)) or sorted(old)
        below = [v for v in plain if v <= Version(OLD_PYPI_RELEASE)]
        example = below[-1] if below else plain[0]
        raise ConfigError(
            f"{option}: {text!r} would accept pygo-tools {example} from PyPI, a release of the unrelated old "
            f"project (0.1.x, up to {OLD_PYPI_RELEASE})",
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
