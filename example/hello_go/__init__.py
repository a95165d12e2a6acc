"""Go functions, called from Python through a cffi extension built by pygo-tools."""

from .wrapper import checksum_files, hello, lines, parse_size, sha256, sha256_stream

__all__ = ["checksum_files", "hello", "lines", "parse_size", "sha256", "sha256_stream"]
