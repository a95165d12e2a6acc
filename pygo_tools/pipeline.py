"""One build of a pygo-tools project, in order: the table of contents of pygo-tools.

    1. configuration  the config file, the Go module's files ........... plan()
    2. targets        from the build options, each checked buildable ... plan()
                      and every target's tools present (zig, readers) .. preflight()
    3. toolchain      Go; zig for the C parts of other targets ......... prepare_target()
    4. Go library     exports generator, typed names, go build ......... build_native()
    5. extension      cffi's C source + the typed module's C, compiled . build_native()
    6. typed module   the .py and .pyi beside the package .............. build_native()
    7. programs       go build of each executable ...................... build_native()
                      (in place: the Go inputs recorded for editable installs' rebuilds)
    8. wheel          written by setuptools' bdist_wheel (the front end)
    9. checks         what must be in the wheel is there ............... finish_wheel()
   10. repair         the platform's checks and tag (auditwheel...) .... finish_wheel()
   11. SBOM           the Go modules inside, in .dist-info/sboms/ ...... finish_wheel()
   12. publish        the wheel, atomically, into the dist folder ...... finish_wheel()

The universal target (``wasip1/wasm``) differs in steps 4 to 6 only (``build_universal``): Go
builds a WebAssembly module instead of a C library, no C is compiled, and the typed module is
Python over wasmtime; the wheel is ``py3-none-any`` and requires wasmtime instead of cffi
(``wheel_tag``, ``runtime_requirement``).

Every check of the configuration runs in step 1, or (names that need Go's exports) in step 4
before any compiler does. The front ends (``frontends/setup_py.py`` for setuptools commands,
``frontends/pep517.py`` for pip, build and uv, ``cli/`` for ``pygo-tools build``) call these
functions with typed arguments; the setuptools commands supply the two things only setuptools
does here: compiling the extension (``compile_extension``) and writing the raw wheel.
"""

from __future__ import annotations

import shlex
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError
from .options import BuildOptions
from .platforms import ExtensionSettings, Target, host_platform
from .platforms.abi import ABI3T_VERSION
from .platforms.wasi import WASMTIME_REQUIREMENT
from .platforms.zig import ZigCompiler, find_zig
from .steps import editable
from .steps.config import Config, load_config
from .steps.extension import extension_settings, write_cffi_source
from .steps.golib import GoLibrary, build_go_library
from .steps.preflight import preflight as preflight  # step 2: every target's tools, checked first
from .steps.programs import build_programs, check_stamped_version, tag_program_wheel, write_program_modules
from .steps.sbom import add_sbom
from .steps.sources import check_sources
from .steps.toolchain import GoToolchain, find_go
from .steps.typed_module import check_typed_names, write_typed_module
from .steps.universal import check_universal, write_universal_package
from .typed.generator import generate_exports, generator_binary
from .util import log
from .util.atomic import copy_atomically
from .wheel.checks import ExpectedContents, check_contents, check_published
from .wheel.contents import parse_wheel_name, retag
from .wheel.publish import publish_wheel


@dataclass(frozen=True)
class Plan:
    """What to build: the project's configuration and the targets, all checked."""

    config: Config
    targets: tuple[Target, ...]


def plan(project_dir: Path, options: BuildOptions) -> Plan:
    """Steps 1 and 2: read and check everything the build will use before anything runs; one
    target per wheel (each Go target once per Python ABI: platforms/abi.py)."""
    config = load_config(project_dir)
    check_sources(config)
    targets = options.wheel_targets(config.free_threaded) if config.has_extension else options.targets
    for target in targets:
        check_buildable(target, config)
    return Plan(config, targets)


def check_buildable(target: Target, config: Config) -> None:
    """Extensions cross-compile from Linux to every target (zig); pure Go programs build for
    every target from anywhere; the universal wheel builds anywhere Go runs. An extension for
    one CPython's own ABI (3.13t) builds for this machine only."""
    if target.universal:
        check_universal(config, target)
        return
    if not config.has_extension or target.host:
        return
    if not target.abi.stable:
        raise BuildError(
            f"cannot build the {target.abi.name} extension for {target.name} here: a free-threaded "
            f"CPython below {ABI3T_VERSION[0]}.{ABI3T_VERSION[1]} has no stable ABI, so its extension is "
            "built for this machine only",
            hint="build other targets with CPython 3.15 or newer (abi3t wheels serve free-threaded 3.15+), "
            f"or build the {target.abi.name} wheel on each target machine",
        )
    here = host_platform()
    if here is None or not here.cross_compiles_extensions:
        raise BuildError(
            f"cannot build the extension for {target.name} on this machine",
            hint="cross-compiling extensions works from Linux (to Linux, macOS and Windows); "
            f"build {target.name} wheels on Linux or on {target.goos}",
        )


@dataclass(frozen=True)
class Toolchain:
    """The tools for one target, and the target completed with what they imply."""

    target: Target  # with its OS version (macOS) once Go is known
    go: GoToolchain
    zig: ZigCompiler | None  # for the C parts of a target other than this machine's

    @property
    def cc(self) -> list[str] | None:
        return self.zig.cc(self.target) if self.zig else None


def prepare_target(config: Config, target: Target) -> Toolchain:
    """Step 3: find Go (and zig where C is compiled for another target); say what was found."""
    with log.step("config"):
        log.detail(config.describe())
        go = find_go(config)
        target = target.platform.resolve(target, go.path, go.version)
        compiler = f" (zig cc -target {target.c_target})" if target.uses_zig else ""
        log.detail(f"target: {target.name}{compiler}")
        log.detail(f"toolchain: {go.describe()}")
        zig = None
        if target.uses_zig and (config.has_extension or any(p.cgo for p in config.executables)):
            zig = find_zig()
            log.detail(f"C compiler: zig {zig.version} (ziglang package)")
    return Toolchain(target, go, zig)


# The front end compiles the extension with these settings and returns the file it wrote.
CompileExtension = Callable[[ExtensionSettings, Toolchain, GoLibrary], Path]


def build_native(
    config: Config, tools: Toolchain, work: Path, root: Path, version: str, compile_extension: CompileExtension
) -> None:
    """Steps 4 to 7, into ``root`` (the wheel's tree, or the project for an in-place build);
    ``work`` is the build's own folder."""
    target = tools.target
    check_stamped_version(config, version)  # before anything is built
    # An in-place build (editable installs) records its Go inputs for the rebuild-on-import hook;
    # taken before the build, so that an edit made while it runs still counts as a change.
    inputs = editable.snapshot(config) if root == config.project_dir else None
    library = None
    if config.has_extension and target.universal:
        build_universal(config, tools, work, root)
    elif config.has_extension:
        library = build_library(config, tools, work / "go")
        with log.quiet_stdout():  # cffi prints "generating <file>"
            source = write_cffi_source(config, library, work / "cffi")
        settings = extension_settings(config, library, source.path, work, tools.zig)
        built = compile_extension(settings, tools, library)
        target.platform.check_extension(built, library.path, target)
        destination = target.platform.library_destination(
            target, library.path, config.library_subdir, config.extension_subdir
        )
        copy_atomically(library.path, root / destination)
        if config.wrapper:
            write_typed_module(config, library.exports, root)
    if config.executables:
        package_root = root.joinpath(*config.package.split("."))
        build_programs(config, target, tools.go, package_root / "bin", version)
        write_program_modules(config, package_root)
    if inputs is not None:
        editable.record(config, inputs, library.inputs if library else None)


def build_universal(config: Config, tools: Toolchain, work: Path, root: Path) -> None:
    """Steps 4 to 6 for the universal wheel: the Go library as a WebAssembly module, no C, and the
    typed module in Python over the runtime that stands where the cffi extension would."""
    library = build_library(config, tools, work / "go")
    write_universal_package(config, library, root)


def builds_cffi_extension(config: Config, target: Target) -> bool:
    """The wheel has a compiled cffi extension (every extension target but the universal one)."""
    return config.has_extension and not target.universal


def wheel_tag(
    config: Config, target: Target, setuptools_tag: Callable[[], tuple[str, str, str]]
) -> tuple[str, str, str]:
    """The tag the raw wheel gets: the extension's abi3 one as setuptools makes it; any Python 3
    for programs only (the platform comes in step 10); everywhere for the universal wheel."""
    if target.universal:
        return ("py3", "none", "any")
    tag = setuptools_tag()
    return tag if config.has_extension else ("py3", "none", tag[2])


def runtime_requirement(config: Config, target: Target, cffi_requirement: str) -> str | None:
    """What the wheel needs at run time to call Go: cffi, or wasmtime for the universal wheel."""
    if not config.has_extension:
        return None
    return WASMTIME_REQUIREMENT if target.universal else cffi_requirement


def build_library(config: Config, tools: Toolchain, build_dir: Path) -> GoLibrary:
    """Step 4: with a typed module, the generated exports first (and the names the config gives
    them checked), then the Go library."""
    target = tools.target
    exports = overlay = None
    build_dir.mkdir(parents=True, exist_ok=True)
    if config.wrapper:
        generator = generator_binary(tools.go.path, tools.go.version, _host_executable_suffix())
        exports, overlay = generate_exports(
            generator,
            config.go_path.resolve(),
            build_dir,
            target.goos,
            target.goarch,
            config.build_tags,
            wasm=target.universal,
        )
        check_typed_names(config, exports)
    cc = shlex.join(tools.cc) if tools.cc else None
    return build_go_library(config, target, tools.go, build_dir, cc=cc, exports=exports, overlay=overlay)


def _host_executable_suffix() -> str:
    here = host_platform()
    return here.executable_suffix if here else ""


def expected_contents(config: Config, target: Target) -> ExpectedContents:
    """What step 9 checks for in the wheel."""
    if not config.has_extension and not config.executables:
        return ExpectedContents()
    if target.universal:
        return ExpectedContents(
            extension=config.extension,
            library_prefix=f"{config.library_subdir}/lib{config.library}.wasm",
            typed_module=config.wrapper.replace(".", "/") + ".py",
            universal=True,
        )
    return ExpectedContents(
        extension=config.extension,
        extension_file=extension_file(config, target) if config.has_extension else "",
        library_prefix=f"{config.library_subdir}/lib{config.library}." if config.has_extension else "",
        # On Windows it sits next to the extension, named with a hash (platforms/windows.py says why).
        library_beside_prefix="/".join(filter(None, [config.extension_subdir, f"lib{config.library}-"])),
        typed_module=config.wrapper.replace(".", "/") + ".py" if config.wrapper else "",
        programs_dir="/".join([*config.package.split("."), "bin"]) + "/",
        programs=tuple(p.name for p in config.executables),
    )


def extension_file(config: Config, target: Target) -> str:
    """The extension's path in the wheel: ``pkg/_native.abi3.so``, ``pkg/_native.abi3t.so``,
    ``pkg/_native.pyd``; for a version-specific ABI the interpreter's own suffix."""
    chosen = target.platform.extension_filename(config.extension, target)
    return chosen or "/".join(config.extension.split(".")) + str(sysconfig.get_config_var("EXT_SUFFIX"))


def finish_wheel(config: Config, target: Target, raw_wheel: Path, dist_dir: Path, temp: Path) -> Path:
    """Steps 9 to 12: check the wheel setuptools wrote, repair (or tag) it, add its SBOM, look at
    it a last time, publish it into ``dist_dir``. ``temp`` is a private folder for the steps
    between."""
    check_contents(raw_wheel, expected_contents(config, target))
    if config.has_extension:
        with log.step("repair wheel"):
            repaired = target.platform.repair_wheel(raw_wheel, target, temp / "repaired")
            if builds_cffi_extension(config, target):  # the universal wheel stays py3-none-any
                repaired = tag_abi(repaired, target, config)
    else:
        with log.step("tag wheel"):
            repaired = tag_program_wheel(raw_wheel, target, config)
    if config.sbom:  # a fraction of a second: a line with -v only
        repaired = add_sbom(config, repaired, temp / "sbom")
    check_published(repaired)
    return publish_wheel(repaired, dist_dir)


def tag_abi(wheel: Path, target: Target, config: Config) -> Path:
    """The wheel's python and abi tags as its ABI has them (setuptools knows no ``abi3.abi3t``):
    ``cp315-abi3.abi3t`` for abi3t. A wheel already tagged so (abi3, cp313t) is left as it is."""
    python, abi = target.abi.wheel_tags(config.limited_api_version)
    _, _, written_python, written_abi, _ = parse_wheel_name(wheel.name)
    if (written_python, written_abi) == (python, abi):
        return wheel
    return retag(wheel, wheel.parent, python=python, abi=abi, remove=True)
