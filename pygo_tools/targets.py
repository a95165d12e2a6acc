"""One table maps GOOS/GOARCH to wheel platforms, C compiler targets and file names."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, replace

from .errors import ConfigError


@dataclass(frozen=True)
class Target:
    """A platform to build for, named as Go names it: ``linux/amd64``."""

    goos: str
    goarch: str
    wheel_arch: str  # machine name in wheel tags: x86_64, aarch64, arm64, amd64
    zig_target: str  # `zig cc -target` value for cgo when cross-compiling
    host: bool = False
    zig: bool = False  # build the host target with zig too (glibc 2.17: manylinux2014)
    # darwin: the minimum macOS the build targets ("13.0"); set once the Go toolchain is known.
    os_version: str = ""

    @property
    def c_target(self) -> str:
        """The ``zig cc -target`` value: ``aarch64-macos.13.0`` once the macOS version is set
        (without one, zig stamps the newest macOS it knows into the binaries)."""
        return f"{self.zig_target}.{self.os_version}" if self.os_version else self.zig_target

    @property
    def uses_zig(self) -> bool:
        """Cross targets always compile C with zig; the host only when asked to."""
        return self.zig or not self.host

    @property
    def name(self) -> str:
        return f"{self.goos}/{self.goarch}"

    @property
    def slug(self) -> str:
        """A file-name-safe form of the name, for per-target build directories."""
        return f"{self.goos}-{self.goarch}"

    @property
    def manylinux_floor(self) -> str | None:
        """The policy a zig build targets (glibc 2.17: manylinux2014); None means "what fits"."""
        if self.goos == "linux" and self.uses_zig:
            return f"manylinux_2_17_{self.wheel_arch}"
        return None

    @property
    def library_suffix(self) -> str:
        return {"linux": ".so", "darwin": ".dylib", "windows": ".dll"}[self.goos]

    @property
    def rpath_origin(self) -> str:
        """What the dynamic loader expands to the directory of the loading binary."""
        return "@loader_path" if self.goos == "darwin" else "$ORIGIN"

    @property
    def pe_machine(self) -> int:
        """IMAGE_FILE_HEADER.Machine of a Windows binary for this target."""
        return _PE_MACHINE[self.goarch]

    @property
    def macho_cputype(self) -> int:
        """mach_header_64.cputype of a macOS binary for this target."""
        return _MACHO_CPUTYPE[self.goarch]

    @property
    def dlltool_machine(self) -> str:
        """``dlltool -m`` value for import libraries of this target."""
        return _DLLTOOL_MACHINE[self.goarch]

    @property
    def unrepaired_platform_tag(self) -> str:
        """The platform tag setuptools writes before repair, e.g. ``linux_x86_64``."""
        if self.goos == "linux":
            return f"linux_{self.wheel_arch}"
        if self.goos == "windows":
            return "win_amd64" if self.goarch == "amd64" else "win_arm64"
        return f"macosx_11_0_{self.wheel_arch}"


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("linux", "amd64", "x86_64", "x86_64-linux-gnu.2.17"),
        Target("linux", "arm64", "aarch64", "aarch64-linux-gnu.2.17"),
        Target("darwin", "amd64", "x86_64", "x86_64-macos"),
        Target("darwin", "arm64", "arm64", "aarch64-macos"),
        Target("windows", "amd64", "amd64", "x86_64-windows-gnu"),
        Target("windows", "arm64", "arm64", "aarch64-windows-gnu"),
    )
}

_PE_MACHINE = {"amd64": 0x8664, "arm64": 0xAA64}  # IMAGE_FILE_MACHINE_AMD64, _ARM64
_MACHO_CPUTYPE = {"amd64": 0x01000007, "arm64": 0x0100000C}  # CPU_TYPE_X86_64, CPU_TYPE_ARM64
_DLLTOOL_MACHINE = {"amd64": "i386:x86-64", "arm64": "arm64"}

_GOOS = {"linux": "linux", "darwin": "darwin", "win32": "windows"}
_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def host_target() -> Target:
    """The target of the running interpreter, marked as the host."""
    goos = _GOOS.get(sys.platform)
    goarch = _GOARCH.get(platform.machine().lower())
    if goos is None or goarch is None:
        raise ConfigError(
            f"unsupported host platform {sys.platform}/{platform.machine()}",
            hint="supported: " + ", ".join(TARGETS),
        )
    return _as_host(TARGETS[f"{goos}/{goarch}"])


def parse_target(name: str) -> Target:
    """``linux/arm64`` to its :class:`Target`; an unknown name lists the known ones."""
    key = name.strip().lower()
    if key not in TARGETS:
        raise ConfigError(f"unknown target {name!r}", hint="known targets: " + ", ".join(TARGETS))
    target = TARGETS[key]
    host = host_target()
    return _as_host(target) if target.name == host.name else target


def _as_host(target: Target) -> Target:
    return replace(target, host=True)


TARGET_ENV = "PYGO_TOOLS_TARGET"
ZIG_ENV = "PYGO_TOOLS_ZIG"


def requested_targets(names: list[str] | None = None, zig: bool | None = None) -> list[Target]:
    """The targets asked for: ``names`` (e.g. from ``--target``), else ``PYGO_TOOLS_TARGET``
    (comma-separated), else the host. ``zig`` (else ``PYGO_TOOLS_ZIG=1``) sends the host
    through zig as well."""
    if not names:
        names = [n for n in os.environ.get(TARGET_ENV, "").split(",") if n.strip()]
    if zig is None:
        zig = os.environ.get(ZIG_ENV, "").strip().lower() in ("1", "true", "yes", "on")
    targets = [parse_target(name) for name in names] if names else [host_target()]
    unique = list(dict.fromkeys(targets))
    return [replace(t, zig=True) if zig and t.host else t for t in unique]
