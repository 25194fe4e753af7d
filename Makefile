# Two entry points (see README): `make demo` and `make test`. Each builds .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench clean typecheck-view

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/salesim run --report $(ARGS)

test: $(STAMP) typecheck-view
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n auto --dist loadgroup $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow" $(PYTEST_ARGS)

# mypy sees the installed layout (salesim.simulator = simulator/, …) through symlinks
typecheck-view:
	mkdir -p .typecheck/salesim
	for f in salesim/* simulator reports training scenarios; do \
	    ln -sfn ../../$$f .typecheck/salesim/$$(basename $$f); done

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) .typecheck runs .pytest_cache .mypy_cache .ruff_cache
