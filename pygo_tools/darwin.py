"""macOS from any host: the minimum macOS, Go's -lresolv stub, install names at link time.

Everything here is chosen so that the binaries need no editing after the link: the Go dylib's
install name is ``@rpath/libNAME.dylib`` and the extension finds it through
``@loader_path``-relative rpath, both set by the linker. zig ad-hoc signs arm64 outputs as it
writes them; an edit afterwards would need a re-signing tool that Linux lacks.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import replace
from pathlib import Path

from . import log
from .errors import ConfigError
from .stable_abi import Version
from .targets import Target
from .toolchain import GoToolchain

DEPLOYMENT_ENV = "MACOSX_DEPLOYMENT_TARGET"

# Go's net and os packages link -lresolv on darwin (internal/syscall/unix/net_darwin.go). A text
# stub of macOS's libresolv satisfies the linker without an SDK; at run time dyld loads the real
# /usr/lib/libresolv.9.dylib, which every macOS has.
RESOLV_TBD = """\
--- !tapi-tbd
tbd-version:     4
targets:         [ x86_64-macos, arm64-macos ]
install-name:    '/usr/lib/libresolv.9.dylib'
current-version: 1
exports:
  - targets:         [ x86_64-macos, arm64-macos ]
    symbols:         [ _res_9_init, _res_9_ndestroy, _res_9_nclose, _res_9_ninit, _res_9_nquery,
                       _res_9_nsearch, _res_9_query, _res_9_search ]
...
"""

# The oldest macOS each Go release supports (its release notes), for Go without `link -macos`.
_GO_MACOS = {(1, 21): (10, 15), (1, 22): (10, 15), (1, 23): (11, 0), (1, 24): (11, 0), (1, 25): (12, 0)}
_LINK_MACOS = re.compile(r"-macos value\s*\n[^\n]*\(default (\d+)\.(\d+)")
_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.\d+)?$")


def go_macos_minimum(go: GoToolchain) -> Version:
    """The oldest macOS the Go toolchain supports: its linker's ``-macos`` default (Go 1.27+
    prints it in ``go tool link -help``), else the release notes' figure."""
    help_text = subprocess.run(
        [str(go.path), "tool", "link", "-help"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GOTOOLCHAIN": "local"},
    )
    match = _LINK_MACOS.search(help_text.stdout + help_text.stderr)
    if match:
        return int(match.group(1)), int(match.group(2))
    return _GO_MACOS.get(go.version, (10, 15) if go.version < (1, 21) else (12, 0))


def deployment_target(go_minimum: Version) -> Version:
    """The macOS to build for: ``MACOSX_DEPLOYMENT_TARGET`` when it is newer than Go's minimum."""
    value = os.environ.get(DEPLOYMENT_ENV, "").strip()
    if not value:
        return go_minimum
    match = _VERSION.match(value)
    if not match or not 10 <= int(match.group(1)) <= 99:
        raise ConfigError(
            f"{DEPLOYMENT_ENV}={value!r} is not a macOS version",
            hint=f"use a version like 14.0, or unset it to build for macOS {go_minimum[0]}.{go_minimum[1]}",
        )
    wanted = (int(match.group(1)), int(match.group(2) or 0))
    if wanted < go_minimum:
        log.info(
            f"pygo-tools: {DEPLOYMENT_ENV}={value} is older than macOS {go_minimum[0]}.{go_minimum[1]}, "
            f"the oldest this Go supports; building for {go_minimum[0]}.{go_minimum[1]}"
        )
        return go_minimum
    return wanted


def with_macos_version(target: Target, go: GoToolchain) -> Target:
    """``target`` with the macOS version its C compiler targets (darwin only)."""
    if target.goos != "darwin":
        return target
    major, minor = deployment_target(go_macos_minimum(go))
    return replace(target, os_version=f"{major}.{minor}")


def resolv_stub_dir() -> Path:
    """The folder that holds ``libresolv.tbd``: pygo-tools' cache, under a hash of the stub.

    The folder goes into the Go link's flags, which Go hashes into the library's build ID; a
    path that differs between builds (the build directory) would make every rebuild differ.
    """
    from .golib import cache_dir

    digest = hashlib.sha256(RESOLV_TBD.encode()).hexdigest()[:12]
    return cache_dir() / f"macos-stubs-{digest}"


def write_resolv_stub() -> Path:
    """Make sure ``libresolv.tbd`` is in :func:`resolv_stub_dir` (written atomically)."""
    directory = resolv_stub_dir()
    stub = directory / "libresolv.tbd"
    if stub.is_file() and stub.read_text(encoding="utf-8") == RESOLV_TBD:
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f"libresolv.tbd.{os.getpid()}.tmp"
    partial.write_text(RESOLV_TBD, encoding="utf-8")
    os.replace(partial, stub)
    return directory


def go_link_flags(target: Target, install_name: str | None, stub_dir: Path | None) -> tuple[list[str], list[str]]:
    """(ldflags, extldflags) for a darwin Go link.

    ``-s`` would make Go pass ``-Wl,-x`` to the linker, and zig then writes a corrupt indirect
    symbol table on arm64; ``-w`` alone drops DWARF (and makes Go pass ``-Wl,-S``).
    """
    extldflags = []
    if install_name:
        extldflags.append(f"-Wl,-install_name,{install_name}")
    if stub_dir is not None:
        extldflags.append(f"-L{stub_dir}")
    return ["-w"], extldflags


def deployment_env(target: Target) -> dict[str, str]:
    """On a Mac, the native compilers read the minimum macOS from the environment."""
    return {DEPLOYMENT_ENV: target.os_version} if target.os_version and not target.uses_zig else {}


def extension_link_args(target: Target, filename: str) -> list[str]:
    """Link flags beside the Go library's rpath: CPython's symbols are found in the loading
    interpreter, and room is left for install-name edits (delocate on a Mac). With zig the
    extension is a dylib (``-bundle`` makes zig crash), which CPython loads just as well, and a
    dylib records its own install name: ``@rpath/<filename>``, not the build path. On a Mac the
    interpreter's own LDSHARED (``-bundle -undefined dynamic_lookup``) is kept."""
    if target.uses_zig:
        return [
            "-Wl,-undefined,dynamic_lookup",
            f"-Wl,-install_name,@rpath/{filename}",
            "-Wl,-headerpad_max_install_names",
        ]
    return ["-Wl,-headerpad_max_install_names", f"-mmacosx-version-min={target.os_version}"]
