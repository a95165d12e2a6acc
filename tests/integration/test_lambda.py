"""Lambda layers of the example, unpacked and run the way Lambda runs them: only python/ on
sys.path, under the arm64 CPython (qemu) and a host CPython of the layer's version."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from conftest import EXAMPLE, REPO, clean_env, copy_project, pyenv_pythons
from pygo_tools.cli.lambda_layer import wheel_tags

pytestmark = [pytest.mark.integration, pytest.mark.cross, pytest.mark.slow]

ARM64_ROOT = REPO / ".cache" / "arm64-root"
EPOCH = "1700000000"
SMOKE = EXAMPLE / "smoke.py"
# Lambda puts the layer's python/ on sys.path; -I -S leave nothing else but the standard library.
RUNNER = (
    "import sys; sys.path.insert(0, {site!r}); "
    "assert not [p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))], sys.path; "
    "sys.argv = [{smoke!r}]; exec(compile(open({smoke!r}).read(), {smoke!r}, 'exec'))"
)


def build_layer(project: Path, out: Path, target: str, python: str) -> subprocess.CompletedProcess[str]:
    options = ["--target", target, "--python", python, "--out", str(out)]
    return subprocess.run(
        [sys.executable, "-m", "pygo_tools", "lambda-layer", str(project), *options],
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        check=False,
    )


def host_python() -> tuple[str, str]:
    """A CPython on this machine that Lambda also offers: its version and path."""
    pythons = pyenv_pythons()
    version = next(v for v in ("3.12", "3.13", "3.10", "3.9", "3.11") if v in pythons)
    return version, pythons[version]


LAYERS = {
    "arm64": ("linux/arm64", "3.11"),
    "x86_64": ("linux/amd64", host_python()[0]),
    "absent": ("linux/arm64", "3.13"),
}


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each layer built once: arm64 for Debian's arm64 CPython 3.11 (qemu), x86_64 for a host
    CPython, arm64 for a CPython this machine does not have (3.13)."""
    work = tmp_path_factory.mktemp("lambda")
    project = copy_project(EXAMPLE, work)
    built = {}
    for key, (target, python) in LAYERS.items():
        result = build_layer(project, work / "out", target, python)
        assert result.returncode == 0, result.stderr[-4000:]
        built[key] = Path(result.stdout.strip())
        assert f"{built[key].name}: " in result.stderr and " MB zipped, " in result.stderr, "the size is printed"
    return built


def unpack(layer: Path, destination: Path) -> Path:
    with zipfile.ZipFile(layer) as archive:
        assert all(name.startswith("python/") for name in archive.namelist())
        archive.extractall(destination)
    return destination / "python"


def test_layer_names(layers: dict[str, Path]) -> None:
    assert layers["arm64"].name == "hello_go-0.1.0-python3.11-arm64-layer.zip"
    assert layers["x86_64"].name == f"hello_go-0.1.0-python{LAYERS['x86_64'][1]}-x86_64-layer.zip"
    assert layers["absent"].name == "hello_go-0.1.0-python3.13-arm64-layer.zip"


@pytest.fixture(scope="module")
def arm64_python() -> list[str]:
    """qemu + Debian's arm64 CPython 3.11, prepared once and cached in .cache/arm64-root."""
    script = REPO / "tests" / "support" / "arm64-python.sh"
    setup = subprocess.run(["bash", str(script), str(ARM64_ROOT)], capture_output=True, text=True, check=False)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return ["qemu-aarch64-static", "-L", str(ARM64_ROOT), str(ARM64_ROOT / "usr" / "bin" / "python3.11")]


def run_smoke(python: list[str], site: Path, cwd: Path) -> str:
    code = RUNNER.format(site=str(site), smoke=str(SMOKE))
    result = subprocess.run([*python, "-I", "-S", "-c", code], cwd=cwd, env=clean_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"extension {site}/hello_go/_native.abi3.so" in result.stdout
    assert "smoke: ok" in result.stdout
    return result.stdout


def test_arm64_layer_runs_under_the_arm64_cpython(
    layers: dict[str, Path], arm64_python: list[str], tmp_path: Path
) -> None:
    site = unpack(layers["arm64"], tmp_path)
    assert (site / "_cffi_backend.cpython-311-aarch64-linux-gnu.so").is_file()
    out = run_smoke(arm64_python, site, tmp_path)
    assert out.startswith("python 3.11.")


def test_x86_64_layer_runs_under_the_host_cpython(layers: dict[str, Path], tmp_path: Path) -> None:
    version, python = host_python()
    site = unpack(layers["x86_64"], tmp_path)
    assert list(site.glob(f"_cffi_backend.cpython-3{version.split('.')[1]}-x86_64-linux-gnu.so"))
    out = run_smoke([python], site, tmp_path)
    assert out.startswith(f"python {version}.")


def test_layer_for_a_cpython_not_here_has_the_right_wheels(layers: dict[str, Path], tmp_path: Path) -> None:
    site = unpack(layers["absent"], tmp_path)
    assert (site / "_cffi_backend.cpython-313-aarch64-linux-gnu.so").is_file()
    tags = {info.name.split("-")[0]: wheel_tags(info / "WHEEL") for info in site.glob("*.dist-info")}
    assert {str(t) for t in tags.pop("hello_go")} == {
        "cp39-abi3-manylinux2014_aarch64",
        "cp39-abi3-manylinux_2_17_aarch64",
    }
    assert {t.interpreter for t in tags.pop("cffi")} == {"cp313"}
    for name, wheel in tags.items():  # cffi's own dependencies
        assert all(t.platform == "any" or t.platform.endswith("_aarch64") for t in wheel), (name, wheel)
    shared = list(site.rglob("*.so"))
    assert len(shared) >= 3  # cffi's backend, the extension, the Go library
    for path in shared:
        with path.open("rb") as handle:
            assert ELFFile(handle).header["e_machine"] == "EM_AARCH64", path
    assert not (site / "bin").exists()
    assert not list(site.glob("*.dist-info/direct_url.json")), "no path of the build machine in the layer"


def test_rebuild_is_byte_identical(layers: dict[str, Path], tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path / "elsewhere")
    result = build_layer(project, tmp_path / "out", *LAYERS["arm64"])
    assert result.returncode == 0, result.stderr[-4000:]
    assert Path(result.stdout.strip()).read_bytes() == layers["arm64"].read_bytes()


def test_a_dependency_without_a_wheel_fails_and_writes_nothing(tmp_path: Path) -> None:
    project = copy_project(REPO / "example-cli", tmp_path)
    pyproject = project / "pyproject.toml"
    # cffi 1.0.0 (2015) has no manylinux wheel: pip would have to build its sdist, which a layer never does.
    pyproject.write_text(pyproject.read_text().replace('requires-python = ">=3.9"', 'dependencies = ["cffi==1.0.0"]'))
    out = tmp_path / "out"
    out.mkdir()
    result = build_layer(project, out, "linux/arm64", "3.12")
    assert result.returncode == 1
    assert "cffi==1.0.0" in result.stderr
    assert "sdists are never built for a layer" in result.stderr
    assert list(out.iterdir()) == []
    assert result.stdout == ""
