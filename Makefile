# Every command the README gives. Each target installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
PY := .venv/bin/python
export UV_LINK_MODE := copy

.PHONY: help install run test fuzz lint typecheck fmt bench isbot redrive dlq recount deploy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for DynamoDB Local: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

install: .venv/.synced node_modules/.installed ## Install Python and npm dependencies

run: install ## Start Kring locally (DynamoDB Local, gateway on :3000, bus, schedules, demo data)
	$(PY) -m infra.local

test: install ## Run the whole test suite (lint, types, template, unit, integration, DynamoDB Local, e2e)
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy shared functions infra
	$(UV) run --frozen pytest -n 2 --dist loadgroup

FUZZ_TESTS := tests/integration/test_fuzz_webhooks.py tests/integration/test_fuzz_http.py tests/unit/test_safe_json.py

fuzz: install ## The hostile-input properties with many more examples than make test (~30 min on 2 cores)
	HYPOTHESIS_PROFILE=fuzz $(UV) run --frozen pytest -n 2 --dist loadgroup $(FUZZ_TESTS)

lint: install ## Lint and type-check only
	$(UV) run --frozen ruff check .
	$(UV) run --frozen mypy shared functions infra
	$(UV) run --frozen cfn-lint -a cfn_lint_serverless.rules -- template.yaml

fmt: install ## Format the code
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

bench: install ## Run the benchmarks in bench/ (not part of make test)
	$(PY) -m bench

isbot: install ## Vendor isbot's bot patterns into the redirect; ISBOT=<version> upgrades the npm package first
	$(if $(ISBOT),npm install --save-exact --no-audit --no-fund isbot@$(ISBOT) && touch node_modules/.installed)
	$(PY) -m infra.vendor_isbot

dlq: install ## List what the local stack's dead-letter queues hold
	$(PY) -m infra.local dlq list

redrive: install ## Put parked messages back: local DLQs; in AWS QUEUE=<dlq url> [TARGET=<url> | BUS=<bus>]
	$(PY) -m infra.local dlq redrive $(if $(QUEUE),--queue-url $(QUEUE)) $(if $(TARGET),--target-url $(TARGET)) $(if $(BUS),--bus $(BUS))

recount: install ## After an upgrade that says so: recount the stored applications (local stack; in AWS TABLE=kring-<stage>)
	$(PY) -m infra.recount $(if $(TABLE),--table $(TABLE))

deploy: install ## Build and deploy to AWS with SAM (guided the first time; SAM_BUILD_FLAGS=--use-container without Python 3.13)
	$(UV) run --frozen --with aws-sam-cli sam build $(SAM_BUILD_FLAGS)
	$(UV) run --frozen --with aws-sam-cli sam deploy --guided

clean: ## Remove local state and build output (keeps .venv and node_modules)
	rm -rf .kring .aws-sam .pytest_cache .mypy_cache .ruff_cache bench/results
