"""The steps of a build, each a function with typed inputs and a small result: the configuration
(``config``), the Go module's files (``sources``), Go (``toolchain``), the Go library (``golib``,
with ``header``), the extension (``extension``, with ``declarations``), the typed module
(``typed_module``) and Go programs (``programs``). ``pygo_tools/pipeline.py`` runs them in order.

(Not named ``build/``: ``.gitignore``'s ``build/`` would hide such a folder from git.)
"""
