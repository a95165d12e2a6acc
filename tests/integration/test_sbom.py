"""Every wheel says what Go code is inside it: a CycloneDX SBOM in ``.dist-info/sboms/`` (PEP 770)
of the native, universal and Go-program wheels, valid against CycloneDX's schema, listing the Go
standard library, the main module and each module compiled in with its hash; ``sbom = false``
leaves it out."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import PROJECTS, SOURCE_DATE_EPOCH, copy_project, run_build
from pygo_tools.steps.toolchain import find_go
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SBOM = "sboms/pygo-tools.cdx.json"


def sbom_of(wheel: Path) -> dict[str, object]:
    contents = read_wheel(wheel)
    name = next(n for n in contents.names if n.endswith(".dist-info/" + SBOM))
    assert contents.record[name].startswith("sha256="), "RECORD covers the SBOM"
    text = zipfile.ZipFile(wheel).read(name).decode()
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    data: dict[str, object] = json.loads(text)
    return data


def components(data: dict[str, object]) -> dict[str, dict[str, object]]:
    return {str(c["name"]): c for c in data["components"]}  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", ["native", "universal"])
def test_library_wheels_list_their_go_binary_and_modules(plaingo_wheels: dict[str, Path], kind: str) -> None:
    wheel = plaingo_wheels[kind]
    data = sbom_of(wheel)
    go_version = subprocess.run(
        [str(find_go().path), "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    found = components(data)
    assert found["std"]["version"] == go_version
    assert found["plaingo"]["purl"] == "pkg:golang/plaingo?type=module"
    (binary,) = (c for c in found.values() if c["type"] == "file")
    with zipfile.ZipFile(wheel) as archive:
        digest = hashlib.sha256(archive.read(str(binary["name"]))).hexdigest()
    assert binary["hashes"] == [{"alg": "SHA-256", "content": digest}]
    goos = {p["name"]: p["value"] for p in binary["properties"]}["go:build:GOOS"]  # type: ignore[attr-defined]
    assert goos == ("wasip1" if kind == "universal" else "linux")
    assert data["metadata"]["timestamp"] == "2023-11-14T22:13:20Z"  # type: ignore[index]
    assert data["metadata"]["component"]["purl"] == "pkg:pypi/plaingo@0.1.0"  # type: ignore[index]


def module_proxy(root: Path) -> Path:
    """A GOPROXY folder (file://) serving example.com/greet v1.0.0, as the real proxy would."""
    folder = root / "example.com" / "greet" / "@v"
    folder.mkdir(parents=True)
    (folder / "list").write_text("v1.0.0\n")
    (folder / "v1.0.0.info").write_text('{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}')
    (folder / "v1.0.0.mod").write_text("module example.com/greet\n\ngo 1.21\n")
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("example.com/greet@v1.0.0/go.mod", "module example.com/greet\n\ngo 1.21\n")
        archive.writestr(
            "example.com/greet@v1.0.0/greet.go", 'package greet\n\nfunc Hello() string { return "hello" }\n'
        )
    (folder / "v1.0.0.zip").write_bytes(data.getvalue())
    return root


def test_a_program_wheel_lists_its_dependencies_with_their_go_sum_hashes(tmp_path: Path) -> None:
    project = tmp_path / "greeter"
    source = project / "greeter" / "go"
    source.mkdir(parents=True)
    (project / "greeter" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["pygo-tools>=0.2"]\nbuild-backend = "pygo_tools.backend"\n\n'
        '[project]\nname = "greeter"\nversion = "1.0"\n\n'
        '[tool.pygo-tools]\npackage = "greeter"\nexecutables = [{name = "greeter"}]\n'
    )
    (source / "go.mod").write_text("module example.com/greeter\n\ngo 1.21\n\nrequire example.com/greet v1.0.0\n")
    (source / "main.go").write_text(
        'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/greet"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n'
    )
    env = {
        "GOPROXY": f"file://{module_proxy(tmp_path / 'proxy')}",
        "GOSUMDB": "off",
        "GOMODCACHE": str(tmp_path / "modcache"),
        "GOFLAGS": "-modcacherw",
    }
    go = str(find_go().path)
    subprocess.run([go, "mod", "tidy"], cwd=source, env={**os.environ, **env}, check=True, capture_output=True)
    line = (source / "go.sum").read_text().splitlines()[0]
    assert line.startswith("example.com/greet v1.0.0 h1:")
    result = run_build(project, tmp_path / "out", env={**env, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
    assert result.returncode == 0, result.stderr[-3000:]
    found = components(sbom_of(Path(result.stdout.strip())))
    assert {"greeter/bin/greeter", "std", "example.com/greeter", "example.com/greet"} <= set(found)
    h1 = base64.b64decode(line.split()[2][3:]).hex()
    assert found["example.com/greet"]["hashes"] == [{"alg": "SHA-256", "content": h1}]
    assert found["example.com/greet"]["version"] == "v1.0.0"


def test_sbom_false_leaves_it_out(tmp_path: Path) -> None:
    project = copy_project(PROJECTS / "wasmhost", tmp_path)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "sbom = false\n")
    result = run_build(project, tmp_path / "out", "--target", "wasip1/wasm")
    assert result.returncode == 0, result.stderr[-3000:]
    assert not any("sboms/" in name for name in read_wheel(Path(result.stdout.strip())).names)
