# The front door. On a fresh machine with Python 3.11+ and make:
#   make report   creates .venv, installs gtanalytics, builds the sample governor reports into reports/
#   make test     creates .venv if missing, runs the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: env test report lab bench validate clean

env: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name gtanalytics --display-name "Python (gtanalytics)" >/dev/null
	@touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

report: $(STAMP)
	$(BIN)/gtanalytics report --data data/sample --out reports

validate: $(STAMP)
	$(BIN)/gtanalytics validate data/sample

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) reports .pytest_cache
