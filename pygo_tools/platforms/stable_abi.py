"""The CPython stable ABI at a ``limited_api`` floor: which names an abi3 extension may import.

The names come from ``data/stable_abi.txt`` (CPython's own manifest, checked against the
python3.dll that python.org ships; the file's header says how). Windows links the extension
against an import library of exactly these names, so newer API fails at link time; the macOS
checks accept an undefined symbol of the extension only when it is one of them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from ..errors import BuildError

Version = tuple[int, int]

# Feature macros that a release build of CPython does not define on any platform we build for
# (debug builds and stack checks), and the one that only Windows defines.
_NEVER = frozenset({"Py_REF_DEBUG", "Py_TRACE_REFS", "USE_STACKCHECK"})
_WINDOWS_ONLY = frozenset({"MS_WINDOWS"})
# python3.dll before 3.8 was not sampled: the data cannot say what it exports.
OLDEST_WINDOWS_FLOOR: Version = (3, 8)


@dataclass(frozen=True)
class StableName:
    """One function or data object exported by CPython under the stable ABI."""

    name: str
    kind: str  # "function" or "data"
    added: Version
    ifdef: str  # feature macro it depends on, "" if none
    windows: Version | None  # first CPython whose python3.dll exports it; None: never

    @property
    def is_data(self) -> bool:
        return self.kind == "data"


def _version(text: str) -> Version:
    major, minor = text.split(".")
    return int(major), int(minor)


@functools.lru_cache(maxsize=1)
def stable_names() -> tuple[StableName, ...]:
    text = resources.files(__package__).joinpath("data/stable_abi.txt").read_text(encoding="utf-8")
    names = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, kind, added, ifdef, windows = line.split()
        names.append(
            StableName(
                name=name,
                kind=kind,
                added=_version(added),
                ifdef="" if ifdef == "-" else ifdef,
                windows=None if windows == "-" else _version(windows),
            )
        )
    return tuple(names)


def newest_version() -> Version:
    return max(name.added for name in stable_names())


def names_at(floor: Version, goos: str) -> list[StableName]:
    """The stable-ABI names an extension for ``goos`` with this ``limited_api`` floor may use.

    On Windows, a name counts only once python3.dll of the floor's release exports it (3.8's and
    3.9's lack some the manifest dates earlier: importing them would fail when the module loads).
    """
    newest = newest_version()
    if floor > newest:
        raise BuildError(
            f"limited_api {floor[0]}.{floor[1]}: pygo-tools knows the stable ABI up to {newest[0]}.{newest[1]} only",
            hint=f"set limited_api to {newest[0]}.{newest[1]} or older, or upgrade pygo-tools",
        )
    if goos == "windows":
        if floor < OLDEST_WINDOWS_FLOOR:
            oldest = f"{OLDEST_WINDOWS_FLOOR[0]}.{OLDEST_WINDOWS_FLOOR[1]}"
            raise BuildError(
                f"limited_api {floor[0]}.{floor[1]}: Windows wheels need limited_api {oldest} or newer",
                hint=f"pygo-tools checks Windows imports against python3.dll of CPython {oldest} and later; "
                f'set "limited_api": "{oldest}" (or newer) to build for Windows',
            )
        return [n for n in stable_names() if n.windows is not None and n.windows <= floor and n.added <= floor]
    excluded = _NEVER | _WINDOWS_ONLY
    return [n for n in stable_names() if n.added <= floor and n.ifdef not in excluded]
