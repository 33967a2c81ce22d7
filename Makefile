# kefu: `make run` serves the demo desk, `make test` runs every test.  Both set up
# whatever is missing first (venv, Python and npm packages, front-end bundle).
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
BUNDLE  := static/dist/manifest.json
JS_SRC  := $(shell find static/src -type f 2>/dev/null)
PYTEST_ARGS ?=

.PHONY: setup run test system-deps bench clean

setup: $(STAMP) $(BUNDLE)

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,encoder]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(BUNDLE): node_modules/.package-lock.json $(JS_SRC)
	npm run build

run: setup
	$(VENV)/bin/kefu run

# Debian packages the browser, multi-process, PostgreSQL and nginx tests drive (root or sudo once).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "installing$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

test: setup system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) benchmarks/clinc150.py

clean:
	rm -rf $(VENV) node_modules static/dist .pytest_cache
