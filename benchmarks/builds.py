"""Build times and wheel sizes for the example, against pygo-tools 0.1.8 on the same Go code.

pygo-tools: `pygo-tools build` of a copy of example/. pygo-tools 0.1.8 (installed from PyPI
into its own venv): `python setup.py bdist_wheel` of the same Go code in a project of its own
kind (setup.py, config.json with signatures, a Makefile in the Go folder). "raw" is what
pygo-tools drives, timed alone: the same `go build` command and a plain compile and link of
the generated cffi C source. Clean builds use an empty GOCACHE each; rebuilds keep it.
pygo-tools' exports generator (built once per machine and Go version, kept in its own cache)
is built before the timings start.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import REPO, WORK, env, go_binary, machine, median_seconds, table, targets

EXAMPLE = REPO / "example"
SIGNATURES = [
    "char* Hello(char* name, int count);",
    "void free(void *ptr);",
]


def timed(command: list[str], cwd: Path, environment: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def fresh_copy(name: str) -> Path:
    project = WORK / "builds" / name
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "out"))
    return project


def legacy_project() -> Path:
    """The example's Go code as a pygo-tools 0.1.8 project."""
    project = fresh_copy("legacy")
    (project / "pyproject.toml").unlink()
    (project / "config.json").write_text(
        json.dumps({"package": "hello_go", "extension": "_hello_native", "library": "hello", "signatures": SIGNATURES})
    )
    (project / "hello_go" / "go" / "Makefile").write_text(
        "local/libhello.so: *.go\n\tgo build -buildmode=c-shared -o local/libhello.so .\n"
    )
    for name in ("__init__.py", "wrapper.py"):
        (project / "hello_go" / name).write_text("")
    # 0.1.8 leaves the library out of the wheel unless the project lists it as package data.
    (project / "setup.py").write_text(
        "from pygo_tools import setup\n\nsetup(name='hello-go', version='0.1.0', packages=['hello_go'],\n"
        "      package_data={'hello_go': ['lib/*.so']})\n"
    )
    return project


def legacy_venv() -> Path:
    venv = WORK / "legacy-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "pygo-tools==0.1.8"], check=True)
    return python


def develop_setup() -> tuple[Path, Path]:
    """A copy of the example and a venv with pygo-tools (this checkout) for `pygo-tools develop`."""
    project = fresh_copy("develop")
    venv = WORK / "develop-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-e", f"{REPO}[go]"], check=True)
    return project, python


EDITS = iter(range(1, 1000))


def edit_go(project: Path) -> int:
    """A one-line change to the greeting, different each time, so that Go's cache misses."""
    number = next(EDITS)
    source = project / "hello_go" / "go" / "hello.go"
    text = re.sub(r'"Hello[^"]*, "', f'"Hello there {number}, "', source.read_text(), count=1)
    source.write_text(text)
    return number


def raw_build(project: Path, environment: dict[str, str]) -> float:
    """The go build pygo-tools runs plus compiling and linking the cffi source, nothing else."""
    out = WORK / "raw"
    out.mkdir(parents=True, exist_ok=True)
    c_source = next((project / "build").rglob("hello_go__native.c"))
    overlay = next((project / "build").rglob("overlay.json"))  # the generated exports, as pygo-tools adds them
    include = subprocess.run(
        [sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    start = time.perf_counter()
    subprocess.run(
        [
            str(go_binary()),
            "build",
            "-buildmode=c-shared",
            "-trimpath",
            "-buildvcs=false",
            "-ldflags=-s -w -extldflags=-s",
            f"-overlay={overlay}",
            "-o",
            str(out / "libhello.so"),
            ".",
        ],
        cwd=project / "hello_go" / "go",
        env=environment,
        check=True,
    )
    subprocess.run(
        [
            "cc",
            "-shared",
            "-fPIC",
            "-O2",
            "-DPy_LIMITED_API=0x03090000",
            f"-I{include}",
            f"-I{out}",
            str(c_source),
            f"-L{out}",
            "-lhello",
            "-Wl,-rpath,$ORIGIN/lib",
            "-o",
            str(out / "ext.so"),
        ],
        env=environment,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    ours = fresh_copy("pygo")
    legacy = legacy_project()
    legacy_python = legacy_venv()
    cache = WORK / "gocache"
    # pygo-tools' own cache holds the exports generator, built once per machine and Go version
    # (about 12 s with a cold Go cache); it is primed here, outside the timings.
    os.environ["PYGO_TOOLS_CACHE"] = str(WORK / "pygo-tools-cache")
    from pygo_tools.steps.toolchain import find_go
    from pygo_tools.typed.generator import generator_binary

    go = find_go()
    generator_binary(go.path, go.version, "")
    build = [sys.executable, "-m", "pygo_tools", "build", str(ours), "--out", str(ours / "dist")]
    legacy_build = [str(legacy_python), "setup.py", "bdist_wheel"]
    legacy_path = f"{legacy_python.parent}:{go_binary().parent}:{os.environ['PATH']}"

    rows = []
    shutil.rmtree(cache, ignore_errors=True)
    ours_env = env(GOCACHE=str(cache / "ours"))
    legacy_env = env(GOCACHE=str(cache / "legacy"), PATH=legacy_path)
    ours_clean = timed(build, REPO, ours_env)
    legacy_clean = timed(legacy_build, legacy, legacy_env)
    ours_warm = median_seconds(lambda: timed(build, REPO, ours_env), 3)
    legacy_warm = median_seconds(lambda: timed(legacy_build, legacy, legacy_env), 3)
    raw_warm = median_seconds(lambda: raw_build(ours, ours_env), 3)
    edit_go(ours)
    edit_go(legacy)
    ours_edit = timed(build, REPO, ours_env)
    legacy_edit = timed(legacy_build, legacy, legacy_env)
    edit_go(ours)  # a second edit for the raw figure: the cache must miss again
    raw_edit = raw_build(ours, ours_env)
    shutil.rmtree(cache / "raw", ignore_errors=True)
    raw_clean = raw_build(ours, env(GOCACHE=str(cache / "raw")))
    develop_project, develop_python = develop_setup()
    develop = [str(develop_python.parent / "pygo-tools"), "develop", str(develop_project)]
    timed(develop, REPO, ours_env)  # the editable install itself (pip), once
    check = [str(develop_python), "-c", "import hello_go; print(hello_go.hello('x'))"]
    develop_samples, raw_samples = [], []
    for _ in range(3):  # interleaved, each after its own edit (Go's cache must miss); the first follows pip
        number = edit_go(develop_project)
        develop_samples.append(timed(develop, REPO, ours_env))
        greeting = subprocess.run(check, capture_output=True, text=True, cwd=WORK).stdout
        assert f"Hello there {number}, x!" in greeting, f"develop saw edit {number}: {greeting!r}"
        edit_go(develop_project)
        raw_samples.append(raw_build(develop_project, ours_env))
    develop_edit, develop_raw = statistics.median(develop_samples), statistics.median(raw_samples)
    # The edit loop with no command: edit Go, run Python; the editable install's import hook
    # rebuilds on the first import. Against the raw tools plus the same Python run.
    hook_samples, plain_samples = [], []
    for _ in range(3):
        number = edit_go(develop_project)
        start = time.perf_counter()
        greeting = subprocess.run(check, capture_output=True, text=True, cwd=WORK)
        hook_samples.append(time.perf_counter() - start)
        assert f"Hello there {number}, x!" in greeting.stdout, f"the import saw edit {number}: {greeting.stderr!r}"
        assert "rebuilding" in greeting.stderr, greeting.stderr
        plain_samples.append(timed(check, WORK, ours_env))
    hook_edit = statistics.median(hook_samples)
    hook_raw = develop_raw + statistics.median(plain_samples)
    arm = fresh_copy("arm64")
    cross = [
        sys.executable,
        "-m",
        "pygo_tools",
        "build",
        str(arm),
        "--out",
        str(arm / "dist"),
        "--target",
        "linux/arm64",
    ]
    cross_first = timed(cross, REPO, ours_env)
    cross_warm = median_seconds(lambda: timed(cross, REPO, ours_env), 3)

    rows = [
        [
            "clean (empty Go cache)",
            f"{ours_clean:.1f}",
            f"{raw_clean:.1f}",
            f"{ours_clean / raw_clean - 1:+.0%}",
            f"{legacy_clean:.1f}",
        ],
        [
            "rebuild, no change",
            f"{ours_warm:.1f}",
            f"{raw_warm:.1f}",
            f"{ours_warm / raw_warm - 1:+.0%}",
            f"{legacy_warm:.1f}",
        ],
        [
            "rebuild after a one-line Go edit",
            f"{ours_edit:.1f}",
            f"{raw_edit:.1f}",
            f"{ours_edit / raw_edit - 1:+.0%}",
            f"{legacy_edit:.1f}",
        ],
        [
            "`pygo-tools develop` after a one-line Go edit (median of 3)",
            f"{develop_edit:.1f}",
            f"{develop_raw:.1f}",
            f"{develop_edit / develop_raw - 1:+.0%}",
            "",
        ],
        [
            "edit Go, run Python: the import rebuilds (median of 3)",
            f"{hook_edit:.1f}",
            f"{hook_raw:.1f}",
            f"{hook_edit / hook_raw - 1:+.0%}",
            "",
        ],
        ["cross linux/arm64, first (warm Go cache)", f"{cross_first:.1f}", "", "", "not supported"],
        ["cross linux/arm64, rebuild", f"{cross_warm:.1f}", "", "", "not supported"],
    ]
    print(f"### Build time of the example, seconds ({machine()})\n")
    print(table(["build", "pygo-tools", "raw go build + cc", "pygo-tools overhead", "pygo-tools 0.1.8"], rows))
    overhead = ours_clean / raw_clean - 1
    print(
        targets(
            ("overhead over the raw tools < 20% (clean build)", overhead < 0.2, f"{overhead:+.0%}"),
            ("no-change `pygo-tools build` within 1.5 s", ours_warm <= 1.5, f"{ours_warm:.2f} s"),
            (
                "`pygo-tools develop` after a Go edit within 1.5× the raw go build + cc",
                develop_edit / develop_raw <= 1.5,
                f"{develop_edit / develop_raw:.2f}× ({develop_edit:.2f} s vs {develop_raw:.2f} s)",
            ),
            (
                "edit to result through the import hook within 1.5× the raw go build + cc + python",
                hook_edit / hook_raw <= 1.5,
                f"{hook_edit / hook_raw:.2f}× ({hook_edit:.2f} s vs {hook_raw:.2f} s)",
            ),
        )
    )

    ours_wheel = next((ours / "dist").glob("*.whl"))
    arm_wheel = next((arm / "dist").glob("*.whl"))
    legacy_wheel = next((legacy / "dist").glob("*.whl"))
    sizes = [
        ["pygo-tools, linux/amd64 (host gcc)", ours_wheel.name, f"{ours_wheel.stat().st_size / 1e6:.2f}"],
        ["pygo-tools, linux/arm64 (zig)", arm_wheel.name, f"{arm_wheel.stat().st_size / 1e6:.2f}"],
        ["pygo-tools 0.1.8, linux/amd64", legacy_wheel.name, f"{legacy_wheel.stat().st_size / 1e6:.2f}"],
    ]
    print("\n### Wheel size of the example, MB\n")
    print(table(["build", "wheel", "MB"], sizes))
    largest = max(ours_wheel.stat().st_size, arm_wheel.stat().st_size) / 1e6
    print(targets(("wheel under 0.8 MB (stripping on by default)", largest < 0.8, f"largest {largest:.2f} MB")))


if __name__ == "__main__":
    main()
