# The two commands: `make run` and `make test`. Each does all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.secondear-installed
# uv installs the locked dependency tree (uv.lock, with hashes). It lives in a venv of its own, pinned by
# hash in scripts/uv-requirements.txt, because `uv sync` keeps .venv exactly as locked.
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# Use the machine's Python; never download one.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test setup system-deps lint typecheck unit package-check lock lock-check lock-upgrade \
	quality train bench clean unit-pg

$(UV): scripts/uv-requirements.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --require-hashes -r scripts/uv-requirements.txt
	touch $(UV)

# --locked: never rewrite uv.lock while installing (lock-check has said whether it matches).
# Then the speaker encoder's weights, without their package's dependencies (torch): see
# scripts/resemblyzer-requirements.txt.
$(STAMP): pyproject.toml uv.lock $(UV) scripts/resemblyzer-requirements.txt
	$(UV) sync --quiet --locked --extra dev --python $(PYTHON)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --require-hashes \
	  -r scripts/resemblyzer-requirements.txt
	touch $(STAMP)

## setup: the virtual environment with SecondEar (editable) and its embedded models, from uv.lock
setup: lock-check $(STAMP)

## lock: refresh uv.lock after editing the dependencies in pyproject.toml (keeps the other pins)
lock: $(UV)
	$(UV) lock --python $(PYTHON)

## lock-upgrade: move every pin of uv.lock to the newest release pyproject.toml allows
lock-upgrade: $(UV)
	$(UV) lock --upgrade --python $(PYTHON)

## lock-check: fail when uv.lock does not match pyproject.toml (offline: the index is not asked)
lock-check: $(UV)
	@$(UV) lock --check --offline --quiet --python $(PYTHON) || { \
	  echo "uv.lock does not match pyproject.toml: run 'make lock' and commit uv.lock" >&2; exit 1; }

## system-deps: Debian packages the tests need (Chromium, espeak-ng, sox)
system-deps:
	./scripts/system-deps.sh

## run: start SecondEar on its embedded defaults (http://127.0.0.1:8000)
run: setup
	$(BIN)/secondear serve

## test: every check: lint, types, unit, live-server and browser tests
test: setup system-deps lint typecheck unit unit-pg package-check

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest

## unit-pg: the tests that touch the call store again, on PostgreSQL (the suite starts its own)
unit-pg: setup
	SECONDEAR_TEST_DATABASE=pg $(BIN)/pytest tests/server -q -k "not scale_decode"

## package-check: build wheel and sdist, install the wheel from the lock in a new venv outside the
## checkout, and run `secondear models`, `analyze` and `serve` from there
package-check: $(UV)
	UV=$(UV) PYTHON=$(PYTHON) ./scripts/check-package.sh

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
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
