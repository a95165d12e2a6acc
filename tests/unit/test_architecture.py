"""The shape of pygo-tools, checked: rooms whose imports point one way, no import cycles, and no
OS names compared outside ``platforms/`` (docs/architecture.md describes the rooms)."""

from __future__ import annotations

import ast
from pathlib import Path

import pygo_tools
from pygo_tools.platforms import PLATFORMS, TARGETS
from pygo_tools.platforms.base import Platform

PACKAGE = Path(pygo_tools.__file__).parent

# Each room, and the rooms it may import from. Imports inside a room are free (but acyclic).
ROOMS: dict[str, set[str]] = {
    "entry": {"frontends", "cli", "steps", "helpers"},  # pygo_tools/__init__, backend, __main__, reference
    "cli": {"pipeline", "steps", "platforms", "typed", "wheel", "helpers", "entry"},
    "frontends": {"pipeline", "steps", "platforms", "wheel", "helpers", "entry"},
    "pipeline": {"steps", "platforms", "typed", "wheel", "helpers"},  # pipeline.py, options.py
    "steps": {"platforms", "typed", "wheel", "helpers"},
    "platforms": {"wheel", "helpers"},
    "typed": {"helpers"},
    "wheel": {"helpers"},
    "helpers": set(),  # errors, util/
}
ENTRY_MODULES = {"pygo_tools", "pygo_tools.backend", "pygo_tools.__main__", "pygo_tools.reference"}
PIPELINE_MODULES = {"pygo_tools.pipeline", "pygo_tools.options"}
OS_NAMES = {"linux", "darwin", "windows", "win32", "nt", "posix", "cygwin", "macos"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room_of(module: str) -> str:
    if module in ENTRY_MODULES:
        return "entry"
    if module in PIPELINE_MODULES:
        return "pipeline"
    part = module.split(".")[1]
    if part in ("errors", "util"):
        return "helpers"
    return part


def modules() -> dict[str, ast.Module]:
    return {module_name(path): ast.parse(path.read_text(), str(path)) for path in sorted(PACKAGE.rglob("*.py"))}


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (names for annotations, not imports that run)."""
    found: list[ast.AST] = []
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and ast.unparse(child.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for other in child.orelse:
                found += [other, *runtime_nodes(other)]
            continue
        found += [child, *runtime_nodes(child)]
    return found


def imports_of(module: str, tree: ast.Module, known: set[str]) -> set[str]:
    """Every pygo_tools module ``module`` imports when it runs, at the top or inside a function."""
    package = module if module in known and module_is_package(module) else module.rsplit(".", 1)[0]
    found = set()
    for node in runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("pygo_tools")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("pygo_tools"):
                target = node.module
            else:
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in known else target)
    return {name for name in found if name in known and name != module}


def module_is_package(module: str) -> bool:
    return (PACKAGE.parent / module.replace(".", "/") / "__init__.py").is_file()


def graph() -> dict[str, set[str]]:
    trees = modules()
    known = set(trees)
    return {module: imports_of(module, tree, known) for module, tree in trees.items()}


def test_rooms_import_only_the_rooms_below_them() -> None:
    wrong = []
    for module, imported in graph().items():
        room = room_of(module)
        for other in imported:
            other_room = room_of(other)
            if other_room != room and other_room not in ROOMS[room]:
                wrong.append(f"{module} ({room}) imports {other} ({other_room})")
    assert wrong == []


def test_no_import_cycles() -> None:
    edges = graph()
    # A package's __init__ re-exporting its own modules is not a cycle of the design.
    for module in list(edges):
        if module_is_package(module) and module != "pygo_tools":
            edges[module] = {m for m in edges[module] if not m.startswith(module + ".")}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_no_os_name_is_compared_outside_platforms() -> None:
    found = []
    for module, tree in modules().items():
        if room_of(module) == "platforms":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and (
                (node.attr == "platform" and isinstance(node.value, ast.Name) and node.value.id == "sys")
                or (node.attr == "name" and isinstance(node.value, ast.Name) and node.value.id == "os")
            ):
                found.append(f"{module}:{node.lineno}: {ast.unparse(node)}")
            if isinstance(node, ast.Compare):
                for operand in [node.left, *node.comparators]:
                    values = operand.elts if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) else [operand]
                    for value in values:
                        if isinstance(value, ast.Constant) and str(value.value).lower() in OS_NAMES:
                            found.append(f"{module}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def test_every_target_has_a_platform_object_that_implements_the_interface() -> None:
    assert {t.platform for t in TARGETS.values()} == set(PLATFORMS)
    for platform in PLATFORMS:
        assert isinstance(platform, Platform)
        assert not getattr(type(platform), "__abstractmethods__", None), f"{platform} misses methods"
        # Every OS on both CPUs; the universal (WebAssembly) platform has one architecture.
        expected = {"wasm"} if platform.universal else {"amd64", "arm64"}
        assert {t.goarch for t in TARGETS.values() if t.platform is platform} == expected


def test_the_architecture_page_names_files_that_exist() -> None:
    """docs/architecture.md's map of the rooms stays true: each file or folder it names is there."""
    import re

    text = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    tree = text.split("```", 2)[1].strip("\n").splitlines()[1:]  # below "pygo_tools/"
    folder = PACKAGE
    missing, named = [], 0
    for line in tree:
        indent = len(line) - len(line.lstrip())
        first = re.split(r"\s{2,}", line.strip())[0]
        base = PACKAGE if indent == 2 else folder
        for name in (n.strip() for n in first.split(",")):
            if re.fullmatch(r"[\w.*/]+", name):
                named += 1
                if not list(base.glob(name.rstrip("/"))):
                    missing.append(f"{base.relative_to(PACKAGE.parent)}/{name}")
        if indent == 2:
            folder = PACKAGE / first if first.endswith("/") else PACKAGE
    assert missing == [] and named >= 30
    for module in ("pipeline.py", "platforms/base.py", "typed/kinds.py", "gen/kinds.go"):
        assert module in text, module


def test_test_files_have_unique_basenames() -> None:
    """pytest imports test modules by basename (rootdir-relative, no packages): two files
    called the same in tests/unit and tests/integration break collection of the whole run."""
    tests = Path(__file__).resolve().parent.parent
    seen: dict[str, Path] = {}
    clashes = []
    for path in sorted(tests.rglob("test_*.py")):
        if "projects" in path.relative_to(tests).parts:
            continue
        if path.name in seen:
            clashes.append(f"{seen[path.name].relative_to(tests)} and {path.relative_to(tests)}")
        seen.setdefault(path.name, path)
    assert not clashes, "test files share a basename: " + "; ".join(clashes)
