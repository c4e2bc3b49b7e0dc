# Thin wrappers around the lidlib command.  Needs only Python 3.11 and make:
# the first target run creates .venv and installs the project into it.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
SEED   ?= 0
# extras installed into the venv (CI adds "features" for the torch feature tests)
EXTRAS ?= book,test

.PHONY: book quick test lab clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

## make book: execute every chapter at the paper profile and render _build/html
book: $(BIN)/.installed
	$(BIN)/lidlib book --profile paper --seed $(SEED)

## make quick: the same at the small CI profile
quick: $(BIN)/.installed
	$(BIN)/lidlib book --profile quick --seed $(SEED)

## make test: the test suite
test: $(BIN)/.installed
	$(BIN)/python -m pytest

## make lab: JupyterLab with the chapters opening as notebooks
lab: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp .jupyter/lab/settings/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf _build book/_generated results book/claims.md
