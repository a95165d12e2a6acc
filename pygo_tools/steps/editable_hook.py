"""Rebuild an editable install's Go code when it changed, before Python imports it.

An editable install of a pygo-tools project (``pip install -e``, ``pygo-tools develop``) gets a
copy of this module and a ``.pth`` line that calls :func:`install` at start-up, as meson-python's
editable installs do. The first import of the project's package then compares the Go inputs
(every file the last in-place build read, and any new one beside them) with what that build
recorded; when they differ it runs ``python -m pygo_tools develop`` on the project, with one line
on stderr, and the import goes on with the new code. A failed rebuild is an ImportError carrying
the compiler's message.

This file runs in the user's interpreter with nothing but the standard library: pygo-tools
copies it verbatim into the editable wheel, and its own build computes the same fingerprint with
it (``steps/editable.py``), so both sides agree on what "changed" means.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

# Set in a rebuild's own processes: they must not rebuild again when they import the package.
GUARD_ENV = "PYGO_TOOLS_EDITABLE_REBUILD"
STATE_VERSION = 1


def scan(roots: list[str], suffixes: list[str], names: list[str], extra: list[str]) -> dict[str, list[int]]:
    """``{path: [mtime_ns, size]}`` of the Go inputs: the files under each of ``roots`` that a
    build reads (``steps/sources.py``'s rules: the ``suffixes`` and ``names``, all of ``vendor/``;
    no hidden folder, nor pygo-tools 0.1.8's ``local/``), and the ``extra`` files (the
    configuration)."""
    found: dict[str, list[int]] = {}
    wanted_suffixes = set(suffixes)
    wanted_names = set(names)
    for root in roots:
        for folder, dirs, files in os.walk(root):
            relative = os.path.relpath(folder, root)
            parts = [] if relative == "." else relative.split(os.sep)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (parts or d != "local"))
            vendored = bool(parts) and parts[0] == "vendor"
            for name in files:
                if name.startswith("."):
                    continue
                if vendored or name in wanted_names or os.path.splitext(name)[1] in wanted_suffixes:
                    _add(found, os.path.join(folder, name))
    for path in extra:
        _add(found, path)
    return found


def _add(found: dict[str, list[int]], path: str) -> None:
    try:
        stat = os.stat(path)
    except OSError:
        return
    found[path] = [stat.st_mtime_ns, stat.st_size]


def changed(state_path: str) -> bool:
    """Whether the Go inputs differ from what the last in-place build recorded (no record:
    changed, so that a first import after an interrupted build rebuilds)."""
    try:
        with open(state_path, encoding="utf-8") as handle:
            state = json.load(handle)
        if state.get("version") != STATE_VERSION:
            return True
        now = scan(state["roots"], state["suffixes"], state["names"], state["extra"])
    except (OSError, ValueError, KeyError, TypeError):
        return True
    return bool(now != state["files"])


def rebuild(project: str, package: str) -> None:
    """``python -m pygo_tools develop PROJECT`` with one line on stderr; ImportError on failure."""
    import importlib.util

    if importlib.util.find_spec("pygo_tools") is None:
        raise ImportError(
            f"{package}: its Go code changed since it was built, and this Python ({sys.executable}) cannot "
            f"rebuild it: pygo-tools is not installed here. Run `pygo-tools develop {project}` where "
            "pygo-tools is installed, or install pygo-tools into this environment"
        )
    sys.stderr.write(f"pygo-tools: {package}: Go code changed, rebuilding {project} ... ")
    sys.stderr.flush()
    start = time.monotonic()
    env = {**os.environ, GUARD_ENV: "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pygo_tools", "develop", project],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write("failed\n")
        sys.stderr.flush()
        raise ImportError(
            f"{package}: rebuilding after a Go change failed (pygo-tools develop {project}):\n"
            + result.stdout.strip()[-8000:]
        )
    sys.stderr.write(f"done in {time.monotonic() - start:.1f}s\n")
    sys.stderr.flush()


class RebuildFinder:
    """A meta path finder that finds nothing: on the first import of one of ``packages`` it
    rebuilds the project if its Go inputs changed, then lets the normal finders go on."""

    def __init__(self, project: str, packages: list[str], state: str) -> None:
        self.project = project
        self.packages = set(packages)
        self.state = state
        self.checked = False
        self.lock = threading.Lock()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if self.checked or fullname.partition(".")[0] not in self.packages or os.environ.get(GUARD_ENV):
            return None
        with self.lock:
            if self.checked:
                return None
            self.checked = True
            if os.path.isdir(self.project) and changed(self.state):
                rebuild(self.project, fullname.partition(".")[0])
        return None

    def invalidate_caches(self) -> None:
        return None


def install(settings: dict[str, Any]) -> None:
    """Called from the editable install's ``.pth`` line at interpreter start-up."""
    if os.environ.get(GUARD_ENV):
        return
    finder = RebuildFinder(settings["project"], list(settings["packages"]), settings["state"])
    sys.meta_path.insert(0, finder)
