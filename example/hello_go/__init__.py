"""Go functions, called from Python through a cffi extension built by pygo-tools."""

from .wrapper import checksum_files, hello, parse_size, sha256

__all__ = ["checksum_files", "hello", "parse_size", "sha256"]
