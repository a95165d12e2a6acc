"""The Python ABIs an extension is built for, in one table: what each needs from the compiler,
what its file is called and how its wheel is tagged.

* ``abi3``: CPython's stable ABI for GIL builds, from the project's ``limited_api`` floor on
  (``cp39-abi3``). The default.
* ``abi3t``: the stable ABI for free-threaded builds (PEP 803, CPython 3.15+). Compiled with
  ``Py_TARGET_ABI3T`` from any 3.15+ headers, GIL ones included; an abi3t 3.15 extension loads on
  GIL 3.15+ too, so its wheel is tagged ``cp315-abi3.abi3t``. Free-threaded 3.15 does not load
  ``.abi3.so`` files, and pip there does not take ``abi3`` wheels.
* ``cp313t``, ``cp314t``: the free-threaded CPython 3.13 and 3.14 have no stable ABI; an
  extension for them is built against the running interpreter's own API, for it alone.

The ABIs of a build come from the interpreter that runs it and what was asked
(:func:`build_abis`): a free-threaded interpreter builds its own free-threaded ABI and nothing
else (it could not load an abi3 wheel, and cannot compile one below 3.15); a GIL interpreter
builds abi3, and abi3t as well (or instead) on request, from 3.15 on.
"""

from __future__ import annotations

import sys
import sysconfig
from dataclasses import dataclass
from typing import Literal

from ..errors import BuildError
from .stable_abi import Version

ABI3T_VERSION: Version = (3, 15)  # the first CPython with abi3t (PEP 803)

# What a build was asked for: only the interpreter's own ABI ("no"), abi3t as well ("also"),
# abi3t instead ("only").
FreeThreadedMode = Literal["no", "also", "only"]
FREE_THREADED_MODES: tuple[FreeThreadedMode, ...] = ("no", "also", "only")


def _hex(version: Version) -> str:
    return f"0x{version[0]:02X}{version[1]:02X}0000"


@dataclass(frozen=True)
class PythonAbi:
    """One Python ABI an extension can be compiled for."""

    name: str  # abi3, abi3t, cp313t
    stable: bool  # a stable ABI (the limited API); else one CPython version's own API
    free_threaded: bool  # loads on free-threaded CPython
    since: Version | None = None  # the first CPython it exists for (abi3t: 3.15); None: the floor's

    def floor(self, configured: Version) -> Version:
        """The oldest CPython the extension supports, given the project's ``limited_api``."""
        return max(configured, self.since) if self.since else configured

    def define_macros(self, configured: Version) -> list[tuple[str, str | None]]:
        """What the C compiler is given. abi3t needs ``Py_LIMITED_API`` as well as
        ``Py_TARGET_ABI3T``: with the latter alone cffi's ``_cffi_include.h`` defines a bare
        ``Py_LIMITED_API``, and ``Py_TYPE`` goes undeclared. A version-specific free-threaded
        build defines neither (3.13t/3.14t refuse the limited API; cffi, run by that interpreter,
        writes ``#define _CFFI_NO_LIMITED_API`` into the source itself)."""
        if not self.stable:
            return []
        macros: list[tuple[str, str | None]] = [("Py_LIMITED_API", _hex(self.floor(configured)))]
        if self.free_threaded:
            macros.append(("Py_TARGET_ABI3T", _hex(self.floor(configured))))
        return macros

    def wheel_tags(self, configured: Version) -> tuple[str, str]:
        """The wheel's python and abi tags: ``("cp39", "abi3")``, ``("cp315", "abi3.abi3t")``,
        ``("cp313", "cp313t")``."""
        major, minor = self.floor(configured)
        if not self.stable:
            return f"cp{major}{minor}", self.name
        return f"cp{major}{minor}", "abi3.abi3t" if self.free_threaded else "abi3"

    @property
    def posix_suffix(self) -> str | None:
        """The extension file's suffix on Linux and macOS: ``.abi3.so``, ``.abi3t.so``; None for a
        version-specific ABI (the interpreter's own ``EXT_SUFFIX``). Named by pygo-tools, not by
        setuptools: on 3.15 setuptools writes ``.abi3-x86_64-linux-gnu.so``, which CPython 3.14 and
        older do not load."""
        return f".{self.name}.so" if self.stable else None

    @property
    def windows_dll(self) -> str:
        """The DLL a stable-ABI ``.pyd`` imports CPython's API from (abi3t: ``python3t.dll``, which
        GIL installs of 3.15 ship too, forwarding to their runtime: CPython gh-148690)."""
        return "python3t.dll" if self.free_threaded else "python3.dll"

    @property
    def slug(self) -> str:
        """Added to a target's build folder name: "" for the default abi3."""
        return "" if self.name == "abi3" else f"-{self.name}"


ABI3 = PythonAbi("abi3", stable=True, free_threaded=False)
ABI3T = PythonAbi("abi3t", stable=True, free_threaded=True, since=ABI3T_VERSION)


def version_specific(version: Version) -> PythonAbi:
    """The free-threaded ABI of one CPython below 3.15: ``cp313t``."""
    return PythonAbi(f"cp{version[0]}{version[1]}t", stable=False, free_threaded=True, since=version)


def interpreter_is_free_threaded() -> bool:
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def interpreter_version() -> Version:
    return sys.version_info[0], sys.version_info[1]


def interpreter_abi() -> PythonAbi:
    """The ABI this interpreter builds by default: abi3 on GIL builds; on free-threaded ones abi3t
    from 3.15, else the version's own (``cp313t``)."""
    if not interpreter_is_free_threaded():
        return ABI3
    version = interpreter_version()
    return ABI3T if version >= ABI3T_VERSION else version_specific(version)


def build_abis(mode: FreeThreadedMode) -> tuple[PythonAbi, ...]:
    """The ABIs a build makes wheels for, in order, with ``mode`` asked for."""
    own = interpreter_abi()
    if own.free_threaded:
        return (own,)  # it loads nothing else, and could compile nothing else below 3.15
    if mode == "no":
        return (own,)
    version = interpreter_version()
    if version < ABI3T_VERSION:
        raise BuildError(
            f"free-threaded wheels (abi3t) are compiled with CPython {ABI3T_VERSION[0]}.{ABI3T_VERSION[1]}'s "
            f"headers or newer, and this build runs on CPython {version[0]}.{version[1]}",
            hint="run the build with python3.15 or newer (GIL or free-threaded) with pygo-tools installed "
            "there; or leave free-threaded wheels out (drop free_threaded / --free-threaded / "
            "PYGO_TOOLS_FREE_THREADED)",
        )
    return (ABI3T,) if mode == "only" else (ABI3, ABI3T)
