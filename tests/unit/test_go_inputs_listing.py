"""What Go reads, without Go: include scanning, go list's output, failure explanations, and
the sdist's edits of go.mod's companions."""

from __future__ import annotations

from pathlib import Path

import pytest

from pygo_tools.steps.gofailures import explain_go_failure
from pygo_tools.steps.goinputs import _packages, cgo_headers
from pygo_tools.steps.gosdist import _rewrite_modules_txt, copy_module


def test_includes_are_followed_from_the_including_file_then_the_include_folders(tmp_path: Path) -> None:
    package = tmp_path / "go"
    include = tmp_path / "include"
    (package / "sub").mkdir(parents=True)
    include.mkdir()
    (package / "main.go").write_text(
        'package main\n\n// #include "sub/a.h"\n/*\n#include <top.h>\n  #  include "nowhere.h"\n'
        '#include <stdio.h>\n*/\nimport "C"\n'
    )
    (package / "sub" / "a.h").write_text('#include "b.h"\n')  # beside a.h, in sub/
    (package / "sub" / "b.h").write_text('#include "sub/a.h"\n')  # a cycle ends
    (include / "top.h").write_text("#define TOP 1\n")
    (package / "top.h").write_text("not this one: <...> never looks beside the file\n")
    found = cgo_headers([package / "main.go"], [include])
    assert found == {package / "sub" / "a.h", package / "sub" / "b.h", include / "top.h"}


def test_go_list_output_with_warnings_between_objects() -> None:
    text = 'go: warning: something\n{\n\t"Dir": "/a"\n}\n{"Dir": "/b", "GoFiles": ["x.go"]}\n'
    assert [p["Dir"] for p in _packages(text)] == ["/a", "/b"]


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (
            "go: downloading example.com/x v1.2.0\nmain.go:4:8: module lookup disabled by GOPROXY=off",
            ["the Go module example.com/x@v1.2.0 is missing", "go mod download", "go mod vendor", "GOPROXY"],
        ),
        (
            'go: example.com/x@v1.2.0: Get "https://proxy.golang.org/example.com/x/@v/v1.2.0.mod": '
            "dial tcp: lookup proxy.golang.org: no such host",
            ["the Go module example.com/x@v1.2.0 is missing", "network"],
        ),
        (
            "main.go:4:8: no required module provides package example.com/y/z; to add it:\n\tgo get example.com/y/z",
            ["(cd go && go get example.com/y/z)", "replace"],
        ),
        ("go: inconsistent vendoring in /p:\n\texample.com/x@v1: is explicitly required", ["go mod vendor"]),
        ("main.go:4:8: missing go.sum entry for module providing package example.com/x", ["go mod tidy"]),
        ("go: example.com/d@v0.0.0: replacement directory ../d does not exist", ["names a folder that does not exist"]),
    ],
)
def test_a_go_failure_caused_by_modules_names_the_fix(output: str, expected: list[str]) -> None:
    hint = explain_go_failure(output, "go")
    assert hint is not None
    for text in expected:
        assert text in hint
    assert "fix the Go code" not in hint


@pytest.mark.parametrize("output", ["main.go:3:1: syntax error: unexpected }", "undefined: Foo", ""])
def test_a_go_code_failure_is_left_to_the_compiler(output: str) -> None:
    assert explain_go_failure(output, "go") is None


def test_modules_txt_names_the_new_replacements(tmp_path: Path) -> None:
    path = tmp_path / "modules.txt"
    path.write_text(
        "# example.com/a v1.0.0 => /home/me/a\n## explicit; go 1.21\nexample.com/a\n"
        "# example.com/b v1.0.0\n## explicit\n# example.com/c => ../c v1.1.0\n"
    )
    _rewrite_modules_txt(path, {"/home/me/a": "./_pygo_replaced/0-example.com_a"})
    assert path.read_text() == (
        "# example.com/a v1.0.0 => ./_pygo_replaced/0-example.com_a\n## explicit; go 1.21\nexample.com/a\n"
        "# example.com/b v1.0.0\n## explicit\n# example.com/c => ../c v1.1.0\n"
    )


def test_a_copied_module_leaves_hidden_files_nested_modules_and_outputs_behind(tmp_path: Path) -> None:
    source = tmp_path / "dep"
    for name in ("go.mod", "a.go", "data/x.json", ".git/config", "nested/go.mod", "nested/n.go", "lib.so", ".env"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(name)
    copy_module(source, tmp_path / "copy")
    copied = sorted(p.relative_to(tmp_path / "copy").as_posix() for p in (tmp_path / "copy").rglob("*") if p.is_file())
    assert copied == ["a.go", "data/x.json", "go.mod"]
