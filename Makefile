# Quick start: `make run` runs the bot, `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint migrate sweep doctor bench bench-scale

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -r requirements-dev.txt > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $@

# A configuration problem is reported by app.py in one line; make adds nothing to it.
run: $(VENV)/.installed
	@$(PY) app.py || { status=$$?; [ $$status -eq 2 ] || exit $$status; }

test: $(VENV)/.installed
	@$(PY) -m pytest

# The code's shape: ruff's lint rules and its formatting (pyproject.toml); CI runs it after the tests.
lint: $(VENV)/.installed
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

migrate sweep doctor: $(VENV)/.installed
	@$(PY) -m bot $@

bench: $(VENV)/.installed
	@$(PY) bench/sweep.py

# PostgreSQL only, about 8 minutes: 3 web replicas and 2 clocks, two of them killed (BENCHMARKS.md, "Scale-out").
bench-scale: $(VENV)/.installed
	@$(PY) bench/scale_out.py
