"""The SBOM every wheel carries: what is read from a Go binary, and a document that validates
against CycloneDX's schema and is the same bytes for the same inputs."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from pygo_tools.wheel.sbom import (
    MODINFO_END,
    MODINFO_START,
    go_binaries,
    go_sum_hashes,
    read_build_info,
    sbom_document,
    sbom_text,
)

H1 = "h1:" + base64.b64encode(hashlib.sha256(b"x").digest()).decode()
MODINFO = (
    "path\texample.com/app\n"
    "mod\texample.com/app\t(devel)\t\n"
    f"dep\tgolang.org/x/text\tv0.14.0\t{H1}\n"
    "dep\texample.com/Old\tv1.0.0\n"
    "=>\t../local\t(devel)\t\n"
    "dep\texample.com/summed\tv2.1.0\n"
    "build\t-buildmode=c-shared\n"
    "build\t-ldflags=-X main.token=secret\n"
    "build\tGOOS=linux\n"
)
BINARY = b"\x7fELF junk" + MODINFO_START + MODINFO.encode() + MODINFO_END + b"more"


def validate(text: str) -> None:
    validation = pytest.importorskip("cyclonedx.validation.json", reason="pip install -e '.[dev]'")
    from cyclonedx.schema import SchemaVersion

    errors = validation.JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors


def test_the_module_list_is_read_from_the_binary_whatever_its_format() -> None:
    info = read_build_info(BINARY)
    assert info is not None
    assert (info.path, info.main.path, info.main.version) == ("example.com/app", "example.com/app", "(devel)")
    assert [(d.path, d.version, d.sum, d.replaces) for d in info.deps] == [
        ("golang.org/x/text", "v0.14.0", H1, ""),
        ("../local", "(devel)", "", "example.com/Old@v1.0.0"),
        ("example.com/summed", "v2.1.0", "", ""),
    ]
    assert info.settings == (("-buildmode", "c-shared"), ("GOOS", "linux")), "no -ldflags: it may hold secrets"
    assert read_build_info(b"not go") is None
    assert read_build_info(MODINFO_START + b"no end") is None


def test_the_document_lists_every_module_with_hashes_and_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    sums = go_sum_hashes(f"example.com/summed v2.1.0 {H1}\nexample.com/summed v2.1.0/go.mod h1:zzz=\n")
    binaries = go_binaries([("pkg/lib/libapp.so", BINARY), ("pkg/__init__.py", b"")])
    document = sbom_document("My_Pkg", "1.0", "go1.27.3", binaries, sums, "0.2.0")
    text = sbom_text(document)
    validate(text)
    data = json.loads(text)
    assert data["metadata"]["timestamp"] == "2023-11-14T22:13:20Z"
    assert data["metadata"]["component"]["purl"] == "pkg:pypi/my_pkg@1.0"
    by_name = {c["name"]: c for c in data["components"]}
    assert set(by_name) == {
        "pkg/lib/libapp.so",
        "std",
        "example.com/app",
        "golang.org/x/text",
        "../local",
        "example.com/summed",
    }
    digest = hashlib.sha256(b"x").hexdigest()
    assert by_name["golang.org/x/text"]["hashes"] == [{"alg": "SHA-256", "content": digest}]
    assert by_name["example.com/summed"]["hashes"] == [{"alg": "SHA-256", "content": digest}], "from go.sum"
    assert by_name["golang.org/x/text"]["purl"] == "pkg:golang/golang.org/x/text@v0.14.0?type=module"
    assert by_name["std"]["version"] == "go1.27.3"
    assert by_name["../local"]["properties"] == [{"name": "go:replaces", "value": "example.com/Old@v1.0.0"}]
    file_entry = by_name["pkg/lib/libapp.so"]
    assert file_entry["hashes"][0]["content"] == hashlib.sha256(BINARY).hexdigest()
    depends = {d["ref"]: d["dependsOn"] for d in data["dependencies"]}
    assert depends["pkg:pypi/my_pkg@1.0"] == ["file:pkg/lib/libapp.so"]
    assert "pkg:golang/std@go1.27.3?type=module" in depends["pkg:golang/example.com/app?type=module"]


def test_the_same_inputs_give_the_same_bytes_and_no_clock_without_source_date_epoch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    binaries = go_binaries([("a.wasm", BINARY)])
    first = sbom_text(sbom_document("p", "1", "go1.27.3", binaries, {}, "0.2.0"))
    second = sbom_text(sbom_document("p", "1", "go1.27.3", binaries, {}, "0.2.0"))
    assert first == second and "timestamp" not in first
    other = sbom_text(sbom_document("p", "2", "go1.27.3", binaries, {}, "0.2.0"))
    assert json.loads(other)["serialNumber"] != json.loads(first)["serialNumber"]
    validate(first)
