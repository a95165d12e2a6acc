"""The universal wheel (``--target wasip1/wasm``): a py3-none-any wheel whose typed module has the
native API and runs Go through wasmtime, chosen by pip where no native wheel fits, passing the
typed-module tests (test_plain_go's rows and errors) on every interpreter the tests have."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_plain_go import ERRORS, ROWS

from conftest import (
    PROJECTS,
    REPO,
    SOURCE_DATE_EPOCH,
    clean_env,
    copy_project,
    make_venv,
    pip_install,
    pyenv_pythons,
    run_build,
    run_python,
)
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def wasm_cache() -> Iterator[None]:
    """Compiled modules in the repository's cache (shared by every interpreter), not in ~/.cache."""
    saved = os.environ.get("PYGO_TOOLS_WASM_CACHE")
    os.environ["PYGO_TOOLS_WASM_CACHE"] = str(REPO / ".cache" / "pygo-tools-wasm")
    yield
    if saved is None:
        os.environ.pop("PYGO_TOOLS_WASM_CACHE", None)
    else:
        os.environ["PYGO_TOOLS_WASM_CACHE"] = saved


def test_the_universal_wheel_is_pure_requires_wasmtime_and_has_the_native_api(plaingo_wheels: dict[str, Path]) -> None:
    universal, native = read_wheel(plaingo_wheels["universal"]), read_wheel(plaingo_wheels["native"])
    assert universal.path.name == "plaingo-0.1.0-py3-none-any.whl"
    assert universal.requires_dist == ["wasmtime>=50"]
    assert native.requires_dist == ["cffi>=1.15"], "built in the same command, each with its own"
    assert sorted(n for n in universal.names if not n.startswith("plaingo-0.1.0.dist-info/")) == [
        "plaingo/__init__.py",
        "plaingo/_native.py",
        "plaingo/api.py",
        "plaingo/api.pyi",
        "plaingo/lib/libplaingo.wasm",
    ]
    with zipfile.ZipFile(universal.path) as one, zipfile.ZipFile(native.path) as other:
        assert one.read("plaingo/api.pyi") == other.read("plaingo/api.pyi"), "the same API, to the stub"
        assert one.read("plaingo/lib/libplaingo.wasm").startswith(b"\0asm")


def test_pip_installs_the_native_wheel_here_and_the_universal_one_where_none_fits(
    plaingo_wheels: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "wheels"
    folder.mkdir()
    for wheel in plaingo_wheels.values():
        shutil.copy(wheel, folder)
    python = make_venv(tmp_path / "venv")
    pip_install(python, "--find-links", str(folder), "plaingo")  # cffi from the index
    installed = run_python(python, "-c", "import plaingo._native as n; print(n.__file__)", cwd=tmp_path)
    assert ".abi3." in installed.stdout, "the native wheel on this machine"
    elsewhere = {
        "musl Linux (Alpine)": ["--platform", "musllinux_1_2_x86_64", "--python-version", "3.12"],
        "PyPy": ["--platform", "manylinux2014_x86_64", "--implementation", "pp", "--python-version", "3.9"],
        "32-bit Windows": ["--platform", "win32", "--python-version", "3.11"],
    }
    for where, options in elsewhere.items():
        target = tmp_path / where.replace(" ", "-")
        command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
        command += ["--only-binary=:all:", "--no-index", "--find-links", str(folder), "--target", str(target)]
        done = subprocess.run([*command, *options, "plaingo"], capture_output=True, text=True, env=clean_env())
        assert done.returncode == 0, f"{where}: {done.stderr}"
        assert (target / "plaingo" / "_native.py").is_file(), f"{where}: the universal wheel"
        assert (target / "plaingo-0.1.0.dist-info" / "sboms" / "pygo-tools.cdx.json").is_file()


SUITE = """\
import json, os, signal, sys, threading, time
{prelude}
from plaingo import api
from plaingo.api import *

ROWS = {rows!r}
ERRORS = {errors!r}
failures = []


def outcome(expression):
    try:
        return repr(eval("(" + expression + ")"))
    except Exception as error:
        return type(error).__name__ + ": " + str(error)


for expression, expected in ROWS + ERRORS:
    got = outcome(expression)
    if got != expected and got != repr(expected):
        failures.append([expression, expected, got])

# Four threads at once: calls take turns, none sees another's data.
def work(n):
    for i in range(200):
        words = [str(n)] * (i % 7)
        if api.Split(",".join(words), ",") != (words or [""]) or api.Total(range(i)) != i * (i - 1) // 2:
            failures.append(["thread", n, i])
threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]

# Ctrl-C cancels a cancellable call; Go sees ctx.Done(); the next call works.
before = api.Cancelled()
threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
start = time.monotonic()
try:
    api.Sleep(5.0)
    failures.append(["not interrupted"])
except KeyboardInterrupt:
    if time.monotonic() - start > 2.5:
        failures.append(["interrupted late", time.monotonic() - start])
if api.Cancelled() - before != 1 or api.Sleep(0.01) != "slept":
    failures.append(["after Ctrl-C", api.Cancelled() - before])
gil = getattr(sys, "_is_gil_enabled", lambda: None)()
print(json.dumps({{"failures": failures, "gil": gil, "implementation": sys.implementation.name}}))
"""


def interpreter(name: str) -> Path:
    """The interpreter the tests know by ``name``; set up (and cached) on first use, or a skip."""
    from support import pythons

    if name in ("3.14", "3.15"):
        return pythons.debian_python(name)
    if name == "3.13t":
        return pythons.free_threaded_python()
    if name == "pypy":
        if shutil.which("pypy3") is None:
            pythons._apt_install(["pypy3", "pypy3-venv"])  # Debian's PyPy 7.3 (Python 3.9)
        return Path(shutil.which("pypy3") or "pypy3")
    found = pyenv_pythons().get(name)
    if found is None:
        pytest.skip(f"no CPython {name} here (pyenv has none)")
    return Path(found)


INTERPRETERS = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "3.13t", "pypy"]


@pytest.mark.parametrize("name", [*INTERPRETERS, "3.11 without wasmtime's private API"])
def test_the_typed_module_tests_pass_on_every_interpreter(
    plaingo_wheels: dict[str, Path], tmp_path: Path, name: str
) -> None:
    import json

    from support import pythons

    python = pythons.make_venv(interpreter(name.split()[0]), tmp_path / "venv")
    pip_install(python, "--no-compile", str(plaingo_wheels["universal"]))  # and wasmtime, from the index
    prelude = "import plaingo._native as n; n._call_unchecked = None" if "private" in name else ""
    script = SUITE.format(prelude=prelude, rows=ROWS, errors=ERRORS)
    result = run_python(python, "-c", script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failures"] == []
    assert report["implementation"] == ("pypy" if name == "pypy" else "cpython")
    if name == "3.13t":
        assert report["gil"] is False, "the universal wheel keeps the GIL off"


@pytest.fixture(scope="module")
def wasmhost(
    wasmhost_wheels: dict[str, Path], plaingo_wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One venv with the universal wheels of wasmhost and plaingo (and wasmtime), for the tests
    below: a venv with wasmtime costs seconds."""
    python = make_venv(tmp_path_factory.mktemp("wasmhost") / "venv")
    pip_install(python, str(wasmhost_wheels["universal"]), str(plaingo_wheels["universal"]))
    return python


def call(python: Path, cwd: Path, code: str) -> subprocess.CompletedProcess[str]:
    result = run_python(python, "-c", "from wasmhost import api\n" + code, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_go_sees_the_files_environment_and_output_native_go_would(wasmhost: Path, tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("from Python")
    code = (
        "import os\n"
        "print(api.ReadText('in.txt'), api.ReadText(os.path.abspath('in.txt')), sep='|')\n"
        "api.WriteText('out.txt', 'from Go')\n"
        "print(api.Env('PYGO_PROBE'), flush=True)\n"
        "api.Say('hello')\n"
        "try:\n    api.ReadText('/no/such/file')\nexcept api.GoError as error:\n    print(error)\n"
    )
    env_probe = {"PYGO_PROBE": "seen"}
    result = subprocess.run(
        [str(wasmhost), "-I", "-c", "from wasmhost import api\n" + code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**clean_env(), **env_probe},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "from Python|from Python",
        "seen",
        "go says: hello",
        "open /no/such/file: No such file or directory",
    ]
    assert (tmp_path / "out.txt").read_text() == "from Go"


def test_an_exit_or_a_fatal_error_of_go_raises_and_the_next_call_starts_afresh(wasmhost: Path, tmp_path: Path) -> None:
    code = (
        "print(api.Count(), api.Count())\n"
        "for f, args in ((api.Exit, (3,)), (api.PanicElsewhere, ())):\n"
        "    try:\n        f(*args)\n    except api.GoPanic as error:\n        print(error)\n"
        "    print(api.Count())\n"
    )
    result = call(wasmhost, tmp_path, code)
    restarted = "; the Go runtime of wasmhost stopped (Go prints why on stderr; its state is lost: "
    restarted += "the next call starts it again)"
    assert result.stdout.splitlines() == [
        "1 2",
        "Go exited with code 3" + restarted,
        "1",
        "the Go code trapped: wasm trap: wasm `unreachable` instruction executed" + restarted,
        "1",
    ]
    assert "panic: in another goroutine" in result.stderr


def test_buffers_pointers_and_extreme_numbers_cross_as_natively(wasmhost: Path, tmp_path: Path) -> None:
    code = (
        "b = bytearray(3); api.Fill(b, 7); m = memoryview(bytearray(4))[1:3]; api.Fill(m, 9)\n"
        "print(bytes(b), m.obj, api.Checksum(b'\\x01\\x02\\x03'), api.Sha256(b'')[:12])\n"
        "print(api.Extremes(2**64 - 1, -128, 1.5), api.Nap(1))\n"
        "for bad in ('api.Fill(b\"abc\", 1)', 'api.Extremes(2**64, 0, 0.0)', 'api.Extremes(0, 128, 0.0)'):\n"
        "    try:\n        eval(bad)\n    except (TypeError, OverflowError) as error:\n"
        "        print(type(error).__name__, error)\n"
    )
    assert call(wasmhost, tmp_path, code).stdout.splitlines() == [
        "b'\\x07\\x07\\x07' bytearray(b'\\x00\\t\\t\\x00') 6 e3b0c44298fc",
        "(18446744073709551615, 128, 3.0, True) 1",
        "TypeError Fill() argument 'buf': expected a writable bytes-like object (bytearray, or a memoryview of one), "
        "got bytes",
        "OverflowError Extremes() argument 'u': 18446744073709551616 does not fit in uint64 "
        "(0 to 18446744073709551615)",
        "OverflowError Extremes() argument 'i': 128 does not fit in int8 (-128 to 127)",
    ]


def test_what_webassembly_cannot_do_says_so(wasmhost: Path, tmp_path: Path) -> None:
    code = (
        "try:\n    api.Twice(2)\nexcept NotImplementedError as error:\n    print(error)\n"
        "try:\n    from wasmhost._native import lib\nexcept ImportError as error:\n    print(error)\n"
    )
    assert call(wasmhost, tmp_path, code).stdout.splitlines() == [
        'Twice() is not in the universal (WebAssembly) wheel of wasmhost: its file imports "C" (cgo), which a '
        "WebAssembly build leaves out; install a native wheel to call it",
        "wasmhost._native.lib: this is the universal (WebAssembly) wheel, which has no C library; call the typed "
        "module's functions, or install a native wheel for raw cffi calls",
    ]


def test_the_universal_wheel_is_byte_identical_when_rebuilt_elsewhere(
    plaingo_wheels: dict[str, Path], tmp_path: Path
) -> None:
    project = copy_project(PROJECTS / "plaingo", tmp_path / "another" / "place")
    result = run_build(
        project, tmp_path / "out", "--target", "wasip1/wasm", env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rebuilt = Path(result.stdout.strip())
    assert rebuilt.read_bytes() == plaingo_wheels["universal"].read_bytes()


def test_a_sandbox_with_no_home_still_runs_without_a_cache(wasmhost: Path, tmp_path: Path) -> None:
    """No writable cache (a read-only home, a container): compiled in memory, still correct."""
    env = {**clean_env(), "PYGO_TOOLS_WASM_CACHE": "0"}
    done = subprocess.run(
        [str(wasmhost), "-I", "-c", "from plaingo import api; print(api.Total([1, 2]))"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.stdout.strip() == "3", done.stderr


def test_two_universal_packages_work_together_under_threads(wasmhost: Path, tmp_path: Path) -> None:
    """test_two_packages.py's test, with both packages' universal wheels: two wasmtime instances."""
    import json

    from test_two_packages import THREADS

    result = run_python(wasmhost, "-c", THREADS, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"failures": [], "done": [300] * 8, "after": [3, 1]}


def test_the_example_builds_a_universal_wheel_whose_plain_go_runs(tmp_path: Path) -> None:
    from conftest import EXAMPLE

    project = copy_project(EXAMPLE, tmp_path)
    result = run_build(project, tmp_path / "out", "--target", "wasip1/wasm")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "typed module: Hello: not in the universal wheel: its file imports" in result.stderr
    assert "wrote hello_go.api: 5 typed functions over WebAssembly" in result.stderr
    assert "typed module: NewHasher: not in the universal wheel: Go objects, callbacks and iterators" in result.stderr
    python = make_venv(tmp_path / "venv")
    pip_install(python, result.stdout.strip())
    (tmp_path / "a.txt").write_text("a")
    code = (
        "import hashlib, hello_go\n"
        "assert hello_go.sha256(b'abc') == hashlib.sha256(b'abc').hexdigest()\n"
        "print(hello_go.checksum_files(['a.txt'])['a.txt'][:12], hello_go.parse_size('2M'))\n"
        "try:\n    hello_go.hello('Go')\nexcept NotImplementedError as error:\n    print(type(error).__name__)\n"
    )
    run = run_python(python, "-c", code, cwd=tmp_path)
    assert run.stdout.split() == ["ca978112ca1b", "2097152", "NotImplementedError"], run.stderr


def test_big_and_odd_buffers_and_fork(wasmhost: Path, tmp_path: Path) -> None:
    code = (
        "import hashlib, os, sys\n"
        "big = os.urandom(24 << 20)\n"
        "print(api.Sha256(big) == hashlib.sha256(big).hexdigest(), api.Sha256(b'a')[:8])\n"  # grows, then shrinks
        "try:\n    api.Sha256(memoryview(b'abcdef')[::2])\nexcept ValueError as error:\n    print(error)\n"
        "sys.stdout.flush()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    try:\n        api.Count()\n"
        "    except api.GoForkError as error:\n        print(str(error)[:60], flush=True)\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "print(api.Count() > 0)\n"
    )
    assert call(wasmhost, tmp_path, code).stdout.splitlines() == [
        "True ca978112",
        "Sha256() argument 'data': the buffer must be contiguous",
        "this process was forked after wasmhost started the Go runtim",
        "True",
    ]


def test_memory_stays_flat_over_many_calls(wasmhost: Path, tmp_path: Path) -> None:
    code = (
        "import resource\n"
        "def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "s = 'x' * 1000\n"
        "for _ in range(15000): api.Env(s); api.Sha256(s.encode())\n"  # Go's heap settles
        "before = rss()\n"
        "for _ in range(30000): api.Env(s); api.Sha256(s.encode())\n"
        "print(rss() - before)\n"
    )
    grew = int(call(wasmhost, tmp_path, code).stdout.strip())
    assert grew < 2048, f"grew {grew} KB over 60,000 calls with 1 KB strings"


def test_a_damaged_cached_module_is_compiled_again(wasmhost: Path, tmp_path: Path) -> None:
    python = wasmhost
    cache = tmp_path / "cache"
    env = {**clean_env(), "PYGO_TOOLS_WASM_CACHE": str(cache)}
    command = [str(python), "-I", "-c", "from plaingo import api; print(api.Total([1, 2]))"]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert first.stdout.strip() == "3", first.stderr
    (cached,) = cache.glob("*.cwasm")
    assert cache.stat().st_mode & 0o777 == 0o700 and cached.stat().st_mode & 0o777 == 0o600
    size = cached.stat().st_size
    cached.write_bytes(cached.read_bytes()[: size // 2])  # as by a crash or a full disk
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert again.stdout.strip() == "3", again.stderr
    assert cached.stat().st_size == size, "compiled again and cached whole"


def test_go_error_variables_raise_their_classes_as_natively(
    wasmhost: Path, wasmhost_wheels: dict[str, Path], tmp_path: Path
) -> None:
    """The same code on the universal and the native wheel prints the same lines: the most
    specific class, the wrapping one a subclass of the wrapped one, a variable from a cgo file
    (left out of WebAssembly) never matched, a plain error a plain GoError."""
    code = (
        "print(api.ErrNoUser.__mro__[1].__name__, issubclass(api.ErrCgoOnly, api.GoError))\n"
        "for call in (api.Lookup, api.LookupWithin):\n"
        "    for key in ('bob', '', 'c', 'x'):\n"
        "        try:\n            call(key)\n"
        "        except api.ErrMissing as e:\n            print(type(e).__name__, isinstance(e, api.ErrMissing), e)\n"
        "        except api.GoError as e:\n            print(type(e).__name__, e)\n"
        "    print(call('alice'))\n"
    )
    code += (
        "try:\n    api.GoexitWithin()\nexcept api.GoPanic as e:\n    print('GoPanic', e)\n"
        "before = api.Count()\n"
        "try:\n    api.PanicBadError()\nexcept api.GoPanic as e:\n    print('GoPanic', e)\n"
        "print('Go state kept', api.Count() == before + 1)\n"
    )  # runtime.Goexit in a cancellable call is an error, not a silent zero; a panic whose value's
    # Error() panics too is one GoPanic, and Go goes on (both wheels)
    universal = call(wasmhost, tmp_path, code).stdout.splitlines()
    native_python = make_venv(tmp_path / "native")
    pip_install(native_python, str(wasmhost_wheels["native"]))
    native = call(native_python, tmp_path, code).stdout.splitlines()
    expected = ["ErrMissing True"] + 2 * [
        'ErrNoUser True lookup "bob": no user: missing',
        "ErrMissing True lookup: empty key: missing",
        "GoError cgo only",
        "GoError plain",
        "found alice",
    ] + [
        "GoPanic the function called runtime.Goexit instead of returning",
        "GoPanic panic with a value whose Error or String method panicked too (a nil pointer?)",
        "Go state kept True",
    ]
    assert universal == expected
    assert native == expected
