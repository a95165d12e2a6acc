from ._binaries import binary_path, run

__all__ = ["binary_path", "run"]
