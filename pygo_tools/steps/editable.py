"""Editable installs that rebuild on import: the record an in-place build leaves of its Go
inputs, and the hook an editable wheel carries (``editable_hook.py``, copied verbatim, plus a
``.pth`` line that installs it)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from ..util.atomic import write_text_atomically
from ..wheel.contents import in_wheel
from . import editable_hook
from .config import Config
from .goinputs import GoInputs
from .sources import GO_MODULE_FILES, GO_SOURCE_SUFFIXES

STATE = Path("build") / "pygo-editable.json"


def snapshot(config: Config) -> dict[str, Any]:
    """What the Go inputs look like now; recorded by :func:`record` after an in-place build
    that started from it (taken first, so an edit during the build counts as a change)."""
    roots = [str(config.go_path.resolve())]
    suffixes, names = sorted(GO_SOURCE_SUFFIXES), sorted(GO_MODULE_FILES)
    extra = [str(config.source)]
    return {
        "version": editable_hook.STATE_VERSION,
        "roots": roots,
        "suffixes": suffixes,
        "names": names,
        "extra": extra,
        "files": editable_hook.scan(roots, suffixes, names, extra),
    }


def record(config: Config, state: dict[str, Any], inputs: GoInputs | None = None) -> None:
    """Write the record of an in-place build that started from ``state``. What else Go read (a
    module through a ``replace ../dep``, a ``go.work`` module, a header outside the Go module)
    joins it, as it is now."""
    if inputs is not None:
        roots = [Path(root) for root in state["roots"]]
        outside = [d for d in inputs.directories if not any(d.is_relative_to(r) for r in roots)]
        files = [str(f) for f in inputs.files if not any(f.is_relative_to(r) for r in roots)]
        state["roots"] = [*state["roots"], *map(str, outside)]
        state["extra"] = sorted({*state["extra"], *files})
        state["files"] = {
            **state["files"],
            **editable_hook.scan([str(d) for d in outside], state["suffixes"], state["names"], files),
        }
    write_text_atomically(config.project_dir / STATE, json.dumps(state, sort_keys=True))


def hook_name(config: Config) -> str:
    """``_pygo_editable_<package>_<hash of the project's folder>``: one per editable project."""
    digest = hashlib.sha256(str(config.project_dir).encode()).hexdigest()[:10]
    return f"_pygo_editable_{re.sub(r'[^A-Za-z0-9_]', '_', config.package)}_{digest}"


def add_rebuild_hook(wheel: Path, config: Config) -> None:
    """Put the hook module and the ``.pth`` line that installs it into an editable wheel."""
    name = hook_name(config)
    packages = sorted({config.package.split(".")[0], *([config.extension.split(".")[0]] if config.extension else [])})
    settings = {"project": str(config.project_dir), "packages": packages, "state": str(config.project_dir / STATE)}
    source = Path(editable_hook.__file__).read_text(encoding="utf-8")
    with in_wheel(wheel, wheel) as root:
        (root / f"{name}.py").write_text(source, encoding="utf-8")
        (root / f"{name}.pth").write_text(f"import {name}; {name}.install({settings!r})\n", encoding="utf-8")
