"""The input-fitting rule (`decoding.terminate`, `tf_terminate`) against the rule written
out by hand, in Python and in the graph."""

import pytest
import tensorflow as tf

from t2t_lite import decoding
from t2t_lite.ids import EOS_ID


@pytest.mark.parametrize("length", [0, 1, 4, 5, 6, 9])
@pytest.mark.parametrize("max_length", [0, 1, 5, 6])
def test_python_and_graph_fit_inputs_alike(length, max_length):
    ids = list(range(10, 10 + length))
    limit = max_length or 10**9
    want = (ids if len(ids) + 1 <= limit else ids[: limit - 1]) + [EOS_ID]
    got, cut = decoding.terminate(ids, max_length)
    assert (got, cut) == (want, len(ids) + 1 > limit)
    graph = decoding.tf_terminate(
        tf.ragged.constant([ids, [7]], dtype=tf.int64, ragged_rank=1), max_length
    )
    assert graph.dtype == tf.int32
    assert graph.numpy()[0].tolist() == want + [0] * (graph.shape[1] - len(want))
