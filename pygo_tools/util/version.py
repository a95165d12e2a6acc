"""pygo-tools' own version (``pygo_tools.__version__``), importable without anything else."""

__version__ = "0.2.0"
