# Every target sets itself up on a fresh machine: a local .venv with the project installed.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup test lint demo serve clean sweep

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(PY) -m pytest --cov --cov-report=term

serve: setup
	$(PY) -m reference_impl serve --host 127.0.0.1 --port 8000

# The demo registry's secrets are public test fixtures (README); the profile names these variables.
demo: export CC_DEMO_CLIENT_SECRET = cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw
demo: export CC_SPECIAL_CLIENT_SECRET = p@ss:wörd +%&=/ü
demo: export CC_CODE_ONLY_CLIENT_SECRET = cc-code-only-secret
demo: setup
	$(VENV)/bin/cc-conformance run --app reference_impl.asgi:app --profile examples/reference.toml

# Seed sweep (scripts/sweep.py): the default run against the reference in-process and over
# loopback HTTP for 200 random seeds each (about 25 min); every seed must exit 0. ARGS=--seeds 20
sweep: export CC_DEMO_CLIENT_SECRET = cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw
sweep: export CC_SPECIAL_CLIENT_SECRET = p@ss:wörd +%&=/ü
sweep: export CC_CODE_ONLY_CLIENT_SECRET = cc-code-only-secret
sweep: setup
	$(PY) scripts/sweep.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .coverage reports/*

# Interoperability matrix (docs/interop.md, docs/interop.html): installs the pinned peer servers
# (interop/requirements.txt) into $(VENV) only here, starts each on 127.0.0.1, runs the suite,
# always stops it. The fixture secrets are the public demo values (README).
.PHONY: interop
interop: export CC_DEMO_CLIENT_SECRET = cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw
interop: export CC_SPECIAL_CLIENT_SECRET = p@ss:wörd +%&=/ü
interop: export CC_CODE_ONLY_CLIENT_SECRET = cc-code-only-secret
interop: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r interop/requirements.txt
	$(PY) -m interop.run

# Benchmarks (docs/benchmarks.md): in-process cost per token request, HTTP throughput under
# uvicorn on 127.0.0.1 and the suite's own speed, the reference beside the pinned peers
# (installed like `make interop`; a peer that is missing is skipped). Uses `hey` when installed
# (apt-get install hey), else a raw asyncio client. Options go in ARGS (make has no --quick):
# `make bench ARGS=--quick` or `make bench-quick` is a smoke run into reports/.
.PHONY: bench bench-quick
bench: export CC_DEMO_CLIENT_SECRET = cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw
bench: export CC_SPECIAL_CLIENT_SECRET = p@ss:wörd +%&=/ü
bench: export CC_CODE_ONLY_CLIENT_SECRET = cc-code-only-secret
bench: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r interop/requirements.txt
	$(PY) -m bench.run $(ARGS)

bench-quick:
	$(MAKE) bench ARGS=--quick
