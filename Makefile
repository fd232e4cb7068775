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

# The PostgreSQL step and the API fuzz run leave part of the two cores idle each (the tests wait on the
# database's round trips; the fuzzer is one process bound by its interpreter lock), so they run side by
# side: the fuzz run's output is printed once PostgreSQL's is done, and either failing fails the target.
# TEST_SERIAL=1 runs them one after the other.
test: lint pytest
ifeq ($(TEST_SERIAL),1)
	@$(MAKE) --no-print-directory pytest-pg
	@$(MAKE) --no-print-directory fuzz
else
	@log=$$(mktemp); echo "== API fuzz run started beside PostgreSQL (its output follows PostgreSQL's) =="; \
	$(MAKE) --no-print-directory fuzz > "$$log" 2>&1 & fuzz_pid=$$!; \
	$(MAKE) --no-print-directory pytest-pg; pg_status=$$?; \
	wait $$fuzz_pid; fuzz_status=$$?; \
	cat "$$log"; rm -f "$$log"; \
	if [ $$pg_status -ne 0 ]; then echo "pytest on PostgreSQL failed (exit $$pg_status)"; fi; \
	if [ $$fuzz_status -ne 0 ]; then echo "API fuzz run failed (exit $$fuzz_status)"; fi; \
	[ $$pg_status -eq 0 ] && [ $$fuzz_status -eq 0 ]
endif

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var/*.sqlite3*
