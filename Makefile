# Two entry points, each from a fresh clone with only Python installed:
#   make demo   set up .venv, install pinrules, lint the example posts, publish some to the stand-in
#   make test   set up .venv with the test tools, run ruff, mypy and pytest
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

demo: $(BIN)/python
	$(PIP) install .
	@echo "== pinrules lint examples/posts --accounts examples/accounts.yaml"
	@$(BIN)/pinrules lint examples/posts --accounts examples/accounts.yaml; \
	status=$$?; echo "(exit status $$status: 1 means errors were found, as expected here)"; \
	test $$status -le 1
	@$(BIN)/python examples/demo_publish.py

test: $(BIN)/python
	$(PIP) install -e '.[test]'
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# the wheel, installed with its .pyc files into bench/.work/venv (as users run it), measured there
bench:
	$(PYTHON) bench/wheel_venv.py

docs: $(BIN)/python
	$(BIN)/python scripts/docs.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
