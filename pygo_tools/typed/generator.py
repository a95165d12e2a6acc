"""Run gen/exports.go on the user's Go package: the generated exports and their description.

The generator is compiled once per generator source and Go version and kept in pygo-tools'
cache; ``go run`` would recompile go/parser and friends on a cold Go cache (seconds) and relink
on a warm one, at every build.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..util import commands, log
from ..util.atomic import adjacent_temp, write_text_atomically
from ..util.cache import cache_dir, file_digest
from .model import ExportsDescription, parse_description

GENERATOR = sorted((Path(__file__).parent / "gen").glob("*.go"))
# The file the generator writes into the build folder; -overlay puts it into the Go package.
GENERATED = "pygo_exports.go"


def generator_binary(go_path: Path, go_version: tuple[int, int], executable_suffix: str) -> Path:
    """gen/*.go compiled for this machine, from the cache when it is there and intact."""
    source = b"".join(path.name.encode() + path.read_bytes() for path in GENERATOR)
    key = hashlib.sha256(source + str(go_path).encode() + f"{go_version}".encode()).hexdigest()[:16]
    binary = cache_dir() / f"exports-{key}{executable_suffix}"
    digest = binary.with_name(binary.name + ".sha256")
    if binary.is_file() and digest.is_file() and digest.read_text().strip() == file_digest(binary):
        return binary  # intact; a damaged or half-copied binary is built again
    binary.parent.mkdir(parents=True, exist_ok=True)
    with log.step("build the exports generator (once)"), adjacent_temp(binary) as partial:
        # For this machine: no target GOOS/GOARCH, no user GOFLAGS, no cgo.
        commands.run(
            [str(go_path), "build", "-trimpath", "-o", str(partial), *map(str, GENERATOR)],
            cwd=binary.parent,
            env={"GOOS": "", "GOARCH": "", "GOFLAGS": "", "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"},
        )
        partial.chmod(0o755)
        write_text_atomically(digest, file_digest(partial) + "\n")
    return binary


def generate_exports(
    generator: Path,
    source: Path,
    build_dir: Path,
    goos: str,
    goarch: str,
    build_tags: tuple[str, ...],
    wasm: bool = False,
) -> tuple[ExportsDescription, Path]:
    """Run the generator on the Go package in ``source``: wrappers that catch panics and errors,
    and a description of the exports. The wrappers join the build through ``-overlay``, so
    nothing is written into the user's source tree. Returns the description and the overlay.
    ``wasm``: //go:wasmexport wrappers for a WebAssembly build instead of cgo exports."""
    generated = build_dir / GENERATED
    description = build_dir / "exports.json"
    command = [str(generator), "-dir", str(source), "-out", str(generated)]
    command += ["-json", str(description), "-goos", goos, "-goarch", goarch]
    if wasm:
        command.append("-wasm")
    if build_tags:
        command += ["-tags", ",".join(build_tags)]
    with log.step("go exports"):
        commands.run(
            command, cwd=build_dir, hint="fix the function named above, or remove its //export or //pygo:export comment"
        )
    data = json.loads(description.read_text(encoding="utf-8"))
    found = parse_description(data)
    overlay = build_dir / "overlay.json"
    # Go reads the package from its real path: a symlinked Go directory must be named that way
    # in the overlay, or the generated file is silently left out. The generator may add renamed
    # copies of user files (a name cgo's own code would clash with; gen/rename.go).
    replace = {**(data.get("overlay") or {}), str(source / GENERATED): str(generated)}
    write_text_atomically(overlay, json.dumps({"Replace": replace}, sort_keys=True))
    return found, overlay
