# The README's contract: `make demo` runs the pipeline end to end, `make test` runs the tests.
# Both set themselves up (venv + pinned requirements + the project) and are fast when already set up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
N ?= 100000
PYTEST_ARGS ?=
REPORT_ARGS ?=

AUDIT_VENV := .audit-venv
PIP_AUDIT_VERSION := 2.10.1
AUDIT_SERVICE ?= pypi

.PHONY: install lint mutation test test-fast test-stack demo report emulator airflow bench bench-backfill plan-backfill audit compose-demo clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade "pip>=24" "setuptools>=75"
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Both cores: the slow end-to-end runs start first (tests/conftest.py) and worksteal keeps both
# workers busy to the end. WORKERS=0 runs in one process (e.g. to write docs/reliability.md).
WORKERS ?= 2
PYTEST_PARALLEL = $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist worksteal)
LINT_PATHS := include plugins dags scripts benchmarks tests

# ruff (lint + format check) and mypy (include/ and plugins/, configured in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-fast: lint
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "not slow" $(PYTEST_ARGS)

# The docker-compose stack for real (tests/deploy/test_compose_stack.py): stand-in images built here,
# two Celery workers, a 5-day backfill with a worker killed, a restart. Needs root and a Docker engine
# (deploy/install-docker.sh installs one on Debian); opt-in for `make test`, run by .ci/run after it.
test-stack: install
	GENESYS_COMPOSE_STACK=1 $(PY) -m pytest -n 0 -s tests/deploy/test_compose_stack.py $(PYTEST_ARGS)

# Ten deliberate bugs across the pipeline, each run against the suite: every one must be caught.
mutation: install
	$(PY) scripts/mutation_check.py --pytest-args "$(PYTEST_PARALLEL)"

demo: install
	$(PY) scripts/demo.py

# The sync-health page as an HTML file (default: from the demo warehouse; REPORT_ARGS="--warehouse-url URL --out FILE --days N").
report: install
	$(PY) scripts/report.py $(REPORT_ARGS)

emulator: install
	$(PY) -m genesys_emulator --host 127.0.0.1 --port 8089 --seed 42 --conversations-per-day 2000

airflow: install
	$(PY) scripts/local_airflow.py

bench: install
	$(PY) benchmarks/bench.py --n $(N)

# A backfill of DAYS partitions on a real scheduler in both regimes, one JSON line each (REGIME=api: 2,000 a day
# at real job latency; cpu: 20,000 a day at a tenth of it; EXECUTOR=CeleryExecutor for two workers).
DAYS ?= 3
EXECUTOR ?= LocalExecutor
REGIME ?= both
bench-backfill: install
	$(PY) benchmarks/bench_backfill.py --days $(DAYS) --regime $(REGIME) --executor $(EXECUTOR)

# Expected API requests, jobs and wall time of a backfill from the org's volume (DAILY= for a what-if).
plan-backfill: install
	$(PY) scripts/plan_backfill.py --from $(FROM) --to $(TO) $(if $(DAILY),--daily $(DAILY))

# Known vulnerabilities in every pinned package (constraints.txt, which the image also installs
# with). Needs the network, so it is not part of `make test`. --strict fails when a package
# cannot be checked, rather than reporting a partial audit as clean. A tool venv of its own
# keeps pip-audit's dependencies out of the project's. AUDIT_SERVICE=osv for the OSV database.
audit:
	@test -x $(AUDIT_VENV)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT_VENV) && \
		$(AUDIT_VENV)/bin/python -m pip install -q --disable-pip-version-check "pip-audit==$(PIP_AUDIT_VERSION)"; }
	$(AUDIT_VENV)/bin/pip-audit -r constraints.txt --no-deps --disable-pip --strict \
		--vulnerability-service $(AUDIT_SERVICE) --progress-spinner off

# The docker-compose stack (two Celery workers, the emulator) on this kind of machine: stand-in
# images built here, the UI forwarded to 127.0.0.1:$(COMPOSE_DEMO_PORT) until Ctrl-C (docs/scaling-out.md).
COMPOSE_DEMO_PORT ?= 18080
compose-demo: install
	COMPOSE_DEMO_PORT=$(COMPOSE_DEMO_PORT) deploy/compose-demo.sh

clean:
	rm -rf $(VENV) $(AUDIT_VENV) .airflow .demo .bench
