#!/usr/bin/env bash
# The build steps of example/Dockerfile, runnable without Docker (`make docker-steps`, which the
# test suite runs): install pygo-tools with its Go toolchain into a fresh venv, then build the
# example's wheel for the machine this runs on into $OUT.
#   PYTHON   interpreter to use (default: python3; the Dockerfile uses the image's CPython 3.11)
#   PROJECT  project to build (default: this example)
#   OUT      where the wheel goes (default: <repo>/build/docker-out)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
project=${PROJECT:-$repo/example}
out=${OUT:-$repo/build/docker-out}
venv=$(mktemp -d)/venv
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$repo[go]"
"$venv/bin/pygo-tools" build "$project" --out "$out"
