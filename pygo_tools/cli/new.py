"""``pygo-tools new PATH``: a complete project that builds, installs and passes its own test.

Names are checked as the config loader checks them (:mod:`pygo_tools.validate`), plus what
only a new project can get wrong: a path with ``..`` or a leading ``-``, a package that would
hide a standard-library module or one the build needs. The project is written into a hidden
folder beside PATH, then renamed into place: an interrupted ``new`` leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..util import log
from ..util.atomic import move_atomically
from ..util.validate import (
    MAX_NAME,
    library_name_problem,
    module_name_problem,
    program_name_problem,
    text_problem,
    windows_reserved,
)
from .templates import Names, executable_files, extension_files

# PEP 508 / core metadata project names.
_PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
# Top-level packages a project must not hide: what its build and its test import, and what
# Python or a venv imports by itself at start-up (a package of that name would run instead).
RESERVED_PACKAGES = frozenset(
    {
        *("pygo_tools", "cffi", "_cffi_backend", "pycparser", "go", "ziglang"),
        *("setuptools", "pkg_resources", "_distutils_hack", "distutils", "pip", "wheel", "packaging"),
        *("pytest", "_pytest", "pluggy", "iniconfig", "pygments", "exceptiongroup", "tomli", "colorama"),
        *("tests", "test", "conftest"),
        *("sitecustomize", "usercustomize", "_virtualenv"),
    }
)
STAGING_PREFIX = ".pygo-new-"
CI_PROVIDERS = ("github",)


@dataclass(frozen=True)
class NewProject:
    path: Path
    names: Names
    executable: bool

    def files(self) -> dict[str, str]:
        return executable_files(self.names) if self.executable else extension_files(self.names)


def plan_project(
    path: str, name: str | None = None, package: str | None = None, executable: bool = False
) -> NewProject:
    """Check PATH and the names (given, or made from PATH's last part); raise one clear error."""
    folder = _checked_path(path)
    name = folder.name if name is None else name
    problem = project_name_problem(name)
    if problem:
        raise ConfigError(
            f"project name {name!r} {problem}",
            hint="pass --name NAME (letters, digits and - _ ., starting and ending with a letter or digit)",
        )
    package = re.sub(r"[-.]+", "_", name).lower() if package is None else package
    problem = package_problem(package)
    if problem:
        raise ConfigError(
            f"package name {package!r} {problem}",
            hint="pass --package NAME: the Python package, a lowercase identifier like 'myproj'",
        )
    names = Names(name=name, package=package)
    if executable:
        problem = program_name_problem(name)
        if problem:
            raise ConfigError(f"command name {name!r} {problem}", hint="pass --name NAME with another name")
        names = Names(name=name, package=package, program=name)
    else:
        library = _library_name(package)
        problem = library_name_problem(library)
        if problem:  # pragma: no cover - a valid package always gives a valid library name
            raise ConfigError(f"library name {library!r} {problem}", hint="pass --package NAME")
        names = Names(name=name, package=package, library=library)
    return NewProject(path=folder, names=names, executable=executable)


def project_name_problem(name: str) -> str | None:
    if not name:
        return "is empty"
    if len(name) > MAX_NAME:
        return f"is longer than {MAX_NAME} characters"
    if not _PROJECT_NAME.fullmatch(name):
        return "is not a valid project name"
    if windows_reserved(name):
        return "is a name Windows reserves for a device (a folder of that name cannot exist there)"
    return None


def package_problem(package: str) -> str | None:
    problem = module_name_problem(package)
    if problem:
        return problem
    if "." in package:
        return "must be a single name, not dotted"
    if package in RESERVED_PACKAGES or package in getattr(sys, "stdlib_module_names", ()):
        return "would hide a module of that name that Python or the build needs"
    if package.startswith("__") and package.endswith("__"):
        return "is a name Python gives special meaning (like __main__)"
    if windows_reserved(package):
        return "is a name Windows reserves for a device (and Go refuses in a module path)"
    return None


def _library_name(package: str) -> str:
    """``lib<library>.so``: the package name, without a ``lib`` prefix pygo-tools adds itself."""
    library = package
    while library.startswith("lib"):
        library = library[3:]
    return library.lstrip("_") or "go"


def _checked_path(text: str) -> Path:
    if not text:
        raise ConfigError("PATH is empty", hint="name the folder to create, e.g. pygo-tools new myproj")
    problem = text_problem(text)
    if problem:
        raise ConfigError(f"PATH {text!r} {problem}", hint="name the folder without control characters")
    parts = Path(text).parts
    if ".." in parts:
        raise ConfigError(
            f"PATH {text!r} goes up with '..'", hint="name the folder from where you are, or by its absolute path"
        )
    dashed = [part for part in parts if part.startswith("-")]
    if dashed:
        raise ConfigError(
            f"PATH {text!r}: {dashed[0]!r} starts with '-', which other tools would take for an option",
            hint="choose a name that starts with a letter or digit",
        )
    folder = Path(os.path.abspath(text))
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: is a file", hint="name a new or empty folder")
    if not folder.parent.is_dir():
        raise ConfigError(
            f"{folder.parent}: no such folder, so {folder.name} cannot be created in it",
            hint=f"create it first: mkdir -p {folder.parent}",
        )
    return folder


def write_project(project: NewProject, *, force: bool = False, ci: str | None = None) -> list[Path]:
    """Write the project's files; return their paths.

    PATH must be new or empty unless ``force``; with it, files of the same names are replaced
    and everything else is left alone. The files are written into a hidden folder beside PATH
    first; a new PATH then appears with a single rename, and an existing one receives each
    file by rename, undone if the run is interrupted.
    """
    folder = project.path
    existing = sorted(folder.iterdir()) if folder.is_dir() else []
    if existing and not force:
        shown = ", ".join(p.name for p in existing[:3]) + (", ..." if len(existing) > 3 else "")
        raise ConfigError(
            f"{folder}: not empty ({shown})",
            hint="name a new or empty folder, or pass --force to add the project's files to it "
            "(replacing files of the same names)",
        )
    files = project.files()
    if force:
        _check_no_clash(folder, files)
    with _staging(folder.parent) as staging:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        _check_builds(staging, project)
        if ci is not None:
            write_ci(staging, ci)
        written = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
        if not folder.exists():
            os.rename(staging, folder)  # one step: the whole project or none of it
        else:
            _move_into(staging, folder, written)
    return [folder / relative for relative in written]


def _check_builds(staging: Path, project: NewProject) -> None:
    """What ``new`` writes must pass the checks every build makes: a name the build would
    refuse (an extension name too long, say) is refused here, before anything is written."""
    from ..steps.config import load_config
    from ..steps.sources import check_sources

    try:
        check_sources(load_config(staging))
    except ConfigError as error:
        option = "--name" if project.executable else "--package"
        raise ConfigError(
            f"the project for {project.names.name!r} would not build: {error.message}",
            hint=f"choose a shorter or plainer name ({option} NAME)",
        ) from None


def write_ci(project_dir: Path, provider: str) -> None:
    """The one place ``new --ci`` calls the CI workflow generator (``pygo-tools generate-ci``)."""
    if provider not in CI_PROVIDERS:
        raise ConfigError(f"--ci: unknown provider {provider!r}", hint="providers: " + ", ".join(CI_PROVIDERS))
    from .generate_ci import write_workflow  # lazily: only `new --ci` needs it

    write_workflow(project_dir)


@contextmanager
def _staging(parent: Path) -> Iterator[Path]:
    """A hidden folder in ``parent`` (same file system, so renames are atomic), with the mode
    a folder made by ``mkdir`` would have; removed whatever happens."""
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_no_clash(folder: Path, files: dict[str, str]) -> None:
    """With --force: nothing may stand where a folder or file goes, and no symlink may lead
    a file outside PATH."""
    for relative in files:
        parts = Path(relative).parts
        for depth in range(1, len(parts) + 1):
            path = folder.joinpath(*parts[:depth])
            if path.is_symlink():
                raise ConfigError(f"{path}: is a symbolic link", hint="move it away, or choose another folder")
            should_be_folder = depth < len(parts)
            if path.exists() and path.is_dir() != should_be_folder:
                kind = "folder" if path.is_dir() else "file"
                raise ConfigError(f"{path}: a {kind} is in the way", hint="move it away, or choose another folder")


def _move_into(staging: Path, folder: Path, written: list[Path]) -> None:
    moved: list[Path] = []
    made: list[Path] = []
    try:
        for relative in written:
            destination = folder / relative
            for parent in reversed(destination.relative_to(folder).parents[:-1]):
                if not (folder / parent).is_dir():
                    (folder / parent).mkdir()
                    made.append(folder / parent)
            replaced = destination.exists()
            move_atomically(staging / relative, destination)
            if not replaced:
                moved.append(destination)
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        for path in reversed(made):
            with suppress(OSError):
                path.rmdir()
        raise


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    new = sub.add_parser(
        "new",
        help="write a new project that builds, installs and passes its own test",
        description="Write a complete project into PATH (new, or empty): pyproject.toml, a Go module with "
        "one //pygo:export function, the typed module's config, a pytest test, README.md and .gitignore. "
        "The project's name is PATH's last part unless --name is given.",
    )
    new.add_argument("path", metavar="PATH", help="the folder to create (or an empty one, e.g. .)")
    new.add_argument("--name", help="the project's name on PyPI (default: PATH's last part)")
    new.add_argument("--package", help="the Python package (default: the name, lowercase, with - and . as _)")
    new.add_argument(
        "--executable",
        action="store_true",
        help="a Go program shipped as a wheel with a console command, instead of Go functions Python calls",
    )
    new.add_argument(
        "--ci",
        choices=CI_PROVIDERS,
        help="also write a CI workflow that builds, tests and publishes the wheels (as pygo-tools generate-ci github)",
    )
    new.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    new.set_defaults(handler=run_new)
    return new


def run_new(args: argparse.Namespace) -> int:
    project = plan_project(args.path, args.name, args.package, args.executable)
    files = write_project(project, force=args.force, ci=args.ci)
    kind = f"the Go program {project.names.program}" if project.executable else f"{project.names.package}.api"
    log.info(f"pygo-tools: wrote {len(files)} files: the project {project.names.name}, with {kind}")
    where = os.path.relpath(project.path)
    log.info(f"next: pygo-tools build {where}  (then pip install {where}/dist/*.whl pytest && pytest {where})")
    print(project.path)
    return 0
