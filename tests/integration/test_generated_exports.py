"""What the exports generator writes, read directly (Go runs the generator; nothing is built):
a cancellable call owns its arguments before it returns, methods and C memory in cancellable
calls are refused by name, and a package's own `unsafe` is renamed only where it is that name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pygo_tools.errors import CommandError
from pygo_tools.steps.toolchain import find_go
from pygo_tools.typed.generator import GENERATED, generate_exports, generator_binary

pytestmark = [pytest.mark.integration]


def generate(tmp_path: Path, source: str) -> tuple[str, Path]:
    package = tmp_path / "go"
    package.mkdir()
    (package / "go.mod").write_text("module example.com/g\n\ngo 1.21\n")
    (package / "main.go").write_text(source)
    go = find_go()
    binary = generator_binary(go.path, go.version, "")
    build = tmp_path / "build"
    build.mkdir()
    generate_exports(binary, package, build, "linux", "amd64", ())
    return (build / GENERATED).read_text(), build


def refusal(tmp_path: Path, source: str) -> str:
    with pytest.raises(CommandError) as raised:
        generate(tmp_path, source)
    return raised.value.output


def test_a_cancellable_call_owns_its_arguments_before_it_returns(tmp_path: Path) -> None:
    code, _ = generate(
        tmp_path,
        'package main\n\nimport "context"\n\ntype P struct{ A string }\n\n'
        "//pygo:export\nfunc F(ctx context.Context, s string, b []byte, l []string, m map[string]int, p P) int "
        "{ return 0 }\n\nfunc main() {}\n",
    )
    start = code.index("func pygo0_F(")
    export = code[start : code.index("\n}\n", start)]
    closure = export[export.index("return func() {") : export.index("return pygoStart")]
    assert not re.search(r"pygoA\d", closure), "the goroutine reads only copies made before the export returned"
    for index in range(5):
        assert re.search(rf"pygoV{index} := .*pygoA{index}", export), index


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ("p *C.char", "parameter p: a function taking a context.Context runs on after a cancelled call"),
        ("p unsafe.Pointer, n int", "so it cannot take unsafe.Pointer (C memory the caller frees)"),
        ("buf []byte", "//pygo:writes: a function taking a context.Context works on a copy of its buffers"),
    ],
)
def test_c_memory_and_written_buffers_are_refused_in_cancellable_calls(
    tmp_path: Path, parameters: str, expected: str
) -> None:
    writes = "//pygo:writes buf\n" if "buf" in parameters else ""
    output = refusal(
        tmp_path,
        'package main\n\n// #include <stdlib.h>\nimport "C"\n\nimport (\n\t"context"\n\t"unsafe"\n)\n\n'
        f"var _ unsafe.Pointer\n\n//pygo:export\n{writes}func F(ctx context.Context, {parameters}) int "
        "{ return 0 }\n\nfunc main() {}\n",
    )
    assert expected in output


def test_only_the_packages_own_unsafe_is_renamed(tmp_path: Path) -> None:
    source = (
        "package main\n\ntype T struct{ unsafe int }\n\nvar unsafe = T{unsafe: 1}\n\n"
        "func use(t T) int {\n\tunsafe := t.unsafe\n\treturn unsafe\n}\n\n"
        "//pygo:export\nfunc Get() int { return use(unsafe) + unsafe.unsafe }\n\nfunc main() {}\n"
    )
    _, build = generate(tmp_path, source)
    (renamed,) = build.glob("pygo_renamed_*_main.go")
    assert renamed.read_text() == source.replace("var unsafe", "var pygoUnsafe").replace(
        "\tunsafe := t.unsafe\n\treturn unsafe", "\tpygoUnsafe := t.unsafe\n\treturn pygoUnsafe"
    ).replace("use(unsafe) + unsafe.unsafe", "use(pygoUnsafe) + pygoUnsafe.unsafe")
    assert (tmp_path / "go" / "main.go").read_text() == source, "the user's file is untouched"
