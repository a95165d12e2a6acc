"""A Go module proxy on disk, as ``GOPROXY=file:///...`` reads it: ``MODULE/@v/list``,
``VERSION.info``, ``VERSION.mod`` and ``VERSION.zip`` (https://go.dev/ref/mod#goproxy-protocol).

Tests serve modules of their own (``tests/projects/gomods``) this way: Go fetches them exactly
as from proxy.golang.org, and nothing touches the network.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path


def escaped(path: str) -> str:
    """Go's case encoding of module paths in a proxy: ``Azure`` is ``!azure``."""
    return "".join(f"!{c.lower()}" if c.isupper() else c for c in path)


def publish(proxy: Path, source: Path, module: str, version: str) -> None:
    """Add ``source`` (a module folder) to the proxy as ``module@version``."""
    folder = proxy / escaped(module) / "@v"
    folder.mkdir(parents=True, exist_ok=True)
    listed = (folder / "list").read_text().split() if (folder / "list").exists() else []
    (folder / "list").write_text("\n".join(sorted({*listed, version})) + "\n")
    (folder / f"{version}.info").write_text(json.dumps({"Version": version, "Time": "2024-01-01T00:00:00Z"}))
    (folder / f"{version}.mod").write_bytes((source / "go.mod").read_bytes())
    with zipfile.ZipFile(folder / f"{version}.zip", "w") as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                archive.write(path, f"{module}@{version}/{path.relative_to(source).as_posix()}")


def environment(proxy: Path, module_cache: Path) -> dict[str, str]:
    """What Go needs to fetch from ``proxy`` into ``module_cache`` (writable, so pytest can
    remove it) with no checksum database (it would ask the network)."""
    return {
        "GOPROXY": proxy.as_uri(),
        "GOSUMDB": "off",
        "GOMODCACHE": str(module_cache),
        "GOFLAGS": "-modcacherw",
    }
