"""Build the user's Go code into a c-shared library and its header, in the build directory."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import commands, log, platforms
from .buildcache import file_digest, inputs_key, tool_identity
from .config import Config
from .declarations import declared_functions
from .errors import BuildError, ConfigError
from .targets import Target
from .toolchain import GoToolchain

_PROLOGUE_END = "End of boilerplate cgo prologue."
# The extension's C source includes <stdlib.h>, so these may be declared without Go exporting
# them; pygo-tools 0.1.8 projects declare `free` to release returned strings.
C_LIBRARY_FUNCTIONS = frozenset({"free", "malloc", "calloc", "realloc"})
_EXPORT = re.compile(r"^extern\s+[^;]*?\b([A-Za-z_]\w*)\s*\(", re.MULTILINE)


GENERATOR = sorted((Path(__file__).parent / "gen").glob("*.go"))


@dataclass(frozen=True)
class GoLibrary:
    path: Path
    header: Path
    target: Target
    # What gen/exports.go found (with a `wrapper` configured): one dict per export, and the
    # struct types they use.
    exports: tuple[dict[str, Any], ...] = field(default=())
    structs: tuple[dict[str, Any], ...] = field(default=())

    @property
    def directory(self) -> Path:
        return self.path.parent


GO_SOURCE_SUFFIXES = frozenset({".go", ".c", ".h", ".s", ".S", ".cc", ".cpp", ".hh", ".hpp", ".m", ".syso"})
GO_MODULE_FILES = frozenset({"go.mod", "go.sum", "go.work", "go.work.sum"})


def go_source_files(config: Config) -> list[Path]:
    """What a build needs from the Go directory: sources, module files, vendor/, C headers.

    Hidden folders and build outputs (libraries, pygo-tools 0.1.8's `local/`) are left out.
    """
    root = config.go_path
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if not path.is_file() or any(p.startswith(".") for p in parts) or parts[0] == "local":
            continue
        if parts[0] == "vendor" or path.name in GO_MODULE_FILES or path.suffix in GO_SOURCE_SUFFIXES:
            found.append(path)
    return found


def go_build_command(
    config: Config, target: Target, go: GoToolchain, output: Path, overlay: Path | None = None
) -> list[str]:
    own = platforms.go_library_ldflags(config, target, output)
    ldflags = " ".join(part for part in (own, config.ldflags) if part)
    command = [str(go.path), "build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false"]
    if ldflags:
        command.append(f"-ldflags={ldflags}")
    if config.build_tags:
        command.append("-tags=" + ",".join(config.build_tags))
    if overlay is not None:
        command.append(f"-overlay={overlay}")
    command += ["-o", str(output), "."]
    return command


def go_build_env(target: Target, cc: str | None = None) -> dict[str, str]:
    """Variables added to the environment of ``go build``."""
    env = {"CGO_ENABLED": "1", "GOOS": target.goos, "GOARCH": target.goarch, "GOTOOLCHAIN": "local"}
    if cc:
        env["CC"] = cc
    return env


def build_go_library(
    config: Config, target: Target, go: GoToolchain, build_dir: Path, cc: str | None = None
) -> GoLibrary:
    """Run ``go build -buildmode=c-shared`` into ``build_dir``; check the header it writes."""
    source = config.go_path.resolve()
    if not (source / "go.mod").is_file():
        where = source.relative_to(config.project_dir) if source.is_relative_to(config.project_dir) else source
        raise ConfigError(
            f"{config.source.name}: no Go module at {where} (no go.mod found)",
            hint="put your Go package (go.mod and the //export functions) there, or set go_dir to where it is",
        )
    # The folder is kept between builds: its stamp lets a build with nothing changed skip go.
    build_dir.mkdir(parents=True, exist_ok=True)
    output = build_dir / f"lib{config.library}{target.library_suffix}"
    description: dict[str, Any] = {}
    env = {**go_build_env(target, cc), **platforms.prepare_go_build(target)}
    overlay = None
    if config.wrapper:
        description, overlay = generate_exports(config, target, go, build_dir)
    exports = tuple(description.get("functions") or ())
    command = go_build_command(config, target, go, output, overlay)
    header = output.with_suffix(".h")
    stamp = build_dir / "go-build.stamp"
    key = go_inputs_key(config, go, command, env, build_dir)
    if _stamp_matches(stamp, key, (output, header)):
        log.info(f"pygo-tools ✓ go build {target.name} 0.0s (unchanged)")
    else:
        # Go keeps an output whose build ID matches, whatever follows that ID (a file truncated
        # by a crash included): without the stamp, nothing already there is trusted.
        for stale in (stamp, output, header):
            stale.unlink(missing_ok=True)
        with log.step(f"go build {target.name}"):
            commands.run(
                command,
                cwd=source,
                env=env,
                hint="the Go compiler's own message is above; fix the Go code and build again",
            )
        if not output.is_file() or not header.is_file():
            raise BuildError(f"go build succeeded but did not write {output.name} and {header.name}")
        _write_stamp(stamp, key, (output, header))
    check_exports(config, header, exports)
    structs = tuple(description.get("structs") or ())
    return GoLibrary(path=output, header=header, target=target, exports=exports, structs=structs)


# Variables that change what go build makes (GOCACHE, GOTMPDIR and the like only change where
# it works).
_BUILD_VARIABLES = ("GO", "CGO_", "CC", "CXX", "CFLAGS", "CPPFLAGS", "LDFLAGS", "PKG_CONFIG", "AR")
_WORKPLACE_VARIABLES = frozenset({"GOCACHE", "GOTMPDIR", "GOMODCACHE", "GOPATH", "GOENV"})


def go_inputs_key(config: Config, go: GoToolchain, command: list[str], env: dict[str, str], build_dir: Path) -> str:
    """Everything go build reads for this library: every file of the Go module (sources, go.mod,
    go.sum, vendor/), the generated exports, the command, the variables that matter, the Go
    toolchain and the C compiler. The same key means the same library, so Go need not run."""
    variables = {
        k: v
        for k, v in {**os.environ, **env}.items()
        if k.startswith(_BUILD_VARIABLES) and k not in _WORKPLACE_VARIABLES
    }
    files = {p.relative_to(config.go_path).as_posix(): file_digest(p) for p in go_source_files(config)}
    generated = {
        p.name: file_digest(p) for p in (build_dir / "pygo_exports.go", build_dir / "overlay.json") if p.exists()
    }
    cc = env.get("CC") or os.environ.get("CC") or "cc"
    compiler = shlex.split(cc)[:1]
    if "ziglang" in cc:
        from importlib.metadata import version

        compiler.append(version("ziglang"))
    return inputs_key(
        {
            "files": files,
            "generated": generated,
            "command": command,
            "variables": variables,
            "go": [tool_identity(str(go.path)), go.version],
            "cc": [tool_identity(compiler[0]), *compiler[1:]] if compiler else "",
        }
    )


def _stamp_matches(stamp: Path, key: str, outputs: tuple[Path, ...]) -> bool:
    """The stamp was written for ``key`` and the outputs are still the bytes it recorded."""
    try:
        recorded = json.loads(stamp.read_text())
        return bool(recorded.get("key") == key and all(recorded.get(p.name) == file_digest(p) for p in outputs))
    except (OSError, ValueError, AttributeError):
        return False


def _write_stamp(stamp: Path, key: str, outputs: tuple[Path, ...]) -> None:
    partial = stamp.with_name(stamp.name + ".partial")
    partial.write_text(json.dumps({"key": key, **{p.name: file_digest(p) for p in outputs}}))
    os.replace(partial, stamp)


def cache_dir() -> Path:
    """pygo-tools' own cache: $PYGO_TOOLS_CACHE, else $XDG_CACHE_HOME/pygo-tools, else ~/.cache/pygo-tools."""
    explicit = os.environ.get("PYGO_TOOLS_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pygo-tools"


def generator_binary(go: GoToolchain) -> Path:
    """gen/exports.go, compiled once per generator source and Go version, kept in the cache.

    `go run` would recompile go/parser and friends on a cold Go cache (seconds) and relink on
    a warm one, at every build.
    """
    source = b"".join(path.name.encode() + path.read_bytes() for path in GENERATOR)
    key = hashlib.sha256(source + str(go.path).encode() + f"{go.version}".encode()).hexdigest()[:16]
    binary = cache_dir() / f"exports-{key}{'.exe' if os.name == 'nt' else ''}"
    digest = binary.with_name(binary.name + ".sha256")
    if binary.is_file() and digest.is_file() and digest.read_text().strip() == file_digest(binary):
        return binary  # intact; a damaged or half-copied binary is built again
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_name(f"{binary.name}.{os.getpid()}.tmp")
    with log.step("build the exports generator (once)"):
        # For this machine: no target GOOS/GOARCH, no user GOFLAGS, no cgo.
        commands.run(
            [str(go.path), "build", "-trimpath", "-o", str(partial), *map(str, GENERATOR)],
            cwd=binary.parent,
            env={"GOOS": "", "GOARCH": "", "GOFLAGS": "", "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"},
        )
    partial_digest = digest.with_name(f"{digest.name}.{os.getpid()}.tmp")
    partial_digest.write_text(file_digest(partial) + "\n")
    os.replace(partial, binary)  # atomic: parallel builds never see half a binary
    os.replace(partial_digest, digest)
    return binary


def generate_exports(config: Config, target: Target, go: GoToolchain, build_dir: Path) -> tuple[dict[str, Any], Path]:
    """Run gen/exports.go on the Go sources: wrappers that catch panics and errors, and a
    description of the exports. The wrappers join the build through ``-overlay``, so nothing is
    written into the user's source tree."""
    generated = build_dir / "pygo_exports.go"
    description = build_dir / "exports.json"
    # Go reads the package from its real path: a symlinked Go directory must be named that way
    # in the overlay, or the generated file is silently left out.
    source = config.go_path.resolve()
    command = [str(generator_binary(go)), "-dir", str(source), "-out", str(generated)]
    command += ["-json", str(description), "-goos", target.goos, "-goarch", target.goarch]
    if config.build_tags:
        command += ["-tags", ",".join(config.build_tags)]
    with log.step("go exports"):
        commands.run(
            command, cwd=build_dir, hint="fix the function named above, or remove its //export or //pygo:export comment"
        )
    found: dict[str, Any] = json.loads(description.read_text(encoding="utf-8"))
    overlay = build_dir / "overlay.json"
    overlay.write_text(json.dumps({"Replace": {str(source / generated.name): str(generated)}}))
    return found, overlay


def exported_functions(header_text: str) -> list[str]:
    """Names of the functions a cgo-generated header exports (after its prologue)."""
    _, _, body = header_text.partition(_PROLOGUE_END)
    return _EXPORT.findall(body)


def check_exports(config: Config, header: Path, generated: tuple[dict[str, Any], ...] = ()) -> None:
    """Fail the build, naming the symbol, when a declared function is not exported by Go, or
    when a function the typed module calls is missing from the library."""
    exported = set(exported_functions(header.read_text(encoding="utf-8")))
    missing = sorted(e["symbol"] for e in generated if e["symbol"] and e["symbol"] not in exported)
    if missing:
        raise BuildError(
            f"the Go library lacks the generated exports {', '.join(missing[:5])}",
            hint="this is a pygo-tools bug: please report it with your Go directory's layout",
        )
    for index, name in declared_functions(config.signatures):
        if name not in exported and name not in C_LIBRARY_FUNCTIONS:
            raise BuildError(
                f"{config.source.name}: signatures[{index}]: function {name!r} is declared but "
                f"the Go library does not export it",
                hint="add a `//export " + name + "` comment right above the Go function (and "
                '`import "C"` in its file), or remove the declaration. Exported: '
                + (", ".join(sorted(exported)) or "nothing"),
            )
