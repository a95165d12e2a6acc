#!/usr/bin/env bash
# The build steps of example/Dockerfile, runnable without Docker (`make docker-steps`, which the
# test suite runs): install pygo-tools with its Go toolchain into a fresh venv, then build the
# example's wheel for the machine this runs on into $OUT, and with LAMBDA_PYTHON its Lambda
# layer for that runtime too.
#   PYTHON         interpreter to use (default: python3; the Dockerfile uses the image's CPython 3.11)
#   PROJECT        project to build (default: this example)
#   OUT            where the wheel (and layer) go (default: <repo>/build/docker-out)
#   LAMBDA_PYTHON  also write <name>-<version>-python<X.Y>-<arch>-layer.zip for this Lambda
#                  runtime (3.9 to 3.13); empty (the default): no layer
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
project=${PROJECT:-$repo/example}
out=${OUT:-$repo/build/docker-out}
lambda_python=${LAMBDA_PYTHON:-}
venv=$(mktemp -d)/venv
"$python" -m venv "$venv"
# A layer is built through zig (glibc 2.17) for this machine too: the cross extra brings it.
extras=go
if [ -n "$lambda_python" ]; then extras=go,cross; fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$repo[$extras]"
"$venv/bin/pygo-tools" build "$project" --out "$out"
if [ -n "$lambda_python" ]; then
  "$venv/bin/pygo-tools" lambda-layer "$project" --python "$lambda_python" --out "$out"
fi
