# AutoML Studio — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The CPU build of torch lies on this kind of machine's disk; a GPU machine may override it.
TORCH_SPEC ?= torch==2.13.0
PORT ?= 8501
HOST ?= 127.0.0.1
export AUTOML_STUDIO_HOME ?= $(CURDIR)/workspace

.PHONY: install run test test-fast bench chromium clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -e ".[test]"
	# fastai asks for torchvision and imports none of it for tables; PyPI's build fails to import beside the CPU
	# torch ("operator torchvision::nms does not exist"), and lightning (the deep forecasting models) then fails
	# with it. Without torchvision both work.
	$(PY) -m pip uninstall -q -y torchvision
	touch $(STAMP)

# Debian's Chromium for the real-browser tests (never `playwright install`).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }

run: install
	$(VENV)/bin/automl-studio ui --host $(HOST) --port $(PORT)

test: install chromium
	@rm -f test-artifacts/summary.txt
	@$(PY) -m ruff check . || { echo "make test: ruff found the problems above (configured in pyproject.toml)"; exit 1; }
	@$(PY) -m pytest tests -q -p no:cacheprovider --durations=20; status=$$?; \
		echo; cat test-artifacts/summary.txt 2>/dev/null || echo "make test: pytest did not finish (exit $$status)"; \
		exit $$status

test-fast: install
	$(PY) -m pytest tests/unit -q -p no:cacheprovider

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
