# The two commands a newcomer runs: `make quickstart` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: quickstart test test-fast lint install install-bench bench multi30k clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# The whole pipeline on a task transformer_tiny learns in minutes: datagen + train, decode
# the whole dev split (exact matches), export, then answer one request from the SavedModel
# with TensorFlow and TF-Text alone, failing unless the answer is right.
# QS_WORK and QS_SEED let bench/quickstart_seeds.py vary the run.
QS_WORK ?= t2t_work
QS_SEED ?=
QS_RUN := --data_dir=$(QS_WORK)/data --output_dir=$(QS_WORK)/quickstart

quickstart: $(STAMP)
	$(VENV)/bin/t2t-trainer --flagfile=configs/quickstart.cfg $(QS_RUN) --tmp_dir=$(QS_WORK)/tmp \
		$(if $(QS_SEED),--random_seed=$(QS_SEED))
	$(VENV)/bin/t2t-decoder $(QS_RUN) --decode_hparams=beam_size=1
	$(VENV)/bin/t2t-exporter $(QS_RUN)
	$(VENV)/bin/t2t-query-export --export_dir=$(QS_WORK)/quickstart/export \
		--inputs="3 1 4 1 5 9 2 6 5 3" --expected="3 5 6 2 9 5 1 4 1 3"

BENCH_STAMP := $(VENV)/.installed-bench
install-bench: $(BENCH_STAMP)
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $@

# Training throughput against keras-hub and PyTorch (docs/bench_train_throughput.md).
bench: $(BENCH_STAMP)
	$(PY) bench/train_throughput.py

# The Multi30k recipe on this machine's CPU, both directions (docs/results.md).
multi30k: $(BENCH_STAMP)
	bash bench/multi30k.sh cpu translate_ende_multi30k
	bash bench/multi30k.sh cpu translate_ende_multi30k_rev

# -rs: why each skipped test skipped; --durations: where the time goes. Most tests wait
# on binaries in subprocesses, so TEST_JOBS pytest-xdist workers share the cores; a file's
# tests stay on one worker, so its module fixtures are built once (conftest.built_once
# shares the session ones across workers).
TEST_JOBS ?= 2
PYTEST := $(PY) -m pytest -q -rs --durations=15 -n $(TEST_JOBS) --dist loadfile

test: $(STAMP)
	$(PYTEST)

test-fast: $(STAMP)
	$(PYTEST) -m "not slow"

# ruff's rules and line length are in pyproject.toml; `ruff format .` fixes the layout.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) t2t_work .pytest_cache *.egg-info
