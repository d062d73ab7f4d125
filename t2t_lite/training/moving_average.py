"""An exponential moving average (EMA) of a model's trainable weights, OpenNMT-tf's
`moving_average_decay`: kept beside the weights, updated once per optimizer update, saved
in checkpoints under `ema/<variable path>`, and used by evaluation, decoding and export."""

import contextlib

import keras
import tensorflow as tf

from t2t_lite.hparams import HParams, HParamsError
from t2t_lite.runs import trainable_variables_by_path


def moving_average_decay(hparams: HParams) -> float:
    """`hparams.moving_average_decay`, checked: 0 turns the EMA off, else in (0, 1)."""
    decay = float(hparams.moving_average_decay)
    if decay != 0.0 and not 0.0 < decay < 1.0:
        raise HParamsError(
            f"moving_average_decay={hparams.moving_average_decay} must be in (0, 1), "
            "or 0 for no moving average"
        )
    return decay


class WeightMovingAverage:
    """The EMA of `model`'s trainable weights.

    After the optimizer's `u`-th update (u = 1, 2, ...) each average `a` of a weight `w`
    becomes `a - (1 - d) * (a - w)` with `d = min(decay, (1 + u) / (10 + u))`: what
    OpenNMT-tf does with `tf.train.ExponentialMovingAverage(decay, num_updates=u)`. The
    averages start as the weights' values when this object is made (a fresh model's
    initial weights; a restored checkpoint overwrites them, and a warm start `reset`s them).

    Create it under the strategy's scope, after the model. The averages are mirrored
    variables that every replica updates from the same (all-reduced) weights, so the first
    replica's value is kept.

    Args:
      model: a built Keras model.
      decay: in (0, 1).
    """

    def __init__(self, model: keras.Model, decay: float):
        if not 0.0 < decay < 1.0:
            raise ValueError(f"decay must be in (0, 1), got {decay}")
        self.decay = decay
        self.weights = trainable_variables_by_path(model)
        self.averages = {
            path: tf.Variable(
                tf.convert_to_tensor(variable),
                trainable=False,
                name=f"ema/{path}".replace("/", "_"),
                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA,
            )
            for path, variable in self.weights.items()
        }

    def reset(self) -> None:
        """Sets every average to its weight's value (after a warm start)."""
        for path, average in self.averages.items():
            average.assign(self.weights[path])

    def update(self, updates: tf.Tensor) -> None:
        """Moves every average toward its weight after update number `updates` (1 for the
        first)."""
        updates = tf.cast(updates, tf.float32)
        rate = 1.0 - tf.minimum(self.decay, (1.0 + updates) / (10.0 + updates))
        for path, average in self.averages.items():
            weight = tf.convert_to_tensor(self.weights[path])
            average.assign_sub(tf.cast(rate, average.dtype) * (average - weight))

    @contextlib.contextmanager
    def swapped_in(self):
        """Inside: the model's trainable weights hold the averages (to evaluate them);
        after: the weights they held before."""
        saved = {path: tf.identity(variable) for path, variable in self.weights.items()}
        for path, variable in self.weights.items():
            variable.assign(self.averages[path])
        try:
            yield
        finally:
            for path, variable in self.weights.items():
                variable.assign(saved[path])
