# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
SEED_DEMO ?= 1
DEMO_TRAINERS ?= 200
PYTEST_ARGS ?=
SOAK_SECONDS ?= 600

.DEFAULT_GOAL := help
.PHONY: help install run test lint format bench bench-scale bench-1m migrate seed clean soak

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the project with its dev tools

migrate: install ## Apply migrations (starts the embedded PostgreSQL when DATABASE_URL is unset)
	$(BIN)/python manage.py migrate --noinput

seed: install ## Load demo data once (SEED_DEMO=0 skips, DEMO_TRAINERS sets the size)
ifneq ($(SEED_DEMO),0)
	$(BIN)/python manage.py seed_demo --trainers $(DEMO_TRAINERS) --if-empty
endif

run: migrate seed ## Install, migrate, seed demo data on first run, serve on HOST:PORT
	@echo ""
	@echo "  Trainer Profiles on http://$(HOST):$(PORT)/"
	@echo "    directory    http://$(HOST):$(PORT)/   (the public trainer pages)"
	@echo "    admin        http://$(HOST):$(PORT)/admin/   (create a user: $(BIN)/python manage.py createsuperuser)"
	@echo "    command API  http://$(HOST):$(PORT)/api/docs/"
	@echo "    query API    http://$(HOST):$(PORT)/query/docs"
	@echo "    health       http://$(HOST):$(PORT)/healthz  http://$(HOST):$(PORT)/readyz"
	@echo ""
	exec $(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --no-access-log --no-proxy-headers --http config.server:Bounded --timeout-keep-alive 5 --lifespan on

test: install ## Run the whole test suite against a real PostgreSQL (in parallel; PYTEST_ARGS adds options)
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# mypy's Django plugin imports the settings and exits without exit hooks: a URL that is
# only parsed keeps it from starting (and leaving behind) the embedded PostgreSQL.
lint: install ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DATABASE_URL=postgres://mypy@localhost/typecheck $(BIN)/mypy .

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

soak: install ## Mixed load on a live server for SOAK_SECONDS (600), then check nothing was lost (tests/soak)
	$(BIN)/python -m tests.soak --seconds $(SOAK_SECONDS)

clean: ## Remove the venv and the local data folder (the embedded database)
	rm -rf $(VENV) .data

bench: install ## Benchmark against the bare ASGI ceiling and the baselines (needs wrk; BENCH_TRAINERS=100000, BENCH_DURATION=10)
	$(BIN)/python bench/run.py

BENCH_SCALE ?= 10000 100000
bench-scale: install ## List, detail and search p50 at 10k and 100k trainers (BENCH_SCALE sets the sizes)
	$(BIN)/python bench/run.py --scale $(BENCH_SCALE)

bench-1m: install ## The scale curve up to 1M trainers (seeding 1M takes a long while; run it apart)
	$(BIN)/python bench/run.py --scale 10000 100000 1000000
