# Fanxiang — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DATABASE_URL_PG ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ENTREPRENEURS ?= 2000
# pytest workers (pytest-xdist); each has its own test database. PYTEST_WORKERS=0 runs in one process.
# Whole files to a worker, in the order fanxiang/conftest.py sorts them (browser files first, then by size):
# xdist's own reorder by test count would start the few-test, long browser files last.
PYTEST_WORKERS ?= 2
XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Python writes its bytecode caches (and pytest its rewritten test modules) even where the environment
# says not to: without them every process of a run (each pytest worker, the fuzz server, the subprocess
# checks) compiles the whole project and re-rewrites ~460 test modules, about 12 s a process.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run migrate demo test lint pytest pytest-pg fuzz bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py createcachetable

demo: migrate
	$(BIN)/python manage.py load_demo >/dev/null
	$(BIN)/python manage.py generate_demo --entrepreneurs $(DEMO_ENTREPRENEURS) --seed 2020 --if-empty
	@# again, now that the registry is filled: binds the demo portal account and prints the demo logins
	$(BIN)/python manage.py load_demo

run: demo
	@echo ""
	@echo "Fanxiang 正在 http://$(HOST):$(PORT)/ 上运行（Ctrl+C 停止）；后台任务进程（大文件导入等）同时启动"
	@# The task worker (django-tasks database backend) runs beside the server and stops with it.
	$(BIN)/python manage.py db_worker --no-reload --interval 1 -v 0 & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null; wait $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run -v 1

# SQLite test databases are built from the models (--nomigrations): rendering the migration states costs
# about 20 s per worker on SQLite, no migration seeds data (reference data comes from the loaders), and the
# migrations still run on a fresh database in pytest-pg (PostgreSQL) and in the fuzz run (SQLite).
pytest: install
	@echo "== pytest on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest $(XDIST) --nomigrations

pytest-pg: install
	@if $(BIN)/python scripts/db_reachable.py "$(DATABASE_URL_PG)"; then \
		echo "== pytest on PostgreSQL ($(DATABASE_URL_PG)) =="; \
		DATABASE_URL="$(DATABASE_URL_PG)" $(BIN)/pytest $(XDIST) -m "not browser"; \
	elif [ -n "$$FANXIANG_REQUIRE_PG" ]; then \
		echo "PostgreSQL at $(DATABASE_URL_PG) is not reachable and FANXIANG_REQUIRE_PG is set: failing."; exit 1; \
	else \
		echo "== SKIPPED pytest on PostgreSQL: $(DATABASE_URL_PG) is not reachable (set DATABASE_URL_PG) =="; \
	fi

fuzz: install
	bash scripts/api_fuzz.sh

test: lint pytest pytest-pg fuzz

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var/*.sqlite3*
