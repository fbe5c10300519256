# The front door. On a fresh machine with Python 3.11+ and make:
#   make          creates .venv and installs gtanalytics with every extra (report, lab, test)
#   make report   builds the sample trust's governor reports into reports/
#   make test     lint (ruff) and the whole test suite, doctests included, on two workers
#   make lab      opens the notebooks in JupyterLab
#   make dist     builds the wheel into dist/ (pip install "dist/gtanalytics-*.whl[report]")
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# One stamp per extra installed: `make` installs everything, `make test` only what the tests need.
STAMP  := $(VENV)/.installed
# Test workers (pytest-xdist): one per core of the 2-core reference machine; `make test WORKERS=auto` elsewhere.
WORKERS ?= 2
# JupyterLab refuses to start as root unless told it may (containers, CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: all env test lint report lab bench validate dist clean
.PRECIOUS: $(STAMP)-%

all: env

env: $(STAMP)-all

$(STAMP)-%: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[$*]"
	@touch $@

lint: $(STAMP)-test
	$(BIN)/ruff check gtanalytics tests benchmarks

test: lint
	$(BIN)/python -m pytest -q -n $(WORKERS) --dist loadfile --durations=25

report: $(STAMP)-report
	$(BIN)/gtanalytics report --data data/sample --out reports

validate: $(STAMP)-report
	$(BIN)/gtanalytics validate data/sample

# The notebooks name the kernel "gtanalytics": installed inside .venv (--sys-prefix) for JupyterLab
# only; `gtanalytics report` needs no kernel installed.
lab: $(STAMP)-lab
	$(BIN)/python -m ipykernel install --sys-prefix --name gtanalytics --display-name "Python (gtanalytics)" >/dev/null
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/

bench: $(STAMP)-test
	$(BIN)/python benchmarks/run.py

dist:
	$(PYTHON) -m pip wheel --no-deps --wheel-dir dist .

clean:
	rm -rf $(VENV) reports .pytest_cache build dist *.egg-info
