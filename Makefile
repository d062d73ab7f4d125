# The two commands a newcomer runs: `make quickstart` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: quickstart test test-fast install install-bench bench multi30k clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# The whole pipeline on the default problem: datagen + train, decode a few dev examples,
# export, then reload the export with TensorFlow and TF-Text only and serve one request.
QUICK := --data_dir=t2t_work/data --output_dir=t2t_work/quickstart
SERVE_CHECK := import glob, tensorflow as tf, tensorflow_text; \
	path = max(glob.glob('t2t_work/quickstart/export/[0-9]*'), key=lambda p: int(p.rsplit('/', 1)[1])); \
	out = tf.saved_model.load(path).signatures['serving_default'](inputs=tf.constant(['1 0 0 1 1 0 1'])); \
	print('Served by', path, ': \'1 0 0 1 1 0 1\' ->', repr(out['outputs'].numpy()[0].decode()))

quickstart: $(STAMP)
	$(VENV)/bin/t2t-trainer --flagfile=configs/quickstart.cfg
	$(VENV)/bin/t2t-decoder $(QUICK) --decode_hparams=beam_size=1,num_samples=5
	$(VENV)/bin/t2t-exporter $(QUICK) --decode_hparams=beam_size=2
	TF_CPP_MIN_LOG_LEVEL=3 $(PY) -c "$(SERVE_CHECK)"

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

test: $(STAMP)
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) t2t_work .pytest_cache *.egg-info
