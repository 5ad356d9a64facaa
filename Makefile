# The two commands of the README, and the pieces they are made of.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test install install-dev demo bench

$(PY):
	$(PYTHON) -m venv $(VENV)

install: $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt

install-dev: $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	bash scripts/install_browser.sh

# Install and start the dashboard on the demo data (http://localhost:8501).
run: install
	$(PY) -m streamlit run dashboard.py

# Install what the tests need and run them all.
test: install-dev
	$(PY) -m pytest -q

demo: install
	$(PY) scripts/build_demo.py

bench: install-dev
	$(PY) benchmarks/import_bench.py
