# clinicvalue — every set-up step lives here, so a fresh clone needs only `make demo` / `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test lint bench system system-test clean

# System packages the reports need: a CJK font (Noto Sans CJK) so Chinese renders as
# glyphs, Pango for WeasyPrint, poppler-utils to look at PDFs. Installed from Debian's
# packages when missing and we may (root); otherwise a clear hint.
system:
	@bash scripts/system-deps.sh

# The tests also start a real PostgreSQL server and Spark in local mode (needs Java).
system-test:
	@bash scripts/system-deps.sh test

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,sql]'
	$(PY) -m ipykernel install --sys-prefix --name clinicvalue --display-name "clinicvalue (.venv)" >/dev/null
	@touch $(STAMP)

demo: system $(STAMP)
	$(VENV)/bin/clinicvalue demo --out reports

test: system-test $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check clinicvalue tests
	$(VENV)/bin/ruff format --check clinicvalue tests

bench: system $(STAMP)
	$(VENV)/bin/clinicvalue bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
