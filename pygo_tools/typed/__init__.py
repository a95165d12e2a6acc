"""The typed module: Python functions with Python types over the Go exports.

``gen/`` is the Go generator (it reads the user's Go package and writes one panic- and
error-catching cgo export per function); ``model.py`` reads its description; ``kinds.py`` is the
table of Go type kinds that drives ``python.py`` (the module and its ``.pyi``) and ``c.py`` (one
C function per export, on the runtime in ``runtime/typed.c``).
"""
