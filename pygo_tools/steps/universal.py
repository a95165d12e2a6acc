"""The universal wheel (``--target wasip1/wasm``): what it needs from the project, and its Python.

The Go library is a WebAssembly module here; the package gets it in ``<package>/lib/``, the
runtime that runs it through wasmtime where the native wheel has its cffi extension
(``config.extension`` as a ``.py``), and the typed module (``wrapper``), which has the native
one's API and stub but calls Go through that runtime.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BuildError, ConfigError
from ..platforms import Target
from ..typed.wasm import RUNTIME, WasmLibrary, library_relative_path, render_universal
from ..util import log
from ..util.atomic import copy_atomically, write_text_atomically
from ..util.cache import file_digest
from ..util.validate import is_generated
from .config import Config
from .extension import typed_module_spec
from .golib import GoLibrary


def check_universal(config: Config, target: Target) -> None:
    """A universal wheel carries a Go library called through the typed module, and nothing
    native: no raw cffi ``lib`` and no Go programs."""
    where = config.source.name
    if not config.has_extension:
        raise ConfigError(
            f"{where}: target {target.name}: the universal wheel carries a Go library, and this project has none",
            hint="Go programs (executables) need no universal wheel: their linux wheels are tagged musllinux too",
        )
    if not config.wrapper:
        raise ConfigError(
            f"{where}: target {target.name}: the universal wheel calls Go through the typed module, and "
            "`wrapper` is not set (raw cffi `lib` calls need C, which WebAssembly has not)",
            hint=f'set "wrapper" to a module name, for example "{config.package}.api"',
        )
    if config.executables:
        raise ConfigError(
            f"{where}: target {target.name}: executables cannot go into the universal wheel (it holds no "
            "native programs, and its package would run nowhere)",
            hint="build the universal wheel from a project without executables, or build native targets only",
        )


def write_universal_package(config: Config, library: GoLibrary, root: Path) -> None:
    """Into ``root`` (the wheel's tree): the Go module, the runtime, the typed module and stub."""
    module_in_wheel = f"{config.library_subdir}/{library.path.name}"
    copy_atomically(library.path, root / module_in_wheel)
    runtime = root.joinpath(*config.extension.split(".")).with_suffix(".py")
    write_text_atomically(runtime, RUNTIME.read_text(encoding="utf-8"))
    wasm_library = WasmLibrary(library_relative_path(config.wrapper, module_in_wheel), file_digest(library.path))
    module, stub, notes = render_universal(typed_module_spec(config), library.exports, wasm_library)
    callable_count = len(library.exports.functions) - len(notes)
    if library.exports.functions and callable_count == 0:
        raise BuildError(
            f"target {library.target.name}: none of the Go exports can be called from WebAssembly",
            hint='keep the //pygo:export functions in Go files that do not import "C": ' + "; ".join(notes[:3]),
        )
    path = root.joinpath(*config.wrapper.split("."))
    for target, text in ((path.with_suffix(".py"), module), (path.with_suffix(".pyi"), stub)):
        if target.exists() and not is_generated(target):
            raise BuildError(f"{target}: exists and was not written by pygo-tools; it is left as it is")
        write_text_atomically(target, text)
    for note in notes:
        log.info(f"typed module: {note} (calling it raises NotImplementedError)")
    log.info(f"wrote {config.wrapper}: {callable_count} typed functions over WebAssembly")
