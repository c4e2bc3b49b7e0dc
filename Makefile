# Thin wrappers around the lidlib command.  Needs only Python 3.11 and make:
# the first target run creates .venv and installs the project into it, with every
# package version fixed by the lock file requirements/lock.txt.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
SEED   ?= 0
# parallel chapter executions (default: one per core)
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
# extras installed into the venv (CI adds "features" for the torch feature tests)
EXTRAS ?= book,test
# every extra, for the lock file
ALL_EXTRAS := book,test,features,site,bench,lab,parquet,sweep,lint
LOCK   := requirements/lock.txt
PIP    := $(BIN)/python -m pip --quiet --disable-pip-version-check

comma  := ,
# make lint needs ruff and mypy (the lint extra): already there when EXTRAS lists it
# (CI), added to the venv by a stamp of its own otherwise
LINT_STAMP := $(if $(filter lint,$(subst $(comma), ,$(EXTRAS))),$(BIN)/.installed-$(EXTRAS),$(BIN)/.installed-$(EXTRAS)+lint)

.DEFAULT_GOAL := help
.PHONY: help book quick test test-fast lint lab lock clean

## make help: list the targets (this text)
help:
	@sed -n -e 's/^## make \([^:]*\): \(.*\)/  make \1|\2/p' $(MAKEFILE_LIST) | awk -F'|' '{ printf "%-18s %s\n", $$1, $$2 }'

$(BIN)/.installed-$(EXTRAS): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -c $(LOCK) pip
	$(PIP) install -c $(LOCK) -e ".[$(EXTRAS)]"
	touch $@

$(BIN)/.installed-$(EXTRAS)+lint: $(BIN)/.installed-$(EXTRAS)
	$(PIP) install -c $(LOCK) -e ".[$(EXTRAS),lint]"
	touch $@

## make book: execute the chapters at the paper profile (only what changed) and render _build/html
book: $(BIN)/.installed-$(EXTRAS)
	$(BIN)/lidlib book --profile paper --seed $(SEED) -j $(JOBS)

## make quick: the same at the small CI profile
quick: $(BIN)/.installed-$(EXTRAS)
	$(BIN)/lidlib book --profile quick --seed $(SEED) -j $(JOBS)

## make test: the whole test suite (what CI runs; minutes)
test: $(BIN)/.installed-$(EXTRAS)
	$(BIN)/python -m pytest

## make test-fast: the inner loop, under 20 s: leaves out tests marked slow, slowish or needs_data
test-fast: $(BIN)/.installed-$(EXTRAS)
	$(BIN)/python -m pytest -q -m "not slow and not slowish and not needs_data"

## make lint: ruff check, ruff format --check and mypy lidlib (installs the lint extra)
lint: $(LINT_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy lidlib

## make lab: JupyterLab with the chapters opening as notebooks
lab: $(BIN)/.installed-$(EXTRAS)
	$(PIP) install -c $(LOCK) -e ".[lab]"
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp .jupyter/lab/settings/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@echo "Chapters read their data from the repository's data/ folder (sha256-checked; nothing to"
	@echo "download). Results go to results/, figures to results/figures/."
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root,)

## make lock: re-resolve every extra in a throw-away venv and rewrite requirements/lock.txt
lock:
	rm -rf $(VENV)-lock
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/python -m pip --quiet install --upgrade pip
	$(VENV)-lock/bin/python -m pip --quiet install -e ".[$(ALL_EXTRAS)]"
	{ echo "# The whole toolchain, every extra ($(ALL_EXTRAS)), resolved by 'make lock' on"; \
	  echo "# $$(date +%F) with Python $$($(VENV)-lock/bin/python -c 'import platform; print(platform.python_version())')."; \
	  echo "# Used as a constraints file (pip install -c $(LOCK) ...) by make, CI and environment.yml."; \
	  echo "# Local version labels (torch's +cpu) are dropped so the pins also match PyPI's builds;"; \
	  echo "# resolved against the CPU build of torch, so a CUDA build from PyPI brings its nvidia-*"; \
	  echo "# dependencies unpinned. The build backend is pinned in pyproject.toml, not here."; \
	  $(VENV)-lock/bin/python -m pip freeze --all --exclude-editable | sed -e 's/+[a-z0-9.]*$$//'; } > $(LOCK)
	rm -rf $(VENV)-lock

## make clean: remove the built site, generated pages and results
clean:
	rm -rf _build book/_generated results book/claims.md
