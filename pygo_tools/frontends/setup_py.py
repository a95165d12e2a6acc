"""The setup.py front end: ``pygo_tools.setup()`` and the setuptools commands it chains.

Thin adapters onto ``pipeline.py``: ``build_ext`` runs the pipeline's native steps and
compiles the extension when asked; ``bdist_wheel`` hands the wheel setuptools wrote to the
pipeline's last steps. The build options come from the PEP 517 hooks (a context variable) or,
for ``python setup.py``, from the environment.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from setuptools import Extension
from setuptools import setup as _setuptools_setup
from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
from setuptools.command.build import build as _build
from setuptools.command.build_ext import build_ext as _build_ext
from setuptools.command.editable_wheel import editable_wheel as _editable_wheel
from setuptools.command.egg_info import egg_info as _egg_info
from setuptools.command.sdist import sdist as _sdist
from setuptools.dist import Distribution

from .. import options as build_options
from .. import pipeline
from ..errors import BuildError, ConfigError, PygoError
from ..options import DEVELOP_VERSION_ENV, VERSION_CHANGED, BuildOptions
from ..platforms import ExtensionSettings, Target
from ..steps import editable, editable_hook
from ..steps.config import Config
from ..steps.extension import extension_inputs_key, without_absolute_rpaths
from ..steps.golib import GoLibrary
from ..steps.gosdist import sdist_go_files, stage_go_module
from ..steps.programs import console_scripts
from ..steps.toolchain import GoToolchain, find_go
from ..util import commands, log
from ..util.binaries import check_whole
from ..util.cache import ArtifactCache
from ..util.lock import exclusive
from ..util.validate import version_problem

CFFI_REQUIREMENT = "cffi>=1.15"


def setup(*, config_path: str | None = None, cffi: str = CFFI_REQUIREMENT, **kwargs: Any) -> Any:
    """``setuptools.setup`` plus the Go library and its cffi extension.

    Takes the arguments of ``setuptools.setup``. ``config_path`` (the directory holding
    ``config.json`` or ``pyproject.toml``, default: the directory of setup.py) and ``cffi``
    (the requirement added to ``install_requires``) keep pygo-tools 0.1.8 calls working.
    """
    # A build never rebuilds itself through an editable install's import hook (a setup.py that
    # imports its own package would otherwise start a rebuild inside the build).
    os.environ.setdefault(editable_hook.GUARD_ENV, "1")
    project_dir = Path(config_path).resolve() if config_path else _setup_script_dir()
    if project_dir.is_file():
        project_dir = project_dir.parent
    try:
        plan = pipeline.plan(project_dir, build_options.current())
    except PygoError as error:
        _exit_with(error)
    quiet_setuptools()
    target = plan.targets[0]
    lock = project_dir / "build" / target.slug / ".pygo-lock"
    with commands.terminate_as_interrupt(), exclusive(lock, f"{project_dir.name} for {target.name}"):
        return _setuptools_setup(**setup_arguments(plan, cffi, kwargs))


class _ErrorsOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


def quiet_setuptools() -> None:
    """Hide setuptools' own chatter (``running build``, ``copying``, ``adding``) unless verbose;
    its errors still show. Its log goes through the root logger's handlers, which
    ``setuptools.logging.configure`` installs (``setup()`` calls it again: a no-op then)."""
    if log.verbose():
        return
    from setuptools import logging as setuptools_logging

    setuptools_logging.configure()
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _ErrorsOnly) for f in handler.filters):
            handler.addFilter(_ErrorsOnly())


def setup_arguments(plan: pipeline.Plan, cffi_requirement: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments pygo-tools hands to ``setuptools.setup``.

    Only the first target is built in this process; ``bdist_wheel`` builds the others.
    """
    config, targets = plan.config, list(plan.targets)
    target = targets[0]
    kwargs = dict(kwargs)
    cmdclass = dict(kwargs.pop("cmdclass", {}))
    cmdclass["build"] = make_build(cmdclass.get("build", _build))
    cmdclass["build_ext"] = make_build_ext(config, target, cmdclass.get("build_ext", _build_ext))
    cmdclass["bdist_wheel"] = make_bdist_wheel(config, targets, cmdclass.get("bdist_wheel", _bdist_wheel))
    requirement = pipeline.runtime_requirement(config, target, cffi_requirement)
    cmdclass["egg_info"] = make_egg_info(config, requirement, cmdclass.get("egg_info", _egg_info))
    cmdclass["sdist"] = make_sdist(config, cmdclass.get("sdist", _sdist))
    cmdclass["editable_wheel"] = make_editable_wheel(config, cmdclass.get("editable_wheel", _editable_wheel))
    options = {key: dict(value) for key, value in kwargs.pop("options", {}).items()}
    options.setdefault("bdist_wheel", {})
    extension = pipeline.builds_cffi_extension(config, target)
    if extension and target.abi.stable:
        # cp39 (abi3), cp315 (abi3t: the pipeline adds abi3t to the tags, which setuptools lacks)
        python_tag = target.abi.wheel_tags(config.limited_api_version)[0]
        options["bdist_wheel"].setdefault("py_limited_api", python_tag)
    # One build directory per target, so targets never share objects or extensions.
    options.setdefault("build", {}).setdefault("build_base", os.path.join("build", target.slug))
    if not target.host:
        options["bdist_wheel"]["plat_name"] = target.unrepaired_platform_tag
    ext_modules = list(kwargs.pop("ext_modules", []))
    if extension:
        ext_modules.append(placeholder_extension(config, target))
    else:
        # Programs only: still a platform wheel. The universal wheel: build_ext runs the Go
        # build too, and bdist_wheel tags it py3-none-any (pipeline.wheel_tag).
        kwargs["distclass"] = PlatformDistribution
    # The Go sources are in the sdist (so SOURCES.txt lists them) but never in the wheel.
    if config.go_path.is_relative_to(config.package_dir):
        excluded = {key: list(value) for key, value in kwargs.pop("exclude_package_data", {}).items()}
        go_dir = config.go_path.relative_to(config.package_dir).as_posix()
        excluded.setdefault(config.package, []).append(f"{go_dir}/*")
        kwargs["exclude_package_data"] = excluded
    return {
        **kwargs,
        "cmdclass": cmdclass,
        "options": options,
        "ext_modules": ext_modules,
        "zip_safe": False,
    }


class PlatformDistribution(Distribution):  # type: ignore[misc]
    """A distribution whose wheel is platform-specific although it has no extension module:
    it carries Go programs (and makes setuptools run build_ext, which builds them)."""

    def has_ext_modules(self) -> bool:
        return True


def make_build(base: type[_build]) -> type[_build]:
    """A ``build`` that starts from an empty build/lib: nothing from an earlier build (a renamed
    typed module, an old library, a deleted source file) reaches the wheel."""

    class build(base):  # type: ignore[misc]
        def run(self) -> None:
            build_lib = Path(self.build_lib).resolve()
            build_base = Path(self.build_base).resolve()
            # Only a folder of our own making: never one a user pointed --build-lib at.
            if build_lib.is_dir() and build_lib != build_base and build_lib.is_relative_to(build_base):
                shutil.rmtree(build_lib)
            base.run(self)

    return build


def make_sdist(config: Config, base: type[_sdist]) -> type[_sdist]:
    """An ``sdist`` that carries what a build from it needs: the config, and every file Go reads
    with the module's dependencies vendored into its staging tree (``steps/gosdist.py``)."""

    class sdist(base):  # type: ignore[misc]
        go: GoToolchain

        # setuptools' sdist takes its file list from egg_info's manifest; add to it last.
        def make_distribution(self) -> None:
            go_dir = Path(os.path.normpath(config.go_path))
            if not go_dir.is_relative_to(config.project_dir):
                _exit_with(
                    ConfigError(
                        f"{config.source.name}: go_dir: the Go module {go_dir} is outside the project, "
                        "so an sdist cannot carry it",
                        hint="move the Go module into the project (a symlink inside it works too), "
                        "or build wheels only",
                    )
                )
            try:
                self.go = find_go(config)
                files = sdist_go_files(config, self.go)
            except PygoError as error:
                _exit_with(error)
            for path in [*files, config.source]:
                self.filelist.append(Path(os.path.normpath(path)).relative_to(config.project_dir).as_posix())
            base.make_distribution(self)

        def make_release_tree(self, base_dir: str, files: list[str]) -> None:
            base.make_release_tree(self, base_dir, files)
            try:
                stage_go_module(config, self.go, Path(base_dir))
            except PygoError as error:
                _exit_with(error)

    return sdist


def make_editable_wheel(config: Config, base: type[_editable_wheel]) -> type[_editable_wheel]:
    """An ``editable_wheel`` (editable installs: ``pygo-tools develop``, pip's ``-e``) whose wheel carries the hook
    that rebuilds the Go code on import when it changed (``steps/editable_hook.py``)."""

    class editable_wheel(base):  # type: ignore[misc]
        def run(self) -> None:
            dist_dir = Path(str(self.dist_dir or "dist")).resolve()
            before = {p: p.stat().st_mtime_ns for p in dist_dir.glob("*.whl")} if dist_dir.is_dir() else {}
            base.run(self)
            written = [p for p in Path(str(self.dist_dir)).glob("*.whl") if before.get(p) != p.stat().st_mtime_ns]
            try:
                for wheel in written:
                    editable.add_rebuild_hook(wheel, config)
            except PygoError as error:
                _exit_with(error)

    return editable_wheel


def make_egg_info(config: Config, requirement: str | None, base: type[_egg_info]) -> type[_egg_info]:
    """An ``egg_info`` (which writes the metadata of every route) that keeps cffi (or, for the
    universal wheel, wasmtime) required and the programs' console commands declared.

    A ``[project]`` table in pyproject.toml replaces ``install_requires`` and ``entry_points``
    after ``setup()`` received them (which is how pygo-tools 0.1.8 lost cffi under pip), so
    they are added here.
    """

    class egg_info(base):  # type: ignore[misc]
        def finalize_options(self) -> None:
            # Every route's metadata passes here first, with the version as given (a
            # setuptools.sic or dynamic one unchecked): it must stay data.
            version = self.distribution.get_version()
            problem = version_problem(version)
            if problem:
                _exit_with(
                    ConfigError(
                        f"the package version {version!r} {problem}",
                        hint="give the project a PEP 440 version such as 1.2.3 (a setuptools.sic or dynamic "
                        "version too)",
                    )
                )
            base.finalize_options(self)

        def run(self) -> None:
            if requirement:
                require(self.distribution, requirement)
            if config.executables:
                add_console_scripts(self.distribution, console_scripts(config))
            base.run(self)

    return egg_info


def add_console_scripts(dist: Any, scripts: list[str]) -> None:
    entry_points = {key: list(value) for key, value in (dist.entry_points or {}).items()}
    current = entry_points.setdefault("console_scripts", [])
    current.extend(script for script in scripts if script not in current)
    dist.entry_points = entry_points


def require(dist: Any, requirement: str) -> None:
    """Add ``requirement`` to the distribution's metadata unless it names a package already there."""
    current = list(dist.install_requires or [])
    if not any(_requirement_name(item) == _requirement_name(requirement) for item in current):
        dist.install_requires = [*current, requirement]
        dist.metadata.install_requires = dist.install_requires


def placeholder_extension(config: Config, target: Target) -> Extension:
    """The extension setuptools is told about; the pipeline fills it in at build time."""
    return Extension(config.extension, sources=[], py_limited_api=target.abi.stable)


def make_build_ext(config: Config, target_: Target, base: type[_build_ext]) -> type[_build_ext]:
    """A ``build_ext`` that runs the pipeline's native steps (Go library, extension, typed module,
    programs); it compiles the extension when the pipeline asks."""

    class build_ext(base):  # type: ignore[misc]
        cc: list[str] | None = None
        target: Target = target_  # with the macOS version once Go is known
        library: GoLibrary | None = None

        def run(self) -> None:
            try:
                pipeline.preflight(config, [target_])
                tools = pipeline.prepare_target(config, target_)
                self.target, self.cc = tools.target, tools.cc
                root = config.project_dir if self.inplace else Path(self.build_lib).resolve()
                work = Path(self.build_temp).resolve() / "pygo"
                version = self.distribution.get_version()
                expected = os.environ.get(DEVELOP_VERSION_ENV)
                if expected is not None and expected != version:
                    raise SystemExit(VERSION_CHANGED)
                pipeline.build_native(config, tools, work, root, version, self._compile_extension)
            except PygoError as error:
                _exit_with(error)
            except OSError as error:  # a full disk, a folder made read-only under us
                _exit_with(os_error(error))

        def _compile_extension(
            self, settings: ExtensionSettings, tools: pipeline.Toolchain, library: GoLibrary
        ) -> Path:
            self.library = library
            ext = next(e for e in self.extensions if e.name == config.extension)
            for name, value in vars(settings).items():
                setattr(ext, name, value)
            ext.py_limited_api = self.target.abi.stable
            base.run(self)
            return Path(self.get_ext_fullpath(ext.name))

        def build_extensions(self) -> None:
            self.compiler.linker_so = without_absolute_rpaths(self.compiler.linker_so)
            if self.cc:
                floor = self.target.abi.floor(config.limited_api_version)
                self.target.platform.use_compiler(self.compiler, self.target, self.cc, floor)
            base.build_extensions(self)

        def build_extension(self, ext: Any) -> None:
            if ext.name != config.extension or self.library is None:
                base.build_extension(self, ext)
                return
            built = Path(self.get_ext_fullpath(ext.name))
            work = Path(self.build_temp).resolve() / "pygo"
            key = extension_inputs_key(ext, self.compiler, self.library, self.target, work)
            # In the project, not in build_temp: pip's editable install builds in a temporary
            # folder, and the first `pygo-tools develop` rebuild after it can reuse its extension.
            cache = ArtifactCache(config.project_dir / "build" / self.target.slug / "extension-cache")
            start = time.monotonic()
            what = (
                config.extension if self.target.abi.name == "abi3" else f"{config.extension} ({self.target.abi.name})"
            )
            if cache.fetch(key, built):
                log.info(f"pygo-tools ✓ cffi compile {what} {time.monotonic() - start:.1f}s (unchanged)")
                return
            with log.step(f"cffi compile {what}"):
                # The cache decides; setuptools' timestamps miss flag changes (strip, limited_api).
                previous = bool(getattr(self, "force", False))
                self.force = True
                try:
                    base.build_extension(self, ext)
                finally:
                    self.force = previous
            check_whole(built, f"the compiled {built.name}")  # never kept for reuse cut short
            cache.store(key, built)

        def get_ext_filename(self, fullname: str) -> str:
            # Named by the target's ABI (`.abi3.so` even where setuptools would write
            # `.abi3-x86_64-linux-gnu.so`, as on 3.15); other extensions as setuptools names them.
            # setuptools asks with the full name or, building, with its last part.
            ours = fullname in (config.extension, config.extension.rsplit(".", 1)[-1])
            chosen = target_.platform.extension_filename(fullname, target_) if ours else None
            return chosen or str(base.get_ext_filename(self, fullname))

    return build_ext


def make_bdist_wheel(config: Config, targets: list[Target], base: type[_bdist_wheel]) -> type[_bdist_wheel]:
    """A ``bdist_wheel`` that checks and repairs the wheel before it reaches ``dist/``.

    setuptools writes the raw wheel into a private temporary folder; only the checked,
    repaired wheel is published into the dist folder, atomically. With several targets it
    builds the first here and each other one in a child process.
    """

    class bdist_wheel(base):  # type: ignore[misc]
        def run(self) -> None:
            dist_dir = Path(str(self.dist_dir)).resolve()  # str(): setuptools leaves it untyped
            try:
                pipeline.preflight(config, targets)  # every target's tools, before the first builds
            except PygoError as error:
                _exit_with(error)
            try:
                with commands.terminate_as_interrupt(), tempfile.TemporaryDirectory(prefix="pygo-wheel-") as temp:
                    self.dist_dir: str = str(Path(temp) / "raw")
                    if len(targets) > 1:
                        log.info(f"pygo-tools: [1/{len(targets)}] {targets[0].name}")
                    name = f"wheel {self.distribution.get_name()} {self.distribution.get_version()}"
                    with log.step(name, live=False):  # setuptools prints (warnings) inside
                        base.run(self)
                    # setuptools records each wheel it writes; the last one is ours.
                    wheel = Path(self.distribution.dist_files[-1][2])
                    final = pipeline.finish_wheel(config, targets[0], wheel, dist_dir, Path(temp))
            except PygoError as error:
                _exit_with(error)
            except OSError as error:
                _exit_with(os_error(error))
            finally:
                self.dist_dir = str(dist_dir)
            command, version, _ = self.distribution.dist_files[-1]
            self.distribution.dist_files[-1] = (command, version, str(final))
            log.info(f"pygo-tools: built {final.name}")
            for index, other in enumerate(targets[1:], 2):
                log.info(f"pygo-tools: [{index}/{len(targets)}] {other.name}")
                self._build_in_child(other)

        def get_tag(self) -> tuple[str, str, str]:
            # Not base.get_tag for the universal wheel: it would check that a wheel with a build
            # step (Root-Is-Purelib: false) fits this interpreter.
            return pipeline.wheel_tag(config, targets[0], lambda: base.get_tag(self))

        def _build_in_child(self, target: Target) -> None:
            """setup.py again, in a child process, for one more target (the options go through
            the environment: the one process boundary they cross)."""
            script = os.path.abspath(self.distribution.script_name or "setup.py")
            command = [sys.executable, script, "bdist_wheel", "--dist-dir", os.path.abspath(self.dist_dir)]
            env = {**os.environ, **BuildOptions((target,)).environment(target)}
            if commands.run_attached(command, env=env, cwd=os.path.dirname(script)):
                raise SystemExit(1)

    return bdist_wheel


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


def os_error(error: OSError) -> PygoError:
    """A failed write or read of the build's own files, as one clean error."""
    where = f"{error.filename}: " if error.filename else ""
    if error.errno == errno.ENOSPC:
        return BuildError(f"{where}no space left on the device", hint=commands.DISK_FULL_HINT)
    return BuildError(f"{where}{error.strerror or error}", hint="check that the project's build/ folder is writable")


def _exit_with(error: PygoError) -> None:
    log.info(f"pygo-tools: error: {error}")
    raise SystemExit(error.exit_code)
