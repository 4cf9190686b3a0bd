# README's two commands: `make repro` rebuilds every result, `make test` runs the tests.
# Each first creates (or updates) the pinned environment in .venv from uv.lock.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
# Extras of pyproject.toml to install: the TensorFlow build (cpu here and on laptops,
# gpu on a CUDA machine) and optionally s3 for a DVC remote on S3: `make repro EXTRAS="gpu s3"`.
EXTRAS ?= cpu
STAMP := .venv/.synced-$(subst $() ,-,$(EXTRAS))

# The course's shared data mirror, when it sits beside the repository: AirCalc's operator archive
# and hand model have no public copy of the same bytes (shared/data/PROVENANCE.md).
export REDES_DATA_MIRROR ?= $(shell [ -d ../shared/data ] && cd ../shared/data && pwd)
export DVC_NO_ANALYTICS ?= 1
export MLFLOW_DISABLE_TELEMETRY ?= true
# Trust the machine's certificate store (a lab proxy's CA), not only uv's bundled roots.
export UV_SYSTEM_CERTS ?= 1

.PHONY: setup repro test benchmark mlflow-ui

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on the course's CI machines) every
# stage would otherwise compile TensorFlow's sources again: 16 s instead of 5 s to import it here.
$(STAMP): $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON) $(addprefix --extra ,$(EXTRAS))
	rm -f .venv/.synced-*
	touch $@

setup: $(STAMP)

# REPRO_FLAGS: more of `dvc repro`'s options, e.g. --force for CI's full reproduction (.ci/reproduce).
repro: setup
	$(UV) run --no-sync dvc repro $(REPRO_FLAGS)

# Two workers, one test file each at a time, in collection order (tests/conftest.py puts the
# pipeline smoke test first): its repository (a `dvc repro`, minutes of one-threaded stage
# start-ups) is built once, in one worker, from the start, while the other runs the rest.
test: setup
	$(UV) run --no-sync pytest -n 2 --dist loadfile --no-loadscope-reorder

# DeepXDE, the third column of benchmarks/pinn.py, and pytesseract, benchmarks/aircalc.py's OCR route
# (it calls Debian's tesseract-ocr), come with the `benchmark` dependency group.
benchmark: setup
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON) $(addprefix --extra ,$(EXTRAS)) --group benchmark
	$(UV) run --no-sync python benchmarks/mnist.py
	$(UV) run --no-sync python benchmarks/har.py
	$(UV) run --no-sync python benchmarks/pinn.py
	$(UV) run --no-sync python benchmarks/aircalc.py
	$(UV) run --no-sync python benchmarks/aging.py

mlflow-ui: setup
	$(UV) run --no-sync mlflow ui --backend-store-uri sqlite:///mlflow.db --default-artifact-root ./mlartifacts
