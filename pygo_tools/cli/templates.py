"""The files ``pygo-tools new`` writes: an extension project, or a Go program project.

Names reach these templates already validated (:mod:`pygo_tools.scaffold`): Python and Go
identifiers, a project name of letters, digits and ``-_.``. They still go into TOML as JSON
strings (a valid TOML basic string) and into Python as ``repr()`` literals, so no name can
change a file's structure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from string import Template

from ..util.version import __version__

VERSION = "0.1.0"
# The Go release pygo-tools needs at least (toolchain.MINIMUM_GO): a newer `go` line would stop
# an older toolchain.
GO_LINE = "1.20"


@dataclass(frozen=True)
class Names:
    """What a new project is called: ``name`` on PyPI, ``package`` in Python, ``library``
    (``lib<library>.so``) or ``program`` (the console command)."""

    name: str
    package: str
    library: str = ""
    program: str = ""


def _fill(template: str, names: Names) -> str:
    values = {
        "name": names.name,
        "package": names.package,
        "library": names.library,
        "program": names.program,
        "name_toml": json.dumps(names.name),
        "package_toml": json.dumps(names.package),
        "library_toml": json.dumps(names.library),
        "program_toml": json.dumps(names.program),
        "extension_toml": json.dumps(f"{names.package}._native"),
        "wrapper_toml": json.dumps(f"{names.package}.api"),
        "name_py": repr(names.name),
        "dist_name": re.sub(r"[-_.]+", "_", names.name).lower(),
        "requirement_toml": json.dumps(f"pygo-tools>={__version__}"),
        "pygo_version": __version__,
        "version": VERSION,
        "go_line": GO_LINE,
    }
    return Template(template).substitute(values)


def extension_files(names: Names) -> dict[str, str]:
    """Relative path -> content of an extension project: Go functions Python calls."""
    files = {
        "pyproject.toml": EXTENSION_PYPROJECT,
        "README.md": EXTENSION_README,
        ".gitignore": GITIGNORE + EXTENSION_GITIGNORE,
        "$package/__init__.py": EXTENSION_INIT,
        "$package/go/go.mod": GO_MOD,
        "$package/go/hello.go": EXTENSION_GO,
        "tests/test_$package.py": EXTENSION_TEST,
    }
    return {_fill(path, names): _fill(text, names) for path, text in files.items()}


def executable_files(names: Names) -> dict[str, str]:
    """Relative path -> content of a project that ships a Go program as a wheel."""
    files = {
        "pyproject.toml": EXECUTABLE_PYPROJECT,
        "README.md": EXECUTABLE_README,
        ".gitignore": GITIGNORE + EXECUTABLE_GITIGNORE,
        "$package/__init__.py": EXECUTABLE_INIT,
        "$package/go/go.mod": GO_MOD,
        "$package/go/main.go": EXECUTABLE_GO,
        "tests/test_$package.py": EXECUTABLE_TEST,
    }
    return {_fill(path, names): _fill(text, names) for path, text in files.items()}


BUILD_SYSTEM = """\
[build-system]
# pip, build and uv install pygo-tools into an isolated environment to build this project.
# Until pygo-tools $pygo_version is on PyPI (PyPI's "pygo-tools" is an unrelated 0.1.8), point them
# at a folder holding its wheel: PIP_FIND_LINKS=DIR or UV_FIND_LINKS=DIR (see README.md).
requires = [$requirement_toml]
build-backend = "pygo_tools.backend"
"""


def _project_table(description: str) -> str:
    """The [project] and [tool.setuptools] tables both kinds of project start with."""
    return f"""
[project]
name = $name_toml
version = "$version"
description = "{description}"
readme = "README.md"
requires-python = ">=3.9"

[tool.setuptools]
packages = [$package_toml]
"""


PYTEST_TABLE = """
[tool.pytest.ini_options]
testpaths = ["tests"]
"""

EXTENSION_PYPROJECT = (
    BUILD_SYSTEM
    + _project_table("Go functions called from Python")
    + """
# What pygo-tools builds: the Go module in $package/go/ as lib$library.so, the cffi extension
# $package._native, and the typed module $package.api (one function per Go export).
[tool.pygo-tools]
package = $package_toml
extension = $extension_toml
library = $library_toml
wrapper = $wrapper_toml
"""
    + PYTEST_TABLE
)

EXECUTABLE_PYPROJECT = (
    BUILD_SYSTEM
    + _project_table("A Go program, installed with pip")
    + """
# What pygo-tools builds: the Go program in $package/go/, shipped in the wheel as the
# `$program` command; main.version is stamped with the version above.
[tool.pygo-tools]
package = $package_toml
executables = [{ name = $program_toml, path = ".", version_var = "main.version" }]
"""
    + PYTEST_TABLE
)

GO_MOD = """\
// The module path matters only if other Go code imports this module.
module example.com/$package

go $go_line
"""

EXTENSION_GO = """\
// Package main is built by pygo-tools into a C shared library, lib$library.so, that Python
// calls through the extension $package._native. Each function marked //pygo:export becomes
// a typed Python function in $package.api.
package main

import (
	"errors"
	"strings"
)

// Hello greets name count times: Hello("Go", 2) is "Hello, Go! Hello, Go!". A returned error
// is raised in Python as $package.api.GoError (and a panic as $package.api.GoPanic).
//
//pygo:export
func Hello(name string, count int) (string, error) {
	if count < 0 {
		return "", errors.New("count must not be negative")
	}
	greetings := make([]string, count)
	for i := range greetings {
		greetings[i] = "Hello, " + name + "!"
	}
	return strings.Join(greetings, " "), nil
}

// main is required by -buildmode=c-shared; it never runs.
func main() {}
"""

EXTENSION_INIT = '''\
"""Go functions called from Python.

``$package.api`` is generated by pygo-tools when the project is built: one typed function per
``//pygo:export`` function in ``$package/go/``, plus ``GoError`` and ``GoPanic``.
"""

try:
    from . import api
except ImportError:
    from pathlib import Path as _Path

    _here = _Path(__file__).parent
    if (_here / "api.py").exists():
        raise
    raise ImportError(
        f"{__name__} is imported from its source folder {_here}, where nothing is built: run "
        "`pygo-tools develop` in the project to build it in place, or run Python from another folder "
        "to use the installed package"
    ) from None

__all__ = ["api"]
'''

EXTENSION_TEST = '''\
"""Tests of the built package: run ``pytest`` after installing its wheel, or after
``pygo-tools develop`` (an editable install)."""

import pytest

from $package import api


def test_hello() -> None:
    assert api.Hello("Go", 2) == "Hello, Go! Hello, Go!"


def test_a_go_error_is_raised_in_python() -> None:
    with pytest.raises(api.GoError, match="count must not be negative"):
        api.Hello("Go", -1)
'''

EXECUTABLE_GO = """\
// $program is a Go program shipped in a Python wheel by pygo-tools: `pip install` the wheel,
// then run `$program`, `python -m $package`, or $package.run([...]) from Python.
package main

import (
	"flag"
	"fmt"
	"strings"
)

// version is stamped at build time with the package version (version_var in pyproject.toml).
var version = "dev"

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	name := "World"
	if flag.NArg() > 0 {
		name = strings.Join(flag.Args(), " ")
	}
	fmt.Printf("Hello, %s!\\n", name)
}
"""

EXECUTABLE_INIT = '''\
"""A Go program, shipped in this package by pygo-tools.

``binary_path()`` finds it and ``run(args)`` runs it (keyword arguments go to
``subprocess.run``); the ``$program`` command and ``python -m $package`` run it too.
``_binaries.py`` is written by pygo-tools when the project is built.
"""

from ._binaries import PROGRAMS, binary_path, run

__all__ = ["PROGRAMS", "binary_path", "run"]
'''

EXECUTABLE_TEST = '''\
"""Tests of the built package: run ``pytest`` after installing its wheel, or after
``pygo-tools develop`` (an editable install)."""

import subprocess
import sys
from importlib.metadata import version

import $package


def test_the_program_greets() -> None:
    result = subprocess.run([str($package.binary_path()), "Go"], capture_output=True, text=True, check=True)
    assert result.stdout == "Hello, Go!\\n"


def test_python_m_runs_it() -> None:
    # -I: not the sources in the current folder, which have no _binaries.py until built in place.
    result = subprocess.run([sys.executable, "-I", "-m", "$package"], capture_output=True, text=True, check=True)
    assert result.stdout == "Hello, World!\\n"


def test_it_knows_the_package_version() -> None:
    result = $package.run(["-version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == version($name_py)
'''

GITIGNORE = """\
# Build outputs: pygo-tools, setuptools, pip, pytest
build/
dist/
*.egg-info/
__pycache__/
.pytest_cache/
"""

EXTENSION_GITIGNORE = """\
# Written into the package by editable installs (pygo-tools develop, pip install -e)
/$package/_native.*.so
/$package/_native*.pyd
/$package/lib/
/$package/api.py
/$package/api.pyi
"""

EXECUTABLE_GITIGNORE = """\
# Written into the package by editable installs (pygo-tools develop, pip install -e)
/$package/bin/
/$package/_binaries.py
/$package/__main__.py
"""

_INSTALL_NOTE = """\
pyproject.toml names pygo-tools as the build backend, so pip, build and uv build this project
too. Until pygo-tools $pygo_version is on PyPI (PyPI's `pygo-tools` is an unrelated 0.1.8), tell
them where its wheel is (`make dist` in a pygo-tools checkout writes it to `dist/`):

```sh
PIP_FIND_LINKS=/path/to/pygo-tools/dist pip wheel . -w dist
UV_FIND_LINKS=/path/to/pygo-tools/dist uv build
```
"""

EXTENSION_README = (
    """\
# $name

Go functions called from Python. The Go module is in `$package/go/`; pygo-tools builds it into
a C shared library and a cffi extension, and generates the typed module `$package.api`, with
one Python function per `//pygo:export` Go function:

```python
from $package import api

api.Hello("Go", 2)    # 'Hello, Go! Hello, Go!'
api.Hello("Go", -1)   # raises api.GoError: count must not be negative
```

## Build, install, test

```sh
pygo-tools build                  # writes dist/$dist_name-$version-cp39-abi3-<platform>.whl
pip install dist/*.whl pytest
pytest
```

While you work on it, `pygo-tools develop` installs the project in editable mode into the
environment that runs pygo-tools; run it again after changing Go code, then `pytest`.

"""
    + _INSTALL_NOTE
)

EXECUTABLE_README = (
    """\
# $name

A Go program, installed with pip. The Go code is in `$package/go/`; pygo-tools builds it and
ships it in the wheel, with a `$program` command. From Python: `$package.run(["Go"])` or
`$package.binary_path()`.

## Build, install, test

```sh
pygo-tools build                  # writes dist/$dist_name-$version-py3-none-<platform>.whl
pip install dist/*.whl pytest
$program Go                       # Hello, Go!
pytest
```

`pygo-tools build --target all` builds wheels for Linux, macOS and Windows (amd64 and arm64).
While you work on it, `pygo-tools develop` installs the project in editable mode; run it again
after changing Go code.

"""
    + _INSTALL_NOTE
)
