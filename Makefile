# Every target creates .venv and installs the project into it when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_SCALE ?= 200000
# make mutation: mutants per file (0 = all); MUTATION_FILES=path[,path=tests/folder] for a few.
MUTATION_SAMPLE ?= 150
export MUTATION_SAMPLE MUTATION_FILES MUTATION_SEED MUTATION_JOBS

.PHONY: install demo test test-sqlite lint bench mutation clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/tthc demo

# One worker per core, at most 4 (each worker creates and migrates its own databases).
test: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider --numprocesses=auto --maxprocesses=4

test-sqlite: $(STAMP)
	$(BIN)/pytest -q --backends sqlite

lint: $(STAMP)
	$(BIN)/ruff check app connectors tests bench tools
	$(BIN)/mypy

# Mutation testing of the legal core (tools/mutation.py, docs/CONTRIBUTING.md); not in `test`.
mutation: $(STAMP)
	nice -n 10 $(BIN)/python tools/mutation.py

bench: $(STAMP)
	$(BIN)/python -m bench --scale $(BENCH_SCALE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .mutation demo-data *.egg-info
