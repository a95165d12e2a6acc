"""The setup.py front end: ``pygo_tools.setup()`` and the setuptools commands it chains."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from setuptools import setup as _setuptools_setup
from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
from setuptools.command.build_ext import build_ext as _build_ext

from . import log
from .config import Config, load_config
from .errors import PygoError
from .extension import configure_extension, placeholder_extension, without_absolute_rpaths, write_cffi_source
from .golib import build_go_library
from .repair import repair_wheel
from .targets import Target, host_target
from .toolchain import find_go
from .verify import check_built_extension, check_wheel

CFFI_REQUIREMENT = "cffi>=1.15"


def setup(*, config_path: str | None = None, cffi: str = CFFI_REQUIREMENT, **kwargs: Any) -> Any:
    """``setuptools.setup`` plus the Go library and its cffi extension.

    Takes the arguments of ``setuptools.setup``. ``config_path`` (the directory holding
    ``config.json`` or ``pyproject.toml``, default: the directory of setup.py) and ``cffi``
    (the requirement added to ``install_requires``) keep pygo-tools 0.1.8 calls working.
    """
    project_dir = Path(config_path).resolve() if config_path else _setup_script_dir()
    if project_dir.is_file():
        project_dir = project_dir.parent
    try:
        config = load_config(project_dir)
    except PygoError as error:
        _exit_with(error)
    return _setuptools_setup(**setup_arguments(config, cffi, kwargs))


def setup_arguments(config: Config, cffi_requirement: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments pygo-tools hands to ``setuptools.setup``."""
    kwargs = dict(kwargs)
    cmdclass = dict(kwargs.pop("cmdclass", {}))
    cmdclass["build_ext"] = make_build_ext(config, cmdclass.get("build_ext", _build_ext))
    cmdclass["bdist_wheel"] = make_bdist_wheel(config, cmdclass.get("bdist_wheel", _bdist_wheel))
    requires = list(kwargs.pop("install_requires", []))
    if not any(_requirement_name(item) == "cffi" for item in requires):
        requires.append(cffi_requirement)
    options = {key: dict(value) for key, value in kwargs.pop("options", {}).items()}
    options.setdefault("bdist_wheel", {}).setdefault("py_limited_api", config.limited_api_tag)
    ext_modules = [*kwargs.pop("ext_modules", []), placeholder_extension(config)]
    return {
        **kwargs,
        "cmdclass": cmdclass,
        "install_requires": requires,
        "options": options,
        "ext_modules": ext_modules,
        "zip_safe": False,
    }


def make_build_ext(config: Config, base: type[_build_ext]) -> type[_build_ext]:
    """A ``build_ext`` that builds the Go library first, then the cffi extension against it."""

    class build_ext(base):  # type: ignore[misc]
        def run(self) -> None:
            try:
                self._build_go_extension()
            except PygoError as error:
                _exit_with(error)

        def _build_go_extension(self) -> None:
            target = current_target()
            with log.step("config"):
                log.info(config.describe())
                go = find_go(config)
                log.info(f"toolchain: {go.describe()}")
            work = Path(self.build_temp).resolve() / "pygo" / target.slug
            library = build_go_library(config, target, go, work / "go")
            ext = next(e for e in self.extensions if e.name == config.extension)
            configure_extension(ext, config, library, write_cffi_source(config, library, work / "cffi"))
            with log.step(f"cffi compile {config.extension}"):
                base.run(self)
            built = Path(self.get_ext_fullpath(ext.name))
            check_built_extension(built, library)
            root = config.project_dir if self.inplace else Path(self.build_lib)
            destination = root / config.library_subdir
            destination.mkdir(parents=True, exist_ok=True)
            shutil.copy2(library.path, destination / library.path.name)

        def build_extensions(self) -> None:
            self.compiler.linker_so = without_absolute_rpaths(self.compiler.linker_so)
            base.build_extensions(self)

    return build_ext


def make_bdist_wheel(config: Config, base: type[_bdist_wheel]) -> type[_bdist_wheel]:
    """A ``bdist_wheel`` that checks the wheel and repairs it in place (manylinux, macOS)."""

    class bdist_wheel(base):  # type: ignore[misc]
        def run(self) -> None:
            with log.step(f"wheel {self.distribution.get_name()} {self.distribution.get_version()}"):
                base.run(self)
            # setuptools records each wheel it writes; the last one is ours.
            wheel = Path(self.distribution.dist_files[-1][2])
            try:
                check_wheel(wheel, config)
                with log.step("repair wheel"):
                    repaired = repair_wheel(wheel, current_target(), Path(self.dist_dir))
            except BaseException as error:
                # Never leave an unchecked or unrepaired wheel behind in dist/.
                wheel.unlink(missing_ok=True)
                if isinstance(error, PygoError):
                    _exit_with(error)
                raise
            log.info(f"pygo-tools: wrote {repaired}")

    return bdist_wheel


def current_target() -> Target:
    """The target of this build: the host, until cross-compiling is asked for."""
    return host_target()


def _requirement_name(requirement: str) -> str:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(requirement).name.lower()
    except InvalidRequirement:
        return requirement.strip().lower()


def _setup_script_dir() -> Path:
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "setup.py":
        return script.resolve().parent
    return Path.cwd()


def _exit_with(error: PygoError) -> None:
    log.info(f"pygo-tools: error: {error}")
    raise SystemExit(error.exit_code)
