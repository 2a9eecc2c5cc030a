# Two commands on a fresh machine: `make serve` and `make test`. Both set up what is missing.
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1

# The pinned packages (torch 2.13.0, NumPy 2.4, MkDocs Material 9.8, ...) support Python 3.11
# to 3.14: take `python3` if it is one of those, else the newest of them on the PATH.
SUPPORTED := 3.14 3.13 3.12 3.11
PYTHON ?= $(shell for p in python3 $(addprefix python,$(SUPPORTED)); do \
	command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(f"{sys.version_info[0]}.{sys.version_info[1]}" not in "$(SUPPORTED)".split())' 2>/dev/null && { echo $$p; exit; }; \
	done; echo python3)

.PHONY: setup serve build test check audit bench screenshots clean

setup: $(VENV)/.installed node_modules/.installed

# A virtualenv with the pinned packages; redone when requirements.txt changes
$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; v = f"{sys.version_info[0]}.{sys.version_info[1]}"; sys.exit(0 if v in "$(SUPPORTED)".split() else f"This project needs Python 3.11, 3.12, 3.13 or 3.14 (torch 2.13.0 and the other pinned packages); $(PYTHON) is {v}. Install one, or set PYTHON=python3.12 (for example).")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# KaTeX, PurgeCSS and Lighthouse from the npm registry, exactly as package-lock.json pins them
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

serve: setup  ## build, serve on http://127.0.0.1:8000, rebuild what changed on every edit
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000 --dirty

build: setup  ## build the site into site/, failing on any warning
	$(BIN)/mkdocs build --strict

test: setup  ## every test: snippets, site build, notebooks, scripts, browser; on every core
	$(BIN)/python -m pytest -n auto --dist loadgroup

check: setup  ## the writer's quick loop: a strict build and the fast tests, no browser or kernels
	$(BIN)/python -m pytest -n auto --dist loadgroup -m "not slow and not browser"

audit: setup  ## Lighthouse (mobile) over every page of the built site: prints and writes a table
	$(BIN)/mkdocs build --strict
	$(BIN)/python tools/audit.py site

screenshots: setup  ## every page at 1280 and 390 px, full length, into test-artifacts/screenshots/
	LINREG_SCREENSHOTS=1 $(BIN)/python -m pytest -n auto --dist loadgroup tests/test_browser.py \
		-k "loads_clean or horizontal_overflow"

bench: setup  ## measure the scaling-up chapter's tables on this machine
	$(BIN)/python snippets/scaling_up.py --write-results

clean:
	rm -rf site .cache test-artifacts
