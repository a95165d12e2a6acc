"""The command line: ``pygo-tools build``, ``config``, ``develop``, ``new``, ``generate-ci`` and
``lambda-layer``, one module each; ``app.py`` builds the parser and reports errors."""

from .app import main

__all__ = ["main"]
