"""The cffi API-mode extension: C source from the declarations, abi3, linked with a relative rpath.

This step writes the C source (cffi's part, then the typed module's C functions) and says how
to compile it; setuptools' ``build_ext`` compiles it (``frontends/setup_py.py``), each
platform adjusting the settings (``platforms``).
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cffi

from ..errors import BuildError, ConfigError
from ..platforms import ExtensionContext, ExtensionSettings, Target
from ..platforms.zig import ZigCompiler
from ..typed.c import init_rename, render_typed_layer
from ..typed.python import TypedApi, TypedModuleSpec, typed_api
from ..util.atomic import write_text_atomically
from ..util.cache import file_digest, inputs_key, tool_identity
from ..util.version import __version__
from .config import Config
from .declarations import cdef, declared_functions
from .golib import GoLibrary
from .header import HeaderDeclarations, check_declarations, check_signature_types, read_header


@dataclass(frozen=True)
class CffiSource:
    path: Path
    declared: frozenset[str]  # the functions cffi's ``lib`` has


def typed_module_spec(config: Config) -> TypedModuleSpec:
    return TypedModuleSpec(config.package, config.extension, config.wrapper, frozenset(config.borrowed))


def typed_module_api(config: Config, library: GoLibrary) -> TypedApi:
    """The typed module's classes, exceptions and functions for this library's exports."""
    return typed_api(typed_module_spec(config), library.exports)


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
        spec = typed_module_spec(config)
        api = typed_api(spec, library.exports)
        layer = render_typed_layer(spec, api.functions, api.structs, api.objects, api.errors)
        source = init_rename(spec) + source + layer
    # Rewritten only when it changed, so that an unchanged build has nothing to recompile.
    if not path.is_file() or path.read_text(encoding="utf-8") != source:
        write_text_atomically(path, source)
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


def extension_settings(
    config: Config, library: GoLibrary, c_source: Path, work: Path, zig: ZigCompiler | None
) -> ExtensionSettings:
    """How to compile the extension for the library's target: the generated C source, the Go
    library, the target's Python ABI (abi3, abi3t...), a relative rpath only; then as the
    target's platform needs."""
    abi = library.target.abi
    settings = ExtensionSettings(
        sources=[str(c_source)],
        # The Go directory too: cgo copies the user's preamble (and its #includes, like 0.1.8's
        # wrapper_util.h) into the generated header.
        include_dirs=[str(library.directory), str(config.go_path)],
        library_dirs=[str(library.directory)],
        libraries=[config.library],
        define_macros=abi.define_macros(config.limited_api_version),
        # -g0: the interpreter's CFLAGS carry -g, which would bake the build directory into the
        # binary as DWARF comp_dir.
        extra_compile_args=["-g0"],
        extra_link_args=[f"-Wl,-rpath,{library_rpath(config, library)}"],
    )
    context = ExtensionContext(
        target=library.target,
        library=library.path,
        work=work,
        module_name=config.extension.rsplit(".", 1)[-1],
        floor=abi.floor(config.limited_api_version),
        strip=config.strip,
        zig=zig,
    )
    return library.target.platform.adjust_extension(settings, context)


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


def extension_inputs_key(ext: Any, compiler: Any, library: GoLibrary, target: Target, work: Path) -> str:
    """Everything that makes the compiled extension: sources, the Go header it includes,
    flags, compiler, Python headers, target and pygo-tools' own version.

    Paths inside ``work`` (the build's own folder, temporary for pip's builds) count by their
    place in it and their bytes: the binaries hold no build path (``-g0``), so where the
    folder was does not change them."""

    def placed(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [placed(v) for v in value]
        return str(value).replace(str(work), "<work>") if isinstance(value, (str, os.PathLike)) else value

    return inputs_key(
        {
            "pygo-tools": __version__,
            "sources": {placed(source): file_digest(Path(source)) for source in ext.sources},
            "header": file_digest(library.header),
            "compile": placed(compiler.compiler_so),
            "link": placed(compiler.linker_so),
            "compiler": tool_identity(compiler.compiler_so[0]),
            "ext": placed([ext.include_dirs, ext.library_dirs, ext.libraries, ext.define_macros]),
            # Windows: the import libraries, which name the Go DLL by a hash of its contents.
            "objects": {placed(obj): file_digest(Path(obj)) for obj in ext.extra_objects or []},
            "flags": placed([ext.extra_compile_args, ext.extra_link_args, ext.py_limited_api]),
            "python": [sysconfig.get_paths()["include"], sys.version, sysconfig.get_config_var("EXT_SUFFIX")],
            "target": target.name,
        }
    )
