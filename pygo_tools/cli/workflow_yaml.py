"""The text of the GitHub Actions workflow, rendered from a validated :class:`Plan`.

Values from users and projects appear only through ``_yaml_string`` (a JSON string, which YAML
reads back exactly) or ``shlex.quote``; :mod:`pygo_tools.workflow` has checked that none holds
a newline, a control character or a GitHub expression (``${{``).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field

from ..util.version import __version__

# Native runners for the test jobs: the platform names the options use, and GitHub's labels.
# The interpreter the universal wheel is tested on: no native wheel fits it.
UNIVERSAL_PYTHON = "pypy3.11"

PLATFORMS: dict[str, str] = {
    "linux-x86_64": "ubuntu-24.04",
    "linux-arm64": "ubuntu-24.04-arm",
    "macos-arm64": "macos-15",
    "macos-x86_64": "macos-15-intel",
    "windows-x86_64": "windows-2025",
}

# Actions pinned to the commit of an official release tag (the tag is in the comment). Read from
# the actions' own repositories (tags v7.0.1, v7.0.0, v5.0.5, v7.0.0, v8.0.1) and, for
# pypa/gh-action-pypi-publish, from public workflows pinning its v1.14.2 release.
ACTIONS: dict[str, tuple[str, str]] = {
    "checkout": ("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "setup-python": ("actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "cache": ("actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
    "upload-artifact": ("actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "download-artifact": ("actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "pypi-publish": ("pypa/gh-action-pypi-publish@dc37677b2e1c63e2034f94d8a5b11f265b73ba33", "v1.14.2"),
}

BUILD_PYTHON = "3.12"  # the build job's CPython, unless the project builds abi3t wheels


@dataclass(frozen=True)
class Plan:
    """The validated inputs the template is rendered from."""

    platforms: tuple[str, ...]
    pythons: tuple[str, ...]
    test_command: str
    test_requires: tuple[str, ...]
    pygo_tools: str
    build_requires: tuple[str, ...]
    project_name: str = ""
    notes: tuple[str, ...] = field(default=())
    build_python: str = "3.12"  # the build job's CPython (3.15 for abi3t wheels)
    universal: bool = False  # also the universal (WebAssembly) wheel, tested on PyPy


def _uses(action: str) -> str:
    reference, version = ACTIONS[action]
    return f"{reference} # {version}"


def render_workflow(plan: Plan) -> str:
    """The workflow's text. Values from users appear only through ``json.dumps`` or ``shlex.quote``."""
    q = _yaml_string
    matrix = "\n".join(
        f"          - {{platform: {p}, runner: {PLATFORMS[p]}, python: {q(v)}}}"
        for p in plan.platforms
        for v in plan.pythons
    )
    if plan.universal:  # PyPy gets no native (CPython abi3) wheel: pip takes the universal one
        runner = PLATFORMS["linux-x86_64"]
        matrix += f"\n          - {{platform: universal, runner: {runner}, python: {q(UNIVERSAL_PYTHON)}}}"
    universal_target = " --target wasip1/wasm" if plan.universal else ""
    install = ["python -m pip install", '"$PYGO_TOOLS_REQUIREMENT"', "build", "twine"]
    install += [shlex.quote(r) for r in plan.build_requires]
    test_requires = " ".join(shlex.quote(r) for r in plan.test_requires)
    requires_step = (
        f"""
      - name: Install the test requirements
        run: python -m pip install {test_requires}"""
        if plan.test_requires
        else ""
    )
    environment = f"\n      url: {q('https://pypi.org/p/' + plan.project_name)}" if plan.project_name else ""
    return f"""\
# Wheels for every platform: built on one Linux runner (pygo-tools cross-compiles with zig),
# tested on native runners, published to PyPI with trusted publishing on tags v*.
# Written by pygo-tools {__version__} (`pygo-tools generate-ci github`); edit it freely, or
# regenerate with --force. What each job does, and the one-time PyPI set-up: pygo-tools'
# docs/publishing.md.
name: wheels

on:
  push:
    branches: [main]
    tags: ["v*"]
  pull_request:
  workflow_dispatch:

permissions: {{}}

concurrency:
  group: ${{{{ github.workflow }}}}-${{{{ github.ref }}}}
  cancel-in-progress: ${{{{ !startsWith(github.ref, 'refs/tags/') }}}}

env:
  # Where the build job installs pygo-tools from. PyPI's `pygo-tools` is an unrelated 0.1.8;
  # until this version is on PyPI, use a URL, e.g. "pygo-tools[go,cross] @ git+https://...@TAG".
  PYGO_TOOLS_REQUIREMENT: {q(plan.pygo_tools)}

jobs:
  build:
    name: Build wheels for every target and the sdist
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    steps:
      - uses: {_uses("checkout")}
        with:
          persist-credentials: false
      - uses: {_uses("setup-python")}
        with:
          python-version: {q(plan.build_python)}
      # Go's and zig's caches make rebuilds take seconds. Release builds (tags) only look the
      # cache up and build from scratch, so nothing a branch build cached reaches PyPI.
      - name: Restore the Go and zig caches
        uses: {_uses("cache")}
        with:
          path: |
            ~/.cache/go-build
            ~/.cache/zig
            ~/.cache/pygo-tools
          key: go-zig-${{{{ runner.os }}}}-${{{{ hashFiles('**/*.go', '**/go.mod', '**/go.sum') }}}}
          restore-keys: go-zig-${{{{ runner.os }}}}-
          lookup-only: ${{{{ startsWith(github.ref, 'refs/tags/') }}}}
      - name: Install pygo-tools
        run: {" ".join(install)}
      - name: Build the sdist
        run: python -m build --sdist --no-isolation --outdir dist
      - name: Build a wheel for every target
        run: pygo-tools build --target all{universal_target} --zig --out dist
      - name: Check the distributions
        run: python -m twine check dist/*
      - uses: {_uses("upload-artifact")}
        with:
          name: dist
          path: dist/
          if-no-files-found: error

  test:
    name: Test on ${{{{ matrix.platform }}}}, Python ${{{{ matrix.python }}}}
    needs: build
    runs-on: ${{{{ matrix.runner }}}}
    permissions:
      contents: read
    strategy:
      fail-fast: false
      matrix:
        include:
{matrix}
    defaults:
      run:
        shell: bash
    steps:
      - uses: {_uses("checkout")}
        with:
          persist-credentials: false
      - uses: {_uses("setup-python")}
        with:
          python-version: ${{{{ matrix.python }}}}
      - uses: {_uses("download-artifact")}
        with:
          name: dist
          path: dist
      - name: Install this platform's wheel
        run: |
          wheels=(dist/*.whl)
          name=$(basename "${{wheels[0]}}" | cut -d- -f1)
          if ! python -m pip install --no-index --find-links dist --no-deps --only-binary=:all: "$name"; then
            echo "::error::no wheel for $RUNNER_OS $RUNNER_ARCH $(python --version) among: $(ls dist)"
            exit 1
          fi
          python -m pip install --find-links dist "$name"{requires_step}
      - name: Run the tests against the installed wheel
        working-directory: ${{{{ runner.temp }}}}
        run: {_yaml_string(plan.test_command)}

  publish:
    name: Publish to PyPI
    if: github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')
    needs: [build, test]
    runs-on: ubuntu-24.04
    environment:
      name: pypi{environment}
    permissions:
      id-token: write  # trusted publishing: PyPI trusts this workflow, no token is stored
    steps:
      - uses: {_uses("download-artifact")}
        with:
          name: dist
          path: dist
      - uses: {_uses("pypi-publish")}
"""


def _yaml_string(value: str) -> str:
    """A double-quoted YAML scalar: JSON's escaping, which YAML reads back exactly (``#``, ``: ``
    and quotes stay data). Non-ASCII stays as it is: YAML has no surrogate-pair escapes."""
    return json.dumps(value, ensure_ascii=False)
