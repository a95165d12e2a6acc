"""Go functions, called from Python through a cffi extension built by pygo-tools."""

try:
    from .wrapper import checksum_files, hello, lines, parse_size, sha256, sha256_stream
except ImportError:
    from pathlib import Path as _Path

    _here = _Path(__file__).parent
    if (_here / "api.py").exists():
        raise
    raise ImportError(
        f"{__name__} is imported from its source folder {_here}, where nothing is built: run "
        "`pygo-tools develop` in the project to build it in place, or run Python from another folder "
        "to use the installed package"
    ) from None

__all__ = ["checksum_files", "hello", "lines", "parse_size", "sha256", "sha256_stream"]
