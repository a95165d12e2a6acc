"""What Go reads for a build, asked of Go itself: ``go list -deps -json``.

Go reports, for every package a build compiles, its directory, its files of every kind (Go,
cgo, C, assembly, headers, ``.syso``, ``//go:embed`` files, files left out by build
constraints) and its module. A list of suffixes kept by pygo-tools would miss embedded files,
modules used through ``replace ../dep`` or a ``go.work``, and whatever a later Go reads. The
build's reuse key (``golib.py``) and the sdist (``frontends/setup_py.py``) both start from here.

One blind spot is Go's own: its build cache does not hash C headers outside a package's own
folder (``#cgo CFLAGS: -I${SRCDIR}/../include``, ``#include "sub/x.h"``; golang/go#24355), and
reuses a stale object after such a header changed. :func:`cgo_headers` finds them by following
the ``#include`` lines of each cgo package from its sources, and :func:`header_overlay` adds
their digests to the package through ``-overlay`` as a file of comments, so Go's cache key
changes exactly when one of them does.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CommandError, ConfigError
from ..util import commands
from ..util.cache import file_digest
from .gofailures import explain_go_failure

# Every field of `go list` that names a file of the package's folder that the build reads.
FILE_FIELDS = (
    "GoFiles",
    "CgoFiles",
    "CFiles",
    "CXXFiles",
    "MFiles",
    "HFiles",
    "FFiles",
    "SFiles",
    "SwigFiles",
    "SwigCXXFiles",
    "SysoFiles",
    "EmbedFiles",
    # Left out by build constraints today; an edit of their //go:build line brings them in.
    "IgnoredGoFiles",
    "IgnoredOtherFiles",
)
_FLAG_FIELDS = ("CgoCFLAGS", "CgoCPPFLAGS", "CgoCXXFLAGS")
_LIST_FIELDS = ",".join(
    ("Dir", "ImportPath", "Name", "Standard", "Module", "EmbedPatterns", "Error", *FILE_FIELDS, *_FLAG_FIELDS)
)
# The file -overlay adds to a cgo package whose headers Go's cache does not see.
HEADERS_FILE = "pygo_cgo_inputs.go"
_INCLUDE = re.compile(rb'^[ \t]*(?://[ \t]*)?#[ \t]*include[ \t]*([<"])([^>"\r\n]+)[>"]', re.MULTILINE)
_MAX_SCANNED = 8 << 20  # a bigger "header" is data, not C


@dataclass(frozen=True)
class GoModule:
    """A module the build uses: from the module cache (``version``) or a local folder."""

    path: str
    version: str
    dir: Path | None
    main: bool
    go_mod: Path | None

    @property
    def from_cache(self) -> bool:
        return bool(self.version) and not self.main


@dataclass(frozen=True)
class CgoPackage:
    """A package compiled with cgo, and the headers it includes that Go's cache does not see."""

    dir: Path
    name: str
    headers: tuple[Path, ...]


@dataclass(frozen=True)
class GoInputs:
    """Everything one ``go build`` reads, as Go reported it."""

    files: tuple[Path, ...]  # every file, absolute, sorted
    directories: tuple[Path, ...]  # folders whose listing matters: a new file there is read too
    modules: tuple[GoModule, ...]  # every module but the standard library
    cgo: tuple[CgoPackage, ...]
    go_work: Path | None  # the workspace file in effect, if any

    def digests(self, module_cache: Path | None = None) -> dict[str, object]:
        """What a reuse key needs: each file's digest, each folder's listing, and for modules
        from the module cache (immutable, checked against go.sum) only their versions."""
        return {
            "files": {str(p): _digest_or_missing(p) for p in self.files},
            "directories": {str(d): _listing(d) for d in self.directories},
            "modules": sorted(f"{m.path}@{m.version}" for m in self.modules if m.from_cache),
        }


def list_go_inputs(
    go: Path, source: Path, env: Mapping[str, str], tags: Iterable[str] = (), patterns: Iterable[str] = (".",)
) -> GoInputs:
    """Ask Go what building ``patterns`` in ``source`` reads (with ``env``: GOOS, GOARCH, CGO)."""
    command = [str(go), "list", "-e", "-deps", f"-json={_LIST_FIELDS}"]
    tags = list(tags)
    if tags:
        command.append("-tags=" + ",".join(tags))
    command += list(patterns)
    env = {"GOTOOLCHAIN": "local", **env}
    output = _run_go(command, source, env)
    settings = json.loads(_run_go([str(go), "env", "-json", "GOWORK", "GOMODCACHE"], source, env))
    cache = Path(settings["GOMODCACHE"]) if settings.get("GOMODCACHE") else None
    go_work = Path(settings["GOWORK"]) if settings.get("GOWORK") not in (None, "", "off") else None
    return _inputs(_packages(output), cache, go_work, env)


def _run_go(command: list[str], source: Path, env: Mapping[str, str]) -> str:
    try:
        return commands.run(command, cwd=source, env=dict(env), quiet=True)
    except CommandError as error:
        error.hint = (
            explain_go_failure(error.output, source)
            or error.hint
            or ("Go's own message is above: fix what it names (go.mod, go.work or the Go code) and build again")
        )
        raise


def _packages(output: str) -> list[dict[str, Any]]:
    """The JSON objects ``go list -json`` prints one after another."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    index = 0
    while True:
        while index < len(output) and output[index].isspace():
            index += 1
        if index >= len(output):
            return found
        if output[index] != "{":  # a warning line of Go's among the objects
            index = output.find("\n", index) + 1 or len(output)
            continue
        value, index = decoder.raw_decode(output, index)
        found.append(value)


def _inputs(
    packages: list[dict[str, Any]], cache: Path | None, go_work: Path | None, env: Mapping[str, str]
) -> GoInputs:
    files: set[Path] = set()
    directories: set[Path] = set()
    modules: dict[str, GoModule] = {}
    cgo: list[CgoPackage] = []
    for package in packages:
        if package.get("Standard") or not package.get("Dir"):
            continue
        folder = Path(package["Dir"])
        module = _module(package.get("Module"))
        if module is not None:
            modules.setdefault(module.path, module)
            if module.go_mod is not None and not module.from_cache:
                files.add(module.go_mod)
                for extra in ("go.sum", "vendor/modules.txt"):
                    if module.main and (module.go_mod.parent / extra).is_file():
                        files.add(module.go_mod.parent / extra)
        if cache is not None and _inside(folder, cache):
            continue  # the module cache is read-only and checked against go.sum: its version says it all
        directories.add(folder)
        own = {folder / name for field in FILE_FIELDS for name in package.get(field) or ()}
        files |= own
        directories |= _embed_folders(folder, package.get("EmbedPatterns") or ())
        if package.get("CgoFiles"):
            include_dirs = _include_dirs(package, env)
            headers = cgo_headers([folder / n for f in FILE_FIELDS[1:6] for n in package.get(f) or ()], include_dirs)
            outside = tuple(sorted(h for h in headers if h not in own))
            files |= set(outside)
            cgo.append(CgoPackage(folder, package.get("Name") or "main", outside))
    if go_work is not None:
        files |= {p for p in (go_work, go_work.with_name("go.work.sum")) if p.is_file()}
    return GoInputs(
        files=tuple(sorted(files)),
        directories=tuple(sorted(directories)),
        modules=tuple(modules[k] for k in sorted(modules)),
        cgo=tuple(cgo),
        go_work=go_work,
    )


def _module(data: dict[str, Any] | None) -> GoModule | None:
    if not data:
        return None
    effective = data.get("Replace") or data
    folder = effective.get("Dir")
    go_mod = effective.get("GoMod")
    return GoModule(
        path=data["Path"],
        version=effective.get("Version", "") if not data.get("Main") else "",
        dir=Path(folder) if folder else None,
        main=bool(data.get("Main")),
        go_mod=Path(go_mod) if go_mod else None,
    )


def _embed_folders(folder: Path, patterns: Iterable[str]) -> set[Path]:
    """Folders a //go:embed pattern reads, whole: a file added to one is embedded too."""
    found: set[Path] = set()
    for pattern in patterns:
        pattern = pattern.removeprefix("all:")
        parent = (folder / pattern).parent
        if _inside(parent, folder):
            found.add(parent)
        for match in folder.glob(pattern) if pattern else ():
            if match.is_dir() and _inside(match, folder):
                found.add(match)
                found |= {p for p in match.rglob("*") if p.is_dir()}
    return found


def _include_dirs(package: dict[str, Any], env: Mapping[str, str]) -> list[Path]:
    flags = [flag for field in _FLAG_FIELDS for flag in package.get(field) or ()]
    for variable in ("CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS"):
        value = env.get(variable, os.environ.get(variable, ""))
        try:
            flags += shlex.split(value)
        except ValueError:
            continue
    found = []
    index = 0
    while index < len(flags):
        flag = flags[index]
        for prefix in ("-I", "-isystem", "-iquote", "-idirafter"):
            if flag.startswith(prefix):
                value = flag[len(prefix) :]
                if not value and index + 1 < len(flags):
                    index += 1
                    value = flags[index]
                if value:
                    found.append(Path(package["Dir"], value))
                break
        index += 1
    return found


def cgo_headers(sources: Iterable[Path], include_dirs: list[Path]) -> set[Path]:
    """Every file reached by ``#include`` from ``sources`` (a quoted name from the including
    file's folder first, then the ``-I`` folders); what is found nowhere here is the system's."""
    seen: set[Path] = set()
    queue = list(sources)
    while queue:
        path = queue.pop()
        try:
            if path.stat().st_size > _MAX_SCANNED:
                continue
            text = path.read_bytes()
        except OSError:
            continue
        for quote, raw in _INCLUDE.findall(text):
            name = raw.decode("utf-8", "replace").strip()
            bases = [path.parent, *include_dirs] if quote == b'"' else include_dirs
            for base in bases:
                candidate = Path(os.path.normpath(base / name))
                if candidate.is_file():
                    if candidate not in seen:
                        seen.add(candidate)
                        queue.append(candidate)
                    break
    return seen


def header_overlay(inputs: GoInputs) -> dict[str, str]:
    """For each cgo package with headers Go's cache misses: the path of the file to add to it
    (through -overlay) and that file's text, a comment with each header's digest."""
    files = {}
    for package in inputs.cgo:
        if not package.headers:
            continue
        target = package.dir / HEADERS_FILE
        if target.exists():
            raise ConfigError(
                f"{target}: this file name is reserved for the code pygo-tools generates",
                hint="rename the file",
            )
        lines = [f"// {file_digest(h)} {h.name}" for h in package.headers if h.is_file()]
        files[str(target)] = "".join(
            [
                "// Code generated by pygo-tools; DO NOT EDIT.\n",
                "// The C headers this package includes from outside its folder: Go's build cache does not\n",
                "// see them (golang/go#24355), this file's text does.\n",
                *(line + "\n" for line in lines),
                f"\npackage {package.name}\n",
            ]
        )
    return files


def _digest_or_missing(path: Path) -> str:
    try:
        return file_digest(path)
    except OSError:
        return "missing"


def _listing(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True
