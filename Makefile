# order_system: `make dev` runs it, `make test` proves it. Every target sets itself up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
RUFF := $(VENV)/bin/ruff --config server/pyproject.toml
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# Validators (Compose, checkov, HCL, Kubernetes, shellcheck) live apart, so their pins never
# fight the application's.
TOOLS_VENV := .venv-tools
TOOLS_INSTALLED := $(TOOLS_VENV)/.installed
SYSTEM_PACKAGES := redis-server nginx openssl

.PHONY: help dev api seed test lint fmt system-deps lock clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(INSTALLED): server/pyproject.toml server/constraints.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -c server/constraints.txt -e 'server[dev]'
	touch $@

$(TOOLS_INSTALLED): tests/validators-requirements.txt
	python3 -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --upgrade pip
	$(TOOLS_VENV)/bin/pip install --quiet -r tests/validators-requirements.txt
	touch $@

system-deps:  ## Debian packages the tests start for real (installed when root)
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "Please install: $$missing (e.g. sudo apt-get install $$missing)"; exit 1; \
		fi; \
	fi

dev: api  ## Run the service for development

api: $(INSTALLED)  ## Run the API alone (auto-reload, local PostgreSQL unless configured)
	$(PYTHON) -m devtools.dev

seed: $(INSTALLED)  ## Demo data in the dev database (more: SEED_ARGS="--orders 100000")
	$(PYTHON) -m devtools.seed $(SEED_ARGS)

test: lint system-deps $(TOOLS_INSTALLED)  ## Lint, then run every test against a real PostgreSQL
	$(PYTHON) -m pytest tests

lint: $(INSTALLED)  ## ruff and mypy
	$(RUFF) check server tests
	$(RUFF) format --check server tests
	cd server && ../$(VENV)/bin/mypy app devtools ../tests

fmt: $(INSTALLED)  ## Format and autofix
	$(RUFF) format server tests
	$(RUFF) check --fix server tests

lock:  ## Re-resolve dependencies to their newest allowed versions into server/constraints.txt
	rm -rf $(VENV)-lock
	python3 -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install --quiet -e 'server[dev]'
	$(VENV)-lock/bin/pip freeze --exclude-editable > server/constraints.txt
	rm -rf $(VENV)-lock

clean:  ## Remove the virtualenvs and the local database
	rm -rf $(VENV) $(TOOLS_VENV) .data
