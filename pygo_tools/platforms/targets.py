"""The target table: one row per Go target, mapping GOOS/GOARCH to its platform object, the
machine name in wheel tags and the ``zig cc`` target for its C parts.

Adding an OS is one module in this package (a :class:`~.base.Platform`) plus its rows here.
"""

from __future__ import annotations

import platform as host_platform_module
import sys
from dataclasses import dataclass, replace

from ..errors import ConfigError
from .abi import ABI3, PythonAbi
from .base import Platform
from .linux import LINUX
from .macos import MACOS
from .wasi import WASI
from .windows import WINDOWS

PLATFORMS: tuple[Platform, ...] = (LINUX, MACOS, WINDOWS, WASI)


@dataclass(frozen=True)
class Target:
    """A platform to build for, named as Go names it: ``linux/amd64``."""

    platform: Platform
    goarch: str
    wheel_arch: str  # machine name in wheel tags: x86_64, aarch64, arm64, amd64
    zig_target: str  # `zig cc -target` value for cgo when cross-compiling
    host: bool = False
    zig: bool = False  # build the host target with zig too (glibc 2.17: manylinux2014)
    # The minimum OS version the build targets (macOS: "13.0"); set once the Go toolchain is known.
    os_version: str = ""
    abi: PythonAbi = ABI3  # the Python ABI of its extension (abi.py): one wheel per target and ABI

    @property
    def goos(self) -> str:
        return self.platform.goos

    @property
    def c_target(self) -> str:
        """The ``zig cc -target`` value: ``aarch64-macos.13.0`` once the OS version is set
        (without one, zig stamps the newest macOS it knows into the binaries)."""
        return f"{self.zig_target}.{self.os_version}" if self.os_version else self.zig_target

    @property
    def uses_zig(self) -> bool:
        """Cross targets always compile C with zig; the host only when asked to; a universal
        target compiles no C."""
        return not self.platform.universal and (self.zig or not self.host)

    @property
    def universal(self) -> bool:
        """A wheel for every platform (WebAssembly), not for one OS and CPU."""
        return self.platform.universal

    @property
    def name(self) -> str:
        return f"{self.goos}/{self.goarch}"

    @property
    def slug(self) -> str:
        """A file-name-safe form of the name and ABI, for per-target build directories."""
        return f"{self.goos}-{self.goarch}{self.abi.slug}"

    @property
    def label(self) -> str:
        """The name, and the ABI when it is not the default: ``linux/amd64 (abi3t)``."""
        return self.name if self.abi == ABI3 else f"{self.name} ({self.abi.name})"

    @property
    def library_suffix(self) -> str:
        return self.platform.library_suffix

    @property
    def rpath_origin(self) -> str:
        """What the dynamic loader expands to the directory of the loading binary."""
        return self.platform.rpath_origin

    @property
    def manylinux_floor(self) -> str | None:
        """The glibc policy a zig build targets; None means "what fits" (or not Linux)."""
        return self.platform.manylinux_floor(self)

    @property
    def unrepaired_platform_tag(self) -> str:
        """The platform tag setuptools writes before repair, e.g. ``linux_x86_64``."""
        return self.platform.unrepaired_platform_tag(self)


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target(LINUX, "amd64", "x86_64", "x86_64-linux-gnu.2.17"),
        Target(LINUX, "arm64", "aarch64", "aarch64-linux-gnu.2.17"),
        Target(MACOS, "amd64", "x86_64", "x86_64-macos"),
        Target(MACOS, "arm64", "arm64", "aarch64-macos"),
        Target(WINDOWS, "amd64", "amd64", "x86_64-windows-gnu"),
        Target(WINDOWS, "arm64", "arm64", "aarch64-windows-gnu"),
        # The universal wheel: not part of `--target all`, which means every native platform.
        Target(WASI, "wasm", "any", ""),
    )
}

_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def host_platform() -> Platform | None:
    """The platform object of the OS running pygo-tools (None: one pygo-tools has no module for)."""
    return next((p for p in PLATFORMS if p.sys_platform == sys.platform), None)


def host_target() -> Target:
    """The target of the running interpreter, marked as the host."""
    found = host_platform()
    goarch = _GOARCH.get(host_platform_module.machine().lower())
    if found is None or goarch is None:
        raise ConfigError(
            f"unsupported host platform {sys.platform}/{host_platform_module.machine()}",
            hint="supported: " + ", ".join(TARGETS),
        )
    return replace(TARGETS[f"{found.goos}/{goarch}"], host=True)


# Upstream says why a Go extension cannot be built for musl: the alternatives, for the refusal.
MUSL_REFUSAL = (
    "a Go c-shared library cannot be loaded by musl's dynamic loader (Alpine and other musl Linux): "
    "Go's runtime uses the initial-exec TLS model, which musl refuses in a dlopen()ed library "
    '("initial-exec TLS resolves to dynamic definition"); Go has not fixed it, see '
    "golang/go#13492 and golang/go#54805"
)
MUSL_HINT = (
    "build the universal wheel instead (--target wasip1/wasm: runs on musl through wasmtime's "
    "musllinux wheels, and pip picks it there); Go programs (executables) need no such wheel: "
    "their linux wheels are tagged musllinux already"
)


def parse_target(name: str) -> Target:
    """``linux/arm64`` to its :class:`Target`; an unknown name lists the known ones; a musl
    target is refused with the upstream reason."""
    key = name.strip().lower()
    if "musl" in key or "alpine" in key:
        raise ConfigError(f"target {name!r}: {MUSL_REFUSAL}", hint=MUSL_HINT)
    if key not in TARGETS:
        raise ConfigError(f"unknown target {name!r}", hint="known targets: " + ", ".join(TARGETS))
    target = TARGETS[key]
    host = host_target()
    return replace(target, host=True) if target.name == host.name else target


def with_abis(targets: list[Target], abis: tuple[PythonAbi, ...]) -> list[Target]:
    """Each target once per ABI, the ABIs of one target together."""
    return [replace(t, abi=abi) for t in targets for abi in abis]


def with_zig(targets: list[Target], zig: bool) -> list[Target]:
    """The targets without repeats; with ``zig``, the host one goes through zig too."""
    unique = list(dict.fromkeys(targets))
    return [replace(t, zig=True) if zig and t.host else t for t in unique]
