# The two commands: `make run` and `make test`. Each does all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.secondear-installed

.PHONY: run test setup system-deps lint typecheck unit quality train bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## setup: the virtual environment with SecondEar and its embedded models
setup: $(STAMP)

## system-deps: Debian packages the tests need (Chromium, espeak-ng, sox)
system-deps:
	./scripts/system-deps.sh

## run: start SecondEar on its embedded defaults (http://127.0.0.1:8000)
run: setup
	$(BIN)/secondear serve

## test: every check: lint, types, unit, live-server and browser tests
test: setup system-deps lint typecheck unit

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest

## quality: the detector quality table of the README (needs ../shared/data)
quality: setup
	$(BIN)/secondear eval ../shared/data/interview-lines.jsonl
	$(BIN)/secondear eval ../shared/data/annomi-dev.jsonl
	$(BIN)/python -m bench.listening_score

## train: retrain the detectors' model (nlp/models/detectors.json) from ../shared/data; deterministic
train: setup
	$(BIN)/python -m nlp.training ../shared/data

## bench: speed tables (tagging, speech engine, live server)
bench: setup system-deps
	$(BIN)/python -m bench.tagging
	$(BIN)/python -m bench.speech
	$(BIN)/python -m bench.live

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
