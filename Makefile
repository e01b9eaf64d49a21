# The two commands of the README's quick start: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE_QUERY := SELECT d.file_name, p.method, a.published_date, a.location, a.authors FROM articles a JOIN documents d USING (document_id) JOIN pages p ON p.document_id = a.document_id AND p.page_number = a.page_start ORDER BY d.file_name

.PHONY: setup demo test samples ui clean-warehouse bench cluster-demo

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/setup.sh
	bash scripts/setup.sh

demo: setup
	$(BIN)/archive ingest raw/samples
	@echo
	@echo "Example query: archive sql \"$(SAMPLE_QUERY)\""
	$(BIN)/archive sql "$(SAMPLE_QUERY)"

# Test files are spread over one process per core (at most 4; a file's tests stay together, so
# a file's fixtures are built once). `make test PYTEST_ARGS=-n0` runs them in this process.
PYTEST_ARGS ?= -n auto --maxprocesses 4 --dist loadfile

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

samples: setup
	$(BIN)/python scripts/make_samples.py

ui: setup
	$(BIN)/archive ui

# The deployment profile (deploy/) on this machine: PostgreSQL, Redis, the code server, the daemon, the UI
# and two Celery workers, all stopped on Ctrl-C; ingests raw/samples/ and FOLDER if given
# (make cluster-demo FOLDER=~/scans).
cluster-demo: setup
	$(BIN)/archive cluster $(FOLDER)

# Everything in warehouse/ (catalog, data files, staging, search cache, locks; and the DuckDB
# files of schema 5 and before) and the run history that recorded its loads: the next ingestion
# starts from nothing and reads every file again.
clean-warehouse:
	find warehouse -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
	rm -rf .dagster
