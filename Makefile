# Two commands on a fresh machine: `make serve` and `make test`. Both set up what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup serve build test bench clean

setup: $(VENV)/.installed node_modules/.installed

# A virtualenv with the pinned packages; redone when requirements.txt changes
$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# KaTeX from the npm registry, exactly as package-lock.json pins it
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

serve: setup  ## build, serve on http://127.0.0.1:8000 and rebuild on every change
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

build: setup  ## build the site into site/, failing on any warning
	$(BIN)/mkdocs build --strict

test: setup  ## every test: snippets, site build, notebook, browser
	$(BIN)/python -m pytest

bench: setup  ## measure the scaling-up chapter's tables on this machine
	$(BIN)/python snippets/scaling_up.py --write-results

clean:
	rm -rf site .cache test-artifacts
