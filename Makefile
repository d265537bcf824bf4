# The README's contract: `make demo` runs the pipeline end to end, `make test` runs the tests.
# Both set themselves up (venv + pinned requirements + the project) and are fast when already set up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
N ?= 100000
PYTEST_ARGS ?=

.PHONY: install test test-fast demo emulator airflow bench bench-backfill plan-backfill clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade "pip>=24" "setuptools>=75"
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

demo: install
	$(PY) scripts/demo.py

emulator: install
	$(PY) -m genesys_emulator --host 127.0.0.1 --port 8089 --seed 42 --conversations-per-day 2000

airflow: install
	$(PY) scripts/local_airflow.py

bench: install
	$(PY) benchmarks/bench.py --n $(N)

# A backfill of DAYS partitions of N conversations on a real scheduler (EXECUTOR=CeleryExecutor for two workers).
DAYS ?= 3
EXECUTOR ?= LocalExecutor
bench-backfill: install
	$(PY) benchmarks/bench_backfill.py --days $(DAYS) --n $(N) --executor $(EXECUTOR)

# Expected API requests, jobs and wall time of a backfill from the org's volume (DAILY= for a what-if).
plan-backfill: install
	$(PY) scripts/plan_backfill.py --from $(FROM) --to $(TO) $(if $(DAILY),--daily $(DAILY))

clean:
	rm -rf $(VENV) .airflow .demo .bench
