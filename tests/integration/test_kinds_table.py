"""The two halves of the table of Go type kinds agree: the Go generator's (gen/kinds.go) and the
Python and C renderers' (typed/kinds.py)."""

from __future__ import annotations

import json

import pytest

from pygo_tools.steps.toolchain import find_go
from pygo_tools.typed.generator import generator_binary
from pygo_tools.typed.kinds import KINDS
from pygo_tools.util import commands

pytestmark = pytest.mark.integration


def test_go_and_python_tables_name_the_same_kinds() -> None:
    go = find_go()
    generator = generator_binary(go.path, go.version, "")
    go_kinds = json.loads(commands.run([str(generator), "-kinds"], quiet=True))
    assert go_kinds == sorted(KINDS), "a kind is a row in both gen/kinds.go and typed/kinds.py"
