"""A Go program, shipped in this wheel by pygo-tools.

``binary_path()`` finds it, ``run(args)`` runs it (``subprocess.run`` arguments welcome);
the ``hellocli`` command and ``python -m hello_cli`` run it too.
"""

from ._binaries import PROGRAMS, binary_path, run

__all__ = ["PROGRAMS", "binary_path", "run"]
