"""The two ways a build tool runs pygo-tools: ``setup_py`` (``pygo_tools.setup()`` and the
setuptools commands it chains) and ``pep517`` (the hooks of ``pygo_tools.backend``). Both are thin
adapters onto ``pipeline.py``."""
