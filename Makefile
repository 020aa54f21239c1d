# The two commands a new user needs are `make demo` and `make test`; everything else is a step they use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $$HOME/.pyenv)
# The dev tooling (collector, CDK, runtime emulator) runs on 3.11; the layer is also tested on 3.9-3.13.
DEV_PYTHON ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.11.*/bin/python) $(shell command -v python3))
LAYER_PYTHONS ?= 3.9 3.10 3.12 3.13
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

NODE_BIN := $(CURDIR)/node_modules/.bin
.PHONY: help venv infra-deps bench-venv browser-deps inspector-screenshot test test-fast test-layer-pythons demo layer synth bench soak clean

help:
	@echo "make demo   - start the local collector and run the reference bots on the sample events"
	@echo "make test   - run every test (layer on Python 3.9-3.13, collector, runtime, infra)"

$(VENV)/.installed: requirements-dev.txt
	$(DEV_PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# CDK tooling (aws-cdk-lib, cdk-nag, cfn-lint) in the same venv, and the cdk CLI + Node 22 from npm.
$(VENV)/.infra-installed: requirements-infra.txt $(VENV)/.installed
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-infra.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

infra-deps: $(VENV)/.infra-installed node_modules/.installed

# Headless Chromium for the inspector's browser tests: Debian's packages, never a downloaded browser.
browser-deps:
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || (apt-get update && apt-get install -y chromium chromium-driver)

# One venv per extra interpreter, holding only what the layer's tests need.
.venv-py%/.installed: requirements-layer-test.txt
	$(firstword $(wildcard $(PYENV_ROOT)/versions/$*.*/bin/python) python$*) -m venv .venv-py$*
	.venv-py$*/bin/pip install -q --disable-pip-version-check -r requirements-layer-test.txt
	touch $@

test: venv infra-deps bench-venv browser-deps
	PATH="$(NODE_BIN):$$PATH" $(PY) -m pytest -q
	$(MAKE) --no-print-directory test-layer-pythons

# Fast loop while developing: the layer's tests on the dev interpreter only.
test-fast: venv
	$(PY) -m pytest -q tests/layer

test-layer-pythons: $(foreach v,$(LAYER_PYTHONS),.venv-py$(v)/.installed)
	@for v in $(LAYER_PYTHONS); do \
	  echo "== layer tests on Python $$v"; \
	  .venv-py$$v/bin/python -m pytest -q -p no:cacheprovider tests/layer || exit 1; \
	done

# From a terminal the inspector page stays up until Ctrl-C; without one (CI) the demo runs and exits.
demo: venv
	$(PY) -m devtools.demo $$( [ -t 0 ] && echo --serve )

inspector-screenshot: venv browser-deps
	$(PY) -m devtools.collector.inspector --screenshot docs/inspector.png

# --- benchmarks: their own venvs (the official SDK must never be importable by the layer's tests) ------
BENCH_VENV := .venv-bench
# Interpreters of the cold-start scenario; each gets a venv with the official SDK only.
BENCH_PYTHONS ?= 3.9 3.13

$(BENCH_VENV)/.installed: requirements-dev.txt bench/requirements.txt
	$(DEV_PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt -r bench/requirements.txt
	touch $@

.venv-bench-py%/.installed: bench/requirements-peer.txt
	$(firstword $(wildcard $(PYENV_ROOT)/versions/$*.*/bin/python) python$*) -m venv .venv-bench-py$*
	.venv-bench-py$*/bin/pip install -q --disable-pip-version-check -r bench/requirements-peer.txt
	touch $@

bench-venv: $(BENCH_VENV)/.installed $(foreach v,$(BENCH_PYTHONS),.venv-bench-py$(v)/.installed)

# Writes bench/RESULTS.md and bench/latency.png (a few minutes on 2 cores).
bench: bench-venv
	PYENV_ROOT=$(PYENV_ROOT) $(BENCH_VENV)/bin/python -m bench

# Property tests with >= 100,000 generated events (outside the default run).
soak: venv
	HYPOTHESIS_PROFILE=soak $(PY) -m pytest -q -p no:cacheprovider tests/platforms/test_property_detection.py
	PROPERTY_EXAMPLES=100000 $(PY) -m pytest -q -p no:cacheprovider tests/platforms/test_hostile_webhooks.py

layer: venv
	$(PY) -m devtools.layer_build --out build/botanalytics-layer.zip

synth: venv infra-deps
	PATH="$(NODE_BIN):$(CURDIR)/$(VENV)/bin:$$PATH" CDK_DISABLE_VERSION_CHECK=true AWS_EC2_METADATA_DISABLED=true npx --no cdk synth -q

clean:
	rm -rf $(VENV) .venv-* build cdk.out .pytest_cache node_modules .bench-tmp
