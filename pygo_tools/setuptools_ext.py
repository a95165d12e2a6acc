"""The setup.py front end: ``pygo_tools.setup()`` and the setuptools commands it chains."""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from setuptools import setup as _setuptools_setup
from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
from setuptools.command.build import build as _build
from setuptools.command.build_ext import build_ext as _build_ext
from setuptools.command.egg_info import egg_info as _egg_info
from setuptools.command.sdist import sdist as _sdist
from setuptools.dist import Distribution

from . import commands, darwin, log, platforms
from .bindings import render, typed_api
from .buildcache import ArtifactCache, file_digest, inputs_key, tool_identity
from .config import Config, load_config
from .errors import BuildError, ConfigError, PygoError
from .extension import configure_extension, placeholder_extension, without_absolute_rpaths, write_cffi_source
from .golib import GoLibrary, build_go_library, go_source_files
from .output import publish_wheel
from .programs import build_programs, console_scripts, tag_program_wheel, write_program_modules
from .repair import repair_wheel
from .sources import check_sources
from .targets import TARGET_ENV, Target, requested_targets
from .toolchain import GoToolchain, ZigCompiler, find_go, find_zig
from .validate import is_generated
from .verify import check_built_extension, check_published, check_wheel

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
        check_sources(config)
        targets = requested_targets()
        for target in targets:
            check_buildable(target, config)
    except PygoError as error:
        _exit_with(error)
    quiet_setuptools()
    with commands.terminate_as_interrupt():
        return _setuptools_setup(**setup_arguments(config, targets, cffi, kwargs))


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


def check_buildable(target: Target, config: Config) -> None:
    """Extensions cross-compile from Linux to every target (zig); pure Go programs build for
    every target from anywhere."""
    if not config.has_extension:
        return
    if not target.host and sys.platform != "linux":
        raise BuildError(
            f"cannot build the extension for {target.name} on this machine",
            hint="cross-compiling extensions works from Linux (to Linux, macOS and Windows); "
            f"build {target.name} wheels on Linux or on {target.goos}",
        )


def setup_arguments(
    config: Config, targets: list[Target], cffi_requirement: str, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The keyword arguments pygo-tools hands to ``setuptools.setup``.

    Only the first target is built in this process; ``bdist_wheel`` builds the others.
    """
    target = targets[0]
    kwargs = dict(kwargs)
    cmdclass = dict(kwargs.pop("cmdclass", {}))
    cmdclass["build"] = make_build(cmdclass.get("build", _build))
    cmdclass["build_ext"] = make_build_ext(config, target, cmdclass.get("build_ext", _build_ext))
    cmdclass["bdist_wheel"] = make_bdist_wheel(config, targets, cmdclass.get("bdist_wheel", _bdist_wheel))
    cmdclass["egg_info"] = make_egg_info(config, cffi_requirement, cmdclass.get("egg_info", _egg_info))
    cmdclass["sdist"] = make_sdist(config, cmdclass.get("sdist", _sdist))
    options = {key: dict(value) for key, value in kwargs.pop("options", {}).items()}
    options.setdefault("bdist_wheel", {})
    if config.has_extension:
        options["bdist_wheel"].setdefault("py_limited_api", config.limited_api_tag)
    # One build directory per target, so targets never share objects or extensions.
    options.setdefault("build", {}).setdefault("build_base", os.path.join("build", target.slug))
    if not target.host:
        options["bdist_wheel"]["plat_name"] = target.unrepaired_platform_tag
    ext_modules = list(kwargs.pop("ext_modules", []))
    if config.has_extension:
        ext_modules.append(placeholder_extension(config))
    else:
        kwargs["distclass"] = PlatformDistribution  # programs only: still a platform wheel
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
    """An ``sdist`` that carries what a build from it needs: the Go module and the config."""

    class sdist(base):  # type: ignore[misc]
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
            for path in [*go_source_files(config), config.source]:
                self.filelist.append(Path(os.path.normpath(path)).relative_to(config.project_dir).as_posix())
            base.make_distribution(self)

    return sdist


def make_egg_info(config: Config, cffi_requirement: str, base: type[_egg_info]) -> type[_egg_info]:
    """An ``egg_info`` (which writes the metadata of every route) that keeps cffi required and
    the programs' console commands declared.

    A ``[project]`` table in pyproject.toml replaces ``install_requires`` and ``entry_points``
    after ``setup()`` received them (which is how pygo-tools 0.1.8 lost cffi under pip), so
    they are added here.
    """

    class egg_info(base):  # type: ignore[misc]
        def run(self) -> None:
            if config.has_extension:
                require(self.distribution, cffi_requirement)
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


def make_build_ext(config: Config, target_: Target, base: type[_build_ext]) -> type[_build_ext]:
    """A ``build_ext`` that builds the Go library first, then the cffi extension against it."""

    class build_ext(base):  # type: ignore[misc]
        def run(self) -> None:
            try:
                self._build_go_extension()
            except PygoError as error:
                _exit_with(error)

        cc: list[str] | None = None
        zig: ZigCompiler | None = None
        target: Target = target_  # with the macOS version once Go is known

        def _build_go_extension(self) -> None:
            go = self._resolve_toolchains()
            root = config.project_dir if self.inplace else Path(self.build_lib).resolve()
            if config.has_extension:
                self._build_extension(go, root)
            if config.executables:
                package_root = root.joinpath(*config.package.split("."))
                build_programs(config, self.target, go, package_root / "bin", self.distribution.get_version())
                write_program_modules(config, package_root)

        def _resolve_toolchains(self) -> GoToolchain:
            with log.step("config"):
                log.detail(config.describe())
                go = find_go(config)
                self.target = target = darwin.with_macos_version(target_, go)
                compiler = f" (zig cc -target {target.c_target})" if target.uses_zig else ""
                log.detail(f"target: {target.name}{compiler}")
                log.detail(f"toolchain: {go.describe()}")
                if target.uses_zig and (config.has_extension or any(p.cgo for p in config.executables)):
                    self.zig = find_zig()
                    log.detail(f"C compiler: zig {self.zig.version} (ziglang package)")
                    self.cc = self.zig.cc(target)
            return go

        library: GoLibrary | None = None

        def _build_extension(self, go: GoToolchain, root: Path) -> None:
            work = Path(self.build_temp).resolve() / "pygo"
            cc = shlex.join(self.cc) if self.cc else None
            library = build_go_library(config, self.target, go, work / "go", cc=cc)
            self.library = library
            ext = next(e for e in self.extensions if e.name == config.extension)
            with log.quiet_stdout():  # cffi prints "generating <file>"
                source = write_cffi_source(config, library, work / "cffi")
            configure_extension(ext, config, library, source.path)
            platforms.configure_extension(ext, config, library, work, self.zig)
            base.run(self)
            built = Path(self.get_ext_fullpath(ext.name))
            check_built_extension(built, library)
            platforms.check_extension(built, library)
            destination = platforms.library_destination(config, library, root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(library.path, destination)
            if config.wrapper:
                write_wrapper(config, library, root, set(source.declared))

        def build_extensions(self) -> None:
            self.compiler.linker_so = without_absolute_rpaths(self.compiler.linker_so)
            if self.cc:
                platforms.use_compiler(self.compiler, self.target, self.cc, config)
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
            if cache.fetch(key, built):
                log.info(f"pygo-tools ✓ cffi compile {config.extension} {time.monotonic() - start:.1f}s (unchanged)")
                return
            with log.step(f"cffi compile {config.extension}"):
                # The cache decides; setuptools' timestamps miss flag changes (strip, limited_api).
                previous = bool(getattr(self, "force", False))
                self.force = True
                try:
                    base.build_extension(self, ext)
                finally:
                    self.force = previous
            cache.store(key, built)

        def get_ext_filename(self, fullname: str) -> str:
            return platforms.extension_filename(fullname, target_) or str(base.get_ext_filename(self, fullname))

    return build_ext


def extension_inputs_key(ext: Any, compiler: Any, library: GoLibrary, target: Target, work: Path) -> str:
    """Everything that makes the compiled extension: sources, the Go header it includes,
    flags, compiler, Python headers, target and pygo-tools' own version.

    Paths inside ``work`` (the build's own folder, temporary for pip's builds) count by their
    place in it and their bytes: the binaries hold no build path (``-g0``), so where the
    folder was does not change them."""
    import sysconfig

    from . import __version__

    def placed(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [placed(v) for v in value]
        return str(value).replace(str(work), "<work>") if isinstance(value, (str, os.PathLike)) else value

    return inputs_key(
        {
            "pygo-tools": __version__,
            "sources": {placed(source): file_digest(Path(source)) for source in ext.sources},
            "header": file_digest(library.header),
            "compile": placed(compiler.compiler_so),
            "link": placed(compiler.linker_so),
            "compiler": tool_identity(compiler.compiler_so[0]),
            "ext": placed([ext.include_dirs, ext.library_dirs, ext.libraries, ext.define_macros]),
            # Windows: the import libraries, which name the Go DLL by a hash of its contents.
            "objects": {placed(obj): file_digest(Path(obj)) for obj in ext.extra_objects or []},
            "flags": placed([ext.extra_compile_args, ext.extra_link_args, ext.py_limited_api]),
            "python": [sysconfig.get_paths()["include"], sys.version, sysconfig.get_config_var("EXT_SUFFIX")],
            "target": target.name,
        }
    )


def write_wrapper(config: Config, library: GoLibrary, root: Path, declared: set[str]) -> None:
    """Write the typed module and its stub next to the package's other modules under ``root``.

    ``declared`` are the functions the cffi ``lib`` has (a direct export is called through it).
    """
    names = {export["name"] for export in library.exports}
    for key in ("borrowed", "unchecked"):
        unknown = [name for name in getattr(config, key) if name not in names]
        if unknown:
            raise BuildError(
                f"{config.source.name}: {key}: {', '.join(unknown)} is not a Go export",
                hint="exports: " + (", ".join(sorted(names)) or "none"),
            )
    classes, functions = typed_api(config, library.exports, library.structs)
    missing = [f.go_name for f in functions if f.direct and f.go_name not in declared]
    if missing:
        raise BuildError(
            f"{config.source.name}: signatures: {', '.join(missing)} uses C types of your cgo preamble, so the "
            "typed module calls it through the cffi lib, but it is not declared",
            hint="add its declaration from the header Go writes to signatures, or remove signatures",
        )
    if config.unchecked:
        log.info("unchecked: no longer needed: every typed call is checked at the cost of an unchecked one")
    module, stub = render(config, functions, classes)
    path = root.joinpath(*config.wrapper.split("."))
    path.parent.mkdir(parents=True, exist_ok=True)
    for target, text in ((path.with_suffix(".py"), module), (path.with_suffix(".pyi"), stub)):
        if target.exists() and not is_generated(target):
            raise BuildError(f"{target}: exists and was not written by pygo-tools; it is left as it is")
        target.write_text(text, encoding="utf-8")
    for function in functions:
        for note in function.renamed:
            log.info(f"typed module: {note}")
    described = f"{len(functions)} typed functions" + (f", {len(classes)} dataclasses" if classes else "")
    log.info(f"wrote {config.wrapper}: {described}")


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
                with commands.terminate_as_interrupt(), tempfile.TemporaryDirectory(prefix="pygo-wheel-") as temp:
                    self.dist_dir: str = str(Path(temp) / "raw")
                    name = f"wheel {self.distribution.get_name()} {self.distribution.get_version()}"
                    with log.step(name, live=False):  # setuptools prints (warnings) inside
                        base.run(self)
                    # setuptools records each wheel it writes; the last one is ours.
                    wheel = Path(self.distribution.dist_files[-1][2])
                    check_wheel(wheel, config)
                    if config.has_extension:
                        with log.step("repair wheel"):
                            repaired = repair_wheel(wheel, targets[0], Path(temp) / "repaired")
                    else:
                        with log.step("tag wheel"):
                            repaired = tag_program_wheel(wheel, targets[0], config)
                    check_published(repaired)
                    final = publish_wheel(repaired, dist_dir)
            except PygoError as error:
                _exit_with(error)
            finally:
                self.dist_dir = str(dist_dir)
            command, version, _ = self.distribution.dist_files[-1]
            self.distribution.dist_files[-1] = (command, version, str(final))
            log.info(f"pygo-tools: built {final.name}")
            for other in targets[1:]:
                self._build_in_child(other)

        def get_tag(self) -> tuple[str, str, str]:
            tag: tuple[str, str, str] = base.get_tag(self)
            # Programs only: any Python 3 can run them; tag_program_wheel sets the platform.
            return tag if config.has_extension else ("py3", "none", tag[2])

        def _build_in_child(self, target: Target) -> None:
            script = os.path.abspath(self.distribution.script_name or "setup.py")
            command = [sys.executable, script, "bdist_wheel", "--dist-dir", os.path.abspath(self.dist_dir)]
            env = {**os.environ, TARGET_ENV: target.name}
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


def _exit_with(error: PygoError) -> None:
    log.info(f"pygo-tools: error: {error}")
    raise SystemExit(error.exit_code)
