"""pygo-tools: build Go code into pip-installable Python extensions (cffi, abi3, manylinux)."""

from __future__ import annotations

from typing import Any

from .util.version import __version__

__all__ = ["__version__", "setup"]


def setup(**kwargs: Any) -> Any:
    """Drop-in for ``setuptools.setup`` that also builds the Go library and its extension."""
    from .frontends.setup_py import setup as _setup

    return _setup(**kwargs)
