"""Build the user's Go code into a c-shared library and its header, in the build directory."""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BuildError, CommandError, ConfigError
from ..platforms import Target
from ..platforms.wasi import check_module
from ..typed.generator import GENERATED
from ..typed.model import ExportsDescription
from ..util import commands, log
from ..util.atomic import write_text_atomically
from ..util.binaries import check_whole
from ..util.cache import Stamp, file_digest, inputs_key, tool_identity
from .config import Config
from .declarations import declared_functions
from .gofailures import explain_go_failure
from .goinputs import GoInputs, header_overlay, list_go_inputs
from .header import exported_functions
from .toolchain import GoToolchain

# The extension's C source includes <stdlib.h>, so these may be declared without Go exporting
# them; pygo-tools 0.1.8 projects declare `free` to release returned strings.
C_LIBRARY_FUNCTIONS = frozenset({"free", "malloc", "calloc", "realloc"})


@dataclass(frozen=True)
class GoLibrary:
    path: Path
    header: Path  # the C header cgo writes (none for a universal target: no cgo there)
    target: Target
    # What gen/exports.go found (with a `wrapper` configured): the exports and their struct types.
    exports: ExportsDescription = field(default_factory=ExportsDescription)
    # Every file and folder Go read (go list), for an editable install's rebuild-on-import record.
    inputs: GoInputs | None = None

    @property
    def directory(self) -> Path:
        return self.path.parent


def go_build_command(
    config: Config, target: Target, go: GoToolchain, output: Path, overlay: Path | None = None
) -> list[str]:
    own = target.platform.go_library_ldflags(target, output, config.strip)
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
    config: Config,
    target: Target,
    go: GoToolchain,
    build_dir: Path,
    cc: str | None = None,
    exports: ExportsDescription | None = None,
    overlay: Path | None = None,
) -> GoLibrary:
    """Run ``go build -buildmode=c-shared`` into ``build_dir`` (with the generated exports added
    by ``overlay``); check the header it writes. Reused when nothing Go reads has changed."""
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
    env = {**go_build_env(target, cc), **target.platform.prepare_go_build(target)}
    inputs = list_go_inputs(go.path, source, env, config.build_tags)
    overlay = combined_overlay(build_dir, overlay, header_overlay(inputs))
    command = go_build_command(config, target, go, output, overlay)
    header = output.with_suffix(".h")
    outputs = (output,) if target.universal else (output, header)
    stamp = Stamp(build_dir / "go-build.stamp")
    key = go_inputs_key(config, go, command, env, build_dir, inputs)
    if stamp.matches(key, outputs):
        log.info(f"pygo-tools ✓ go build {target.name} 0.0s (unchanged)")
    else:
        # Go keeps an output whose build ID matches, whatever follows that ID (a file truncated
        # by a crash included): without the stamp, nothing already there is trusted.
        stamp.remove()
        for stale in (output, header):
            stale.unlink(missing_ok=True)
        with log.step(f"go build {target.name}"):
            run_go_build(command, source, env, config, universal=target.universal)
        if not all(path.is_file() for path in outputs):
            raise BuildError(f"go build succeeded but did not write {' and '.join(p.name for p in outputs)}")
        check_whole(output, f"go build's {output.name}")
        stamp.write(key, outputs)
    description = exports or ExportsDescription()
    if target.universal:
        check_module(output, tuple(f.symbol for f in description.functions if f.symbol))
    else:
        check_exports(config, header, description)
    return GoLibrary(path=output, header=header, target=target, exports=description, inputs=inputs)


def run_go_build(command: list[str], source: Path, env: dict[str, str], config: Config, universal: bool) -> None:
    """``go build``; a failure caused by a module Go cannot get says so, and what to do."""
    hint = "the Go compiler's own message is above; fix the Go code and build again"
    if universal:
        hint += (
            '; a wasip1 build leaves out the files that import "C" (WebAssembly has no C), so the '
            "other files must not need what those files declare"
        )
    try:
        commands.run(command, cwd=source, env=env, hint=hint)
    except CommandError as error:
        explained = explain_go_failure(error.output, _shown(source, config.project_dir))
        if explained:
            error.hint = explained
        raise


def _shown(path: Path, project: Path) -> str:
    try:
        return path.relative_to(project.resolve()).as_posix()
    except ValueError:
        return str(path)


def combined_overlay(build_dir: Path, generated: Path | None, headers: dict[str, str]) -> Path | None:
    """One -overlay file: the generated exports' (if any) and the header digests' files."""
    folder = build_dir / "cgo-inputs"
    for old in folder.glob("*.go"):
        old.unlink()
    if not headers:
        return generated
    replace = json.loads(generated.read_text(encoding="utf-8"))["Replace"] if generated else {}
    for index, (target, text) in enumerate(sorted(headers.items())):
        written = folder / f"{index}.go"
        write_text_atomically(written, text)
        replace[target] = str(written)
    combined = build_dir / "overlay-all.json"
    write_text_atomically(combined, json.dumps({"Replace": replace}, sort_keys=True))
    return combined


# Variables that change what go build makes (GOCACHE, GOTMPDIR and the like only change where
# it works).
_BUILD_VARIABLES = ("GO", "CGO_", "CC", "CXX", "CFLAGS", "CPPFLAGS", "LDFLAGS", "PKG_CONFIG", "AR")
_WORKPLACE_VARIABLES = frozenset({"GOCACHE", "GOTMPDIR", "GOMODCACHE", "GOPATH", "GOENV"})


def go_inputs_key(
    config: Config, go: GoToolchain, command: list[str], env: dict[str, str], build_dir: Path, inputs: GoInputs
) -> str:
    """Everything go build reads for this library, as Go listed it (every package's files of
    every kind, embedded files, headers, go.mod, go.sum, vendor/, local modules, a go.work),
    the generated exports, the command, the variables that matter, the Go toolchain and the C
    compiler. The same key means the same library, so Go need not run."""
    variables = {
        k: v
        for k, v in {**os.environ, **env}.items()
        if k.startswith(_BUILD_VARIABLES) and k not in _WORKPLACE_VARIABLES
    }
    written = [build_dir / GENERATED, build_dir / "overlay.json", build_dir / "overlay-all.json"]
    written += sorted((build_dir / "cgo-inputs").glob("*.go"))
    generated = {p.name: file_digest(p) for p in written if p.exists()}
    cc = env.get("CC") or os.environ.get("CC") or "cc"
    compiler = shlex.split(cc)[:1]
    if "ziglang" in cc:
        from importlib.metadata import version

        compiler.append(version("ziglang"))
    return inputs_key(
        {
            "inputs": inputs.digests(),
            "generated": generated,
            "command": command,
            "variables": variables,
            "go": [tool_identity(str(go.path)), go.version],
            "cc": [tool_identity(compiler[0]), *compiler[1:]] if compiler else "",
        }
    )


def check_exports(config: Config, header: Path, generated: ExportsDescription | None = None) -> None:
    """Fail the build, naming the symbol, when a declared function is not exported by Go, or
    when a function the typed module calls is missing from the library."""
    exported = set(exported_functions(header.read_text(encoding="utf-8")))
    functions = generated.functions if generated else ()
    missing = sorted(e.symbol for e in functions if e.symbol and e.symbol not in exported)
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
