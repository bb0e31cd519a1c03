# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DATA   ?= data_samples
OUT    ?= smsaudit-report

.PHONY: demo test lint typecheck unit notebooks notebooks-build lab nightly samples bench browser \
        dist wheel-smoke fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/smsaudit demo --out $(OUT) --format csv --format xlsx

# Headless Chromium for the report's browser test (Debian package; needs root or sudo).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks data_samples notebooks hatch_build.py
	$(BIN)/ruff format --check src tests benchmarks data_samples notebooks hatch_build.py

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) browser
	$(BIN)/pytest -q

# Strict nbval, twice, under two machine time zones: outputs must not depend on either.
notebooks: $(STAMP)
	TZ=UTC $(BIN)/pytest -q --nbval notebooks --nbval-sanitize-with notebooks/sanitize.cfg
	TZ=America/New_York $(BIN)/pytest -q --nbval notebooks --nbval-sanitize-with notebooks/sanitize.cfg

# The sdist and wheel, built as a release would be (isolated build, hatchling from PyPI).
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

# What a user does: install the wheel into a fresh venv, then run it from another folder.
wheel-smoke: dist
	$(BIN)/python tests/wheel_smoke.py dist/smsaudit-*.whl

test: lint typecheck unit notebooks wheel-smoke

# The property tests with fresh random examples (make test draws the same ones every run).
fuzz: $(STAMP)
	SMSAUDIT_HYPOTHESIS=fuzz $(BIN)/pytest -q $$(grep -l '@given' tests/test_*.py)

# Rebuild the committed notebooks (with outputs) from notebooks/src/*.py.
notebooks-build: $(STAMP)
	$(BIN)/python notebooks/build.py

samples: $(STAMP)
	$(BIN)/python data_samples/generate.py

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab notebooks

# Nightly: run every notebook against another data folder, e.g. `make nightly DATA=/exports/2026-11`.
nightly: $(STAMP)
	SMSAUDIT_DATA=$(abspath $(DATA)) $(BIN)/pytest -q --nbval-lax notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/generate.py
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(OUT) dist .pytest_cache .mypy_cache .ruff_cache
