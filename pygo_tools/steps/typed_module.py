"""The typed module (``wrapper``): its names checked against Go's exports before anything is
compiled, then the Python module and its stub written beside the package's other modules."""

from __future__ import annotations

from pathlib import Path

from ..errors import BuildError
from ..typed.model import ExportsDescription
from ..typed.python import render, typed_api
from ..util import log
from ..util.atomic import write_text_atomically
from ..util.validate import is_generated
from .config import Config
from .declarations import declared_functions
from .extension import typed_module_spec


def check_typed_names(config: Config, exports: ExportsDescription) -> None:
    """``borrowed`` and ``unchecked`` name Go exports; a function the typed module calls through
    cffi's ``lib`` (C types of the user's preamble) is declared when ``signatures`` are given."""
    names = set(exports.names)
    for key in ("borrowed", "unchecked"):
        unknown = [name for name in getattr(config, key) if name not in names]
        if unknown:
            raise BuildError(
                f"{config.source.name}: {key}: {', '.join(unknown)} is not a Go export",
                hint="exports: " + (", ".join(sorted(names)) or "none"),
            )
    if not config.signatures:
        return  # the declarations come from Go's header: every export is declared
    declared = {name for _, name in declared_functions(config.signatures)}
    missing = [f.name for f in exports.functions if f.direct and f.name not in declared]
    if missing:
        raise BuildError(
            f"{config.source.name}: signatures: {', '.join(missing)} uses C types of your cgo preamble, so the "
            "typed module calls it through the cffi lib, but it is not declared",
            hint="add its declaration from the header Go writes to signatures, or remove signatures",
        )


def write_typed_module(config: Config, exports: ExportsDescription, root: Path) -> None:
    """Write the typed module and its stub next to the package's other modules under ``root``."""
    api = typed_api(typed_module_spec(config), exports)
    if config.unchecked:
        log.info("unchecked: no longer needed: every typed call is checked at the cost of an unchecked one")
    module, stub = render(typed_module_spec(config), api.functions, api.structs, api.objects, api.errors)
    path = root.joinpath(*config.wrapper.split("."))
    for target, text in ((path.with_suffix(".py"), module), (path.with_suffix(".pyi"), stub)):
        if target.exists() and not is_generated(target):
            raise BuildError(f"{target}: exists and was not written by pygo-tools; it is left as it is")
        write_text_atomically(target, text)
    for function in api.all_functions:
        for note in function.renamed:
            log.info(f"typed module: {note}")
    for obj in api.objects:
        if obj.name != obj.go_name:
            log.info(f"typed module: type {obj.go_name} is {obj.name} in Python")
    for error in api.errors:
        if error.name != error.go_name:
            log.info(f"typed module: {error.go_name} is {error.name} in Python")
    described = f"{len(api.functions)} typed functions" + (f", {len(api.structs)} dataclasses" if api.structs else "")
    if api.objects:
        methods = sum(len(o.methods) for o in api.objects)
        classes = f"{len(api.objects)} class" + ("es" if len(api.objects) != 1 else "")
        described += f", {classes} with {methods} method" + ("s" if methods != 1 else "")
    if api.errors:
        described += f", {len(api.errors)} error classes"
    log.info(f"wrote {config.wrapper}: {described}")
