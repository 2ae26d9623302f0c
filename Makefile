# clinicvalue — every set-up step lives here, so a fresh clone needs only `make demo` / `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# what each target needs installed: the demo only the kit; the tests the dev extras; the
# benchmark the plain lifetimes pipeline it compares against
STAMP_RUN   := $(VENV)/.installed-run
STAMP_DEV   := $(VENV)/.installed-dev
STAMP_BENCH := $(VENV)/.installed-bench
# editable "compat" mode: the checkout goes on sys.path itself, so `import clinicvalue`
# also works from the folder that holds a clone named clinicvalue
EDITABLE := --config-settings editable_mode=compat
DEV_EXTRAS := [dev,sql]

.PHONY: demo test test-fast lint bench system system-test clean

# System packages the reports need: a CJK font (Noto Sans CJK) so Chinese renders as
# glyphs, Pango for WeasyPrint, poppler-utils to look at PDFs. Installed from Debian's
# packages when missing and we may (root); otherwise a clear hint.
system:
	@bash scripts/system-deps.sh

# The tests also start a real PostgreSQL server and Spark in local mode (needs Java).
system-test:
	@bash scripts/system-deps.sh test

define install
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.$(1)' $(EDITABLE)
	$(PY) -m ipykernel install --sys-prefix --name clinicvalue --display-name "clinicvalue (.venv)" >/dev/null
	@touch $@
endef

$(STAMP_RUN): pyproject.toml setup.py
	$(call install,)

$(STAMP_DEV): pyproject.toml setup.py
	$(call install,$(DEV_EXTRAS))
	@touch $(STAMP_RUN)

$(STAMP_BENCH): pyproject.toml setup.py
	$(call install,[bench])
	@touch $(STAMP_RUN)

demo: system $(STAMP_RUN)
	$(VENV)/bin/clinicvalue demo --out reports

test: system-test $(STAMP_DEV)
	$(PY) -m pytest -q

test-fast: $(STAMP_DEV)
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP_DEV)
	$(VENV)/bin/ruff check clinicvalue tests benchmarks
	$(VENV)/bin/ruff format --check clinicvalue tests benchmarks

bench: system $(STAMP_BENCH)
	$(VENV)/bin/python -m benchmarks.bench; scoring=$$?; \
	$(VENV)/bin/python -m benchmarks.models; models=$$?; \
	$(VENV)/bin/python -m benchmarks.actions; actions=$$?; \
	$(VENV)/bin/python -m benchmarks.commands; commands=$$?; \
	exit $$(( scoring || models || actions || commands ))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
