"""The Go side of an sdist: every file a build reads, and Go dependencies that travel with it.

An sdist must build wherever its wheel builds, offline included. So it carries what Go reads
for every target (``go list``, in ``goinputs.py``, on top of the Go folder's sources), and, in
the sdist's own staging tree, never the user's:

* a module with requirements and no ``vendor/`` gets one, made by ``go mod vendor`` from the
  local module cache (``GOPROXY=off``: nothing is downloaded while the sdist is made);
* a ``replace`` that points outside the project is copied into the staging tree
  (``_pygo_replaced/``, ignored by Go's ``./...``) and pointed at there, so no absolute or
  outside path ships in ``go.mod`` or ``vendor/modules.txt``;
* a workspace (``go.work``) cannot travel: the sdist is refused, saying how to replace it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import CommandError, ConfigError
from ..platforms import TARGETS
from ..util import commands, log
from .config import Config
from .goinputs import list_go_inputs
from .sources import go_source_files
from .toolchain import GoToolchain

REPLACED_DIR = "_pygo_replaced"
# Go run on the staging tree: from the module cache only, never the network or a workspace.
OFFLINE = {"GOPROXY": "off", "GOFLAGS": "-mod=mod", "GOWORK": "off", "GOTOOLCHAIN": "local"}


@dataclass(frozen=True)
class Replacement:
    """A ``replace OLD => ./local/path`` line of go.mod."""

    old: str  # OLD or OLD@VERSION, as `go mod edit -replace` takes it
    new: str  # the path as written
    folder: Path  # where it points, resolved


def sdist_go_files(config: Config, go: GoToolchain) -> list[Path]:
    """The Go folder's sources, and every file inside the project that Go reads to build any
    target (embedded files, headers in an ``include/`` folder, local modules), as paths under
    ``config.project_dir``."""
    found = set(go_source_files(config))
    go_dir = config.go_path.resolve()
    project = config.project_dir.resolve()
    cgo = "1" if config.has_extension or any(p.cgo for p in config.executables) else "0"
    for target in TARGETS.values():
        for tags, patterns in _builds(config):
            env = {"GOOS": target.goos, "GOARCH": target.goarch, "CGO_ENABLED": cgo}
            inputs = list_go_inputs(go.path, go_dir, env, tags, patterns)
            if inputs.go_work is not None:
                raise ConfigError(
                    f"the Go module is built in the workspace {inputs.go_work}, which an sdist cannot carry",
                    hint="give go.mod a `replace` line per workspace module instead "
                    f"((cd {shlex.quote(_shown(go_dir, project))} && go mod edit -replace=MODULE=../path)), "
                    "or make the sdist with GOWORK=off",
                )
            for path in inputs.files:
                shown = _under(path, go_dir, config.go_path) or _under(path, project, config.project_dir)
                if shown is not None:
                    found.add(shown)
    return sorted(found)


def _builds(config: Config) -> list[tuple[tuple[str, ...], list[str]]]:
    """(build tags, packages) of each Go build the project makes."""
    builds: dict[tuple[str, ...], list[str]] = {}
    if config.has_extension:
        builds.setdefault(config.build_tags, []).append(".")
    for program in config.executables:
        builds.setdefault(program.tags, []).append(program.path)
    return list(builds.items())


def replacements(go: GoToolchain, go_dir: Path) -> tuple[list[Replacement], bool]:
    """go.mod's ``replace`` lines that point at folders, and whether it requires any module."""
    text = _go(go, ["mod", "edit", "-json"], go_dir)
    data = json.loads(text)
    found = []
    for entry in data.get("Replace") or []:
        new = entry.get("New") or {}
        if new.get("Version"):
            continue  # another module version: the module cache or vendor/ holds it
        old = entry["Old"]["Path"] + (f"@{entry['Old']['Version']}" if entry["Old"].get("Version") else "")
        folder = Path(os.path.normpath(go_dir / new["Path"]))
        found.append(Replacement(old, new["Path"], folder))
    return found, bool(data.get("Require"))


def stage_go_module(config: Config, go: GoToolchain, staged_project: Path) -> None:
    """Make the staged copy of the Go module build offline (this module's docstring says how)."""
    project = config.project_dir.resolve()
    go_dir = config.go_path.resolve()
    relative = config.go_path.relative_to(config.project_dir)
    staged = staged_project / relative
    found, requires = replacements(go, go_dir)
    # setuptools hard-links the staged files to the user's where it can: what Go edits here
    # must be a copy of its own, or the user's go.mod would change with it.
    for name in ("go.mod", "go.sum", "vendor/modules.txt"):
        _own_copy(staged / name)
    rewritten: dict[str, str] = {}
    for index, replacement in enumerate(found):
        target = replacement.folder.resolve()
        if not target.is_dir():
            raise ConfigError(
                f"{_shown(go_dir, project)}/go.mod: replace {replacement.old} => {replacement.new}: "
                "no such folder, so an sdist cannot carry it",
                hint="fix the path, or remove the `replace` line",
            )
        if _inside(target, project):
            if not os.path.isabs(replacement.new):
                continue  # a relative path inside the project: it travels as written
            new = os.path.relpath(target, go_dir)
            new = new if new.startswith("..") else "./" + new
        else:
            name = f"{index}-" + re.sub(r"[^A-Za-z0-9._-]", "_", replacement.old.split("@")[0])
            copy_module(target, staged / REPLACED_DIR / name)
            new = f"./{REPLACED_DIR}/{name}"
            log.detail(f"sdist: replace {replacement.old} => {replacement.new} travels as {new}")
        _go(go, ["mod", "edit", f"-replace={replacement.old}={new}"], staged)
        rewritten[replacement.new] = new
    modules_txt = staged / "vendor" / "modules.txt"
    if modules_txt.is_file():
        if rewritten:
            _rewrite_modules_txt(modules_txt, rewritten)
    elif requires:
        with log.step("go mod vendor (into the sdist)"):
            try:
                commands.run([str(go.path), "mod", "vendor"], cwd=staged, env=OFFLINE, quiet=True)
            except CommandError as error:
                where = shlex.quote(_shown(config.go_path, config.project_dir))
                raise ConfigError(
                    "the sdist must carry the Go module's dependencies (it is built offline), and Go cannot "
                    "vendor them from this machine's module cache:\n" + error.output.strip(),
                    hint=f"download them once with (cd {where} && go mod download) (network, or a GOPROXY you can "
                    f"reach), then make the sdist again; or vendor them yourself: (cd {where} && go mod vendor)",
                ) from None


_BUILD_OUTPUTS = frozenset({".so", ".dll", ".dylib", ".exe", ".a", ".o", ".pyd", ".whl"})


def copy_module(source: Path, destination: Path) -> None:
    """The files of a local module (sources, module files, embedded data): what Go may read.
    Hidden folders, nested modules and build outputs stay behind."""
    for path in sorted(source.rglob("*")):
        parts = path.relative_to(source).parts
        if not path.is_file() or path.suffix in _BUILD_OUTPUTS:
            continue
        if any(p.startswith(".") or p == "testdata" for p in parts[:-1]) or parts[-1].startswith("."):
            continue
        if any((source.joinpath(*parts[:i]) / "go.mod").is_file() for i in range(1, len(parts))):
            continue  # a module of its own
        target = destination.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def _own_copy(path: Path) -> None:
    if path.is_file():
        data = path.read_bytes()
        mode = path.stat().st_mode
        path.unlink()
        path.write_bytes(data)
        path.chmod(mode & 0o777 | 0o200)


def _rewrite_modules_txt(path: Path, rewritten: dict[str, str]) -> None:
    """vendor/modules.txt names each replacement as go.mod does: ``# OLD [v] => NEW [v]``."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("# ") and " => " in line:
            head, _, tail = line.rstrip("\n").partition(" => ")
            parts = tail.split(" ")
            if parts[0] in rewritten:
                parts[0] = rewritten[parts[0]]
                line = head + " => " + " ".join(parts) + "\n"
        lines.append(line)
    path.write_text("".join(lines), encoding="utf-8")


def _go(go: GoToolchain, args: list[str], cwd: Path) -> str:
    return commands.run([str(go.path), *args], cwd=cwd, env=OFFLINE, quiet=True)


def _under(path: Path, root: Path, shown_root: Path) -> Path | None:
    try:
        return shown_root / path.relative_to(root)
    except ValueError:
        return None


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _shown(path: Path, project: Path) -> str:
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return str(path)
