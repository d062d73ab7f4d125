from collections import Counter

import pytest
import tensorflow as tf

from t2t_lite.errors import DataError
from t2t_lite.hparams import get_hparams
from t2t_lite.problems import bucket_batch_sizes, bucket_boundaries, get_problem, make_dataset

from records import read_examples

# T2T's boundaries for max_length=256, worked out by hand from its rule.
T2T_BOUNDARIES_256 = list(range(8, 21)) + [
    22,
    24,
    26,
    28,
    30,
    33,
    36,
    39,
    42,
    46,
    50,
    55,
    60,
    66,
    72,
    79,
    86,
    94,
    103,
    113,
    124,
    136,
    149,
    163,
    179,
    196,
    215,
    236,
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("data")
    get_problem("algorithmic_reverse_binary40").generate_data(
        str(directory), str(directory), seed=1, max_cases=3000
    )
    return directory


def rows(batch):
    """Unpadded examples of a batch (ids are never 0 inside an example)."""
    for inputs, targets in zip(batch["inputs"].numpy(), batch["targets"].numpy(), strict=True):
        yield tuple(int(i) for i in inputs if i), tuple(int(t) for t in targets if t)


def test_t2t_bucket_boundaries_and_sizes():
    assert bucket_boundaries(256) == T2T_BOUNDARIES_256
    sizes = bucket_batch_sizes(T2T_BOUNDARIES_256, 4096, 256)
    assert sizes[0] == 512 and sizes[-1] == 16 and len(sizes) == len(T2T_BOUNDARIES_256) + 1
    assert bucket_batch_sizes([8, 400], 100, 1000) == [12, 1, 1]


def test_training_batches_stay_within_the_token_budget(data_dir):
    dataset = make_dataset(
        str(data_dir / "*-train-*"), training=True, batch_size=300, max_length=30, seed=3
    )
    seen = 0
    for batch in dataset.take(60):
        inputs, targets = batch["inputs"], batch["targets"]
        assert inputs.dtype == tf.int64 and targets.shape[0] == inputs.shape[0]
        padded_tokens = inputs.shape[0] * max(inputs.shape[1], targets.shape[1])
        assert padded_tokens <= 300
        assert max(inputs.shape[1], targets.shape[1]) <= 30  # longer examples dropped
        seen += inputs.shape[0]
    assert seen > 500


def test_eval_reads_every_example_once_and_keeps_long_ones(data_dir):
    hparams = get_hparams("transformer_tiny", "batch_size=512,max_length=64")
    dataset = get_problem("algorithmic_reverse_binary40").dataset("eval", str(data_dir), hparams)
    got = Counter(row for batch in dataset for row in rows(batch))
    want = Counter((tuple(i), tuple(t)) for i, t in read_examples(str(data_dir / "*-dev-*")))
    assert got == want
    assert max(len(i) for i, _ in got) > 64


def test_reverse_swaps_inputs_and_targets(data_dir):
    pattern = str(data_dir / "*-dev-*")
    forward = Counter(r for b in make_dataset(pattern, False, 512, 64) for r in rows(b))
    backward = Counter(
        r for b in make_dataset(pattern, False, 512, 64, reverse=True) for r in rows(b)
    )
    assert backward == Counter((t, i) for i, t in forward.elements())


def test_input_pipelines_read_disjoint_files(data_dir):
    pattern = str(data_dir / "*-train-*")
    shares = []
    for pipeline_id in range(2):
        context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=pipeline_id)
        dataset = make_dataset(pattern, False, 4096, 64, input_context=context)
        shares.append(Counter(r for b in dataset for r in rows(b)))
    everything = Counter(r for b in make_dataset(pattern, False, 4096, 64) for r in rows(b))
    assert shares[0] + shares[1] == everything
    assert shares[0] and shares[1]


def test_missing_files_name_the_split_and_the_pattern(tmp_path):
    hparams = get_hparams("transformer_tiny")
    with pytest.raises(DataError, match=r"no train split .*translate_ende_multi30k-train-\*"):
        get_problem("translate_ende_multi30k").dataset("train", str(tmp_path), hparams)
