"""The cffi API-mode extension: C source from the declarations, abi3, linked with a relative rpath."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

import cffi
from setuptools import Extension

from .bindings import typed_api
from .config import Config
from .declarations import cdef, declared_functions
from .errors import BuildError, ConfigError
from .golib import GoLibrary
from .header import HeaderDeclarations, check_declarations, check_signature_types, read_header
from .typedc import init_rename, render_typed_layer


@dataclass(frozen=True)
class CffiSource:
    path: Path
    declared: frozenset[str]  # the functions cffi's ``lib`` has


def write_cffi_source(config: Config, library: GoLibrary, build_dir: Path) -> CffiSource:
    """Emit the extension's C source (cffi's part, then the typed module's); it includes the Go
    header by its bare name."""
    ffi = cffi.FFI()
    header_text = library.header.read_text(encoding="utf-8")
    header = read_header(header_text, config.go_path)
    cdef_text = compose_cdef(config, header)
    try:
        ffi.cdef(cdef_text)
    except cffi.CDefError as error:
        raise ConfigError(
            f"{config.source.name}: signatures: cffi cannot parse them: {error}",
            hint="declarations must be plain C, as in the header go build writes",
        ) from None
    if config.signatures:
        check_signature_types(header_text, header, config.signatures, cdef_text, config.source.name)
    ffi.set_source(config.extension, f'#include <stdlib.h>\n#include "{library.header.name}"\n')
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / (config.extension.replace(".", "_") + ".c")
    emitted = build_dir / "cffi-part.c"
    ffi.emit_c_code(str(emitted))
    source = emitted.read_text(encoding="utf-8")
    if config.wrapper:
        classes, functions = typed_api(config, library.exports, library.structs)
        source = init_rename(config) + source + render_typed_layer(config, functions, classes)
    # Rewritten only when it changed, so that an unchanged build has nothing to recompile.
    if not path.is_file() or path.read_text(encoding="utf-8") != source:
        path.write_text(source, encoding="utf-8")
    declared = frozenset(name for _, name in declared_functions(cdef_text.splitlines()))
    return CffiSource(path, declared)


_GENERATED_TYPE = re.compile(r"^struct\s+pygo|\bpygo\w*\s*;\s*$")


def compose_cdef(config: Config, header: HeaderDeclarations) -> str:
    """The declarations cffi gets: the user's ``signatures``, else everything the header exports.

    With a ``wrapper``, the generated ``pygo_*`` exports (and the return structs cgo declares for
    them) are added to the user's signatures.
    """
    where = config.source.name
    if config.signatures:
        return cdef(config.signatures)
    # The generated pygo exports are called by the typed module's C code, not through cffi.
    functions = [(name, d) for name, d in header.functions if not name.startswith("pygo")]
    types = [t for t in header.types if not _GENERATED_TYPE.search(t)]
    header = HeaderDeclarations(types=tuple(types), functions=tuple(functions))
    if not functions and not config.wrapper:
        raise BuildError(
            f"{where}: the Go library exports no functions",
            hint='mark the Go functions Python calls with `//export Name` (and `import "C"`)',
        )
    functions = list(header.functions)
    if "free" not in header.function_names():
        functions.append(("free", "void free(void *ptr);"))
    return check_declarations(list(header.types), functions, where)


def library_rpath(config: Config, library: GoLibrary) -> str:
    """``$ORIGIN/lib`` for ``myproj._native``; ``$ORIGIN/myproj/lib`` for a top-level module."""
    relative = posixpath.relpath(config.library_subdir, config.extension_subdir or ".")
    return f"{library.target.rpath_origin}/{relative}"


def placeholder_extension(config: Config) -> Extension:
    """The extension setuptools is told about; ``configure_extension`` fills it at build time."""
    return Extension(config.extension, sources=[], py_limited_api=True)


def configure_extension(ext: Extension, config: Config, library: GoLibrary, c_source: Path) -> None:
    """Point ``ext`` at the generated C source and the Go library, abi3, relative rpath only."""
    ext.sources = [str(c_source)]
    # The Go directory too: cgo copies the user's preamble (and its #includes, like 0.1.8's
    # wrapper_util.h) into the generated header.
    ext.include_dirs = [str(library.directory), str(config.go_path)]
    ext.library_dirs = [str(library.directory)]
    ext.libraries = [config.library]
    ext.define_macros = [("Py_LIMITED_API", config.limited_api_hex)]
    ext.py_limited_api = True
    # -g0: the interpreter's CFLAGS carry -g, which would bake the build directory into the
    # binary as DWARF comp_dir.
    ext.extra_compile_args = ["-g0"]
    ext.extra_link_args = [f"-Wl,-rpath,{library_rpath(config, library)}"]
    if config.strip and library.target.goos == "linux":
        ext.extra_link_args.append("-s")


def without_absolute_rpaths(linker: list[str]) -> list[str]:
    """Drop the absolute rpaths the interpreter's LDSHARED adds.

    pyenv-built interpreters put ``-Wl,-rpath,<prefix>/lib`` in LDSHARED; in a wheel that
    is a path of the build machine, and auditwheel would keep it.
    """
    return [arg for arg in linker if not _is_absolute_rpath(arg)]


def _is_absolute_rpath(arg: str) -> bool:
    for prefix in ("-Wl,-rpath,", "-Wl,-rpath=", "-Wl,-R", "-R"):
        if arg.startswith(prefix):
            return arg[len(prefix) :].startswith("/")
    return False
