"""A project that wraps a third-party Go module: `go get`, build, an sdist that builds offline.

The module (tests/projects/gomods/greet) is served by a local file:// GOPROXY into a module
cache of the test's own, or used through a `replace`; nothing touches the network. Building
from the sdist runs with GOPROXY=off and an empty module cache: only what the sdist carries.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import goproxy
from conftest import PROJECTS, copy_project, run_build

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GREET = PROJECTS / "gomods" / "greet"


def go_binary() -> str:
    from pygo_tools.steps.toolchain import find_go

    return str(find_go().path)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("goproxy")
    goproxy.publish(root, GREET, "example.com/greet", "v1.0.0")
    return root


def online(proxy: Path, cache: Path) -> dict[str, str]:
    """Go fetches from the test's proxy into ``cache``."""
    return goproxy.environment(proxy, cache)


def offline(cache: Path) -> dict[str, str]:
    """No proxy and an empty module cache: only what the project (or sdist) carries."""
    cache.mkdir(parents=True, exist_ok=True)
    return {"GOPROXY": "off", "GOSUMDB": "off", "GOMODCACHE": str(cache), "GOFLAGS": "-modcacherw"}


def go(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run([go_binary(), *args], cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def call_wheel(wheel: Path, tmp_path: Path, code: str) -> str:
    """Run ``code`` with the wheel unpacked on sys.path (this interpreter has cffi)."""
    site = tmp_path / f"site-{wheel.stem}"
    shutil.rmtree(site, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r})\n{code}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def make_sdist(project: Path, out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(out), str(project)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )


def sdist_members(sdist: Path) -> dict[str, bytes]:
    with tarfile.open(sdist) as archive:
        return {
            m.name.split("/", 1)[1]: archive.extractfile(m).read()  # type: ignore[union-attr]
            for m in archive.getmembers()
            if m.isfile()
        }


def wheel_from_sdist(sdist: Path, out: Path, env: dict[str, str]) -> Path:
    """pip builds the sdist as a user's pip would (no isolation: pygo-tools is this checkout)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-w", str(out), str(sdist)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = out.glob("godeps-*.whl")
    return wheel


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "build" not in path.relative_to(folder).parts[:1]:
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


CALL = "from godeps import api; print(api.Greet('go', False), api.Greet('go', True))"


def test_go_get_build_and_an_sdist_that_builds_offline(proxy: Path, tmp_path: Path) -> None:
    project = copy_project(PROJECTS / "godeps", tmp_path)
    go_dir = project / "godeps" / "go"
    cache = tmp_path / "modcache"

    missing = run_build(project, tmp_path / "dist0", env=online(proxy, cache))
    assert missing.returncode == 1
    assert "go.mod does not require a module that provides example.com/greet" in missing.stderr
    assert "go get example.com/greet" in missing.stderr and "fix the Go code" not in missing.stderr

    go(["get", "example.com/greet@v1.0.0"], go_dir, online(proxy, cache))  # as the docs say
    built = run_build(project, tmp_path / "dist1", env=online(proxy, cache))
    assert built.returncode == 0, built.stderr[-3000:]
    assert call_wheel(Path(built.stdout.split()[-1]), tmp_path, CALL) == "hello, go HELLO, GO!"

    before = tree_digest(project)
    made = make_sdist(project, tmp_path / "sdist", online(proxy, cache))
    assert made.returncode == 0, made.stderr[-3000:]
    assert tree_digest(project) == before, "the user's tree is untouched (vendoring happens in the sdist's copy)"
    assert not (go_dir / "vendor").exists()
    (sdist,) = (tmp_path / "sdist").glob("godeps-*.tar.gz")
    members = sdist_members(sdist)
    assert "godeps/go/vendor/example.com/greet/greet.go" in members
    assert b"# example.com/greet v1.0.0" in members["godeps/go/vendor/modules.txt"]
    assert members["godeps/go/go.mod"] == (go_dir / "go.mod").read_bytes()

    wheel = wheel_from_sdist(sdist, tmp_path / "from-sdist", offline(tmp_path / "empty-cache"))
    assert call_wheel(wheel, tmp_path, CALL) == "hello, go HELLO, GO!"


def test_a_missing_module_says_so_and_names_the_fixes(proxy: Path, tmp_path: Path) -> None:
    project = copy_project(PROJECTS / "godeps", tmp_path)
    go_dir = project / "godeps" / "go"
    go(["get", "example.com/greet@v1.0.0"], go_dir, online(proxy, tmp_path / "modcache"))
    empty = offline(tmp_path / "empty-cache")

    result = run_build(project, tmp_path / "dist", env=empty)
    assert result.returncode == 1
    error = result.stderr[result.stderr.index("pygo-tools: error:") :]
    assert "hint: the Go module example.com/greet@v1.0.0 is missing" in error, error
    for fix in ("GOPROXY", "(cd godeps/go && go mod download)", "(cd godeps/go && go mod vendor)"):
        assert fix in error
    assert "fix the Go code" not in error and "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.whl"))

    made = make_sdist(project, tmp_path / "sdist", empty)
    assert made.returncode != 0
    assert "pygo-tools: error: the sdist must carry the Go module's dependencies" in made.stderr
    assert "(cd godeps/go && go mod download)" in made.stderr and "Traceback" not in made.stderr
    assert not list((tmp_path / "sdist").glob("*.tar.gz"))


@pytest.mark.parametrize("where", ["outside", "inside"])
def test_a_local_replace_travels_in_the_sdist(tmp_path: Path, where: str) -> None:
    project = copy_project(PROJECTS / "godeps", tmp_path)
    go_dir = project / "godeps" / "go"
    dependency = (tmp_path / "elsewhere" / "greet") if where == "outside" else (project / "third_party" / "greet")
    shutil.copytree(GREET, dependency)
    written = str(dependency) if where == "outside" else "../../third_party/greet"
    empty = offline(tmp_path / "empty-cache")
    go(["mod", "edit", "-require=example.com/greet@v1.0.0", f"-replace=example.com/greet={written}"], go_dir, empty)

    made = make_sdist(project, tmp_path / "sdist", empty)
    assert made.returncode == 0, made.stderr[-3000:]
    (sdist,) = (tmp_path / "sdist").glob("godeps-*.tar.gz")
    members = sdist_members(sdist)
    go_mod = members["godeps/go/go.mod"].decode()
    modules = members["godeps/go/vendor/modules.txt"].decode()
    assert str(tmp_path) not in go_mod + modules, "no path of this machine ships"
    if where == "outside":
        assert "example.com/greet => ./_pygo_replaced/0-example.com_greet" in go_mod
        assert "godeps/go/_pygo_replaced/0-example.com_greet/greet.go" in members
    else:
        assert "example.com/greet => ../../third_party/greet" in go_mod
        assert "third_party/greet/greet.go" in members and "third_party/greet/go.mod" in members
    assert (go_dir / "go.mod").read_text().count(written) == 1, "the user's go.mod is unchanged"

    shutil.rmtree(dependency)  # the sdist must not need it
    wheel = wheel_from_sdist(sdist, tmp_path / "from-sdist", empty)
    assert call_wheel(wheel, tmp_path, CALL) == "hello, go HELLO, GO!"
