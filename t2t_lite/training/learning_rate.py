"""T2T's learning-rate schedules, written as a product of named factors, as a Keras
`LearningRateSchedule` (serializable, so a saved optimizer keeps its schedule)."""

import math

import keras
import tensorflow as tf

from t2t_lite.hparams import HParams, HParamsError

FACTORS = (
    "constant",
    "linear_warmup",
    "rsqrt_decay",
    "rsqrt_normalized_decay",
    "rsqrt_hidden_size",
    "cosdecay",
)


@keras.saving.register_keras_serializable(package="t2t_lite")
class T2TLearningRateSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """T2T's `learning_rate_schedule`: the product of the factors named in `schedule`.

    With `step` the number of updates already applied (0 for the first):
      - `constant`: `constant`;
      - `linear_warmup`: `min(1, step / warmup_steps)`;
      - `rsqrt_decay`: `1 / sqrt(max(step, warmup_steps))`;
      - `rsqrt_normalized_decay`: `sqrt(warmup_steps) / sqrt(max(step, warmup_steps))`;
      - `rsqrt_hidden_size`: `1 / sqrt(hidden_size)`;
      - `cosdecay`: 1 up to `warmup_steps`, then `(1 + cos(pi * step / decay_steps)) / 2`,
        which reaches 0 at `decay_steps` (and, as in T2T, rises again after it).

    Args:
      schedule: factor names joined by `*`, e.g.
        `"constant*linear_warmup*rsqrt_decay*rsqrt_hidden_size"` (transformer_base).
      constant: the `constant` factor (`learning_rate_constant`).
      warmup_steps: `learning_rate_warmup_steps`.
      hidden_size: the model width, for `rsqrt_hidden_size`.
      decay_steps: `learning_rate_decay_steps`, for `cosdecay`.
      micro_batches_per_update: N > 1 when an optimizer calls it with its update count k
        while the step counts micro-batches (gradient accumulation): the rate is then
        the schedule's at step k * N + N - 1, the micro-batch of the update.
    """

    def __init__(
        self,
        schedule: str,
        constant: float,
        warmup_steps: int,
        hidden_size: int,
        decay_steps: int = 5000,
        micro_batches_per_update: int = 1,
    ):
        factors = [name.strip() for name in schedule.split("*") if name.strip()]
        unknown = [name for name in factors if name not in FACTORS]
        if unknown or not factors:
            raise HParamsError(
                f"learning_rate_schedule={schedule!r}: unknown factor(s) {unknown}; "
                f"known: {', '.join(FACTORS)}"
            )
        if warmup_steps <= 0 and ("linear_warmup" in factors or "decay" in schedule):
            raise HParamsError(f"learning_rate_warmup_steps must be > 0, got {warmup_steps}")
        self.schedule = schedule
        self.factors = factors
        self.constant = float(constant)
        self.warmup_steps = int(warmup_steps)
        self.hidden_size = int(hidden_size)
        if "cosdecay" in factors and decay_steps <= 0:
            raise HParamsError(
                f"learning_rate_decay_steps must be > 0 for cosdecay, got {decay_steps}"
            )
        self.decay_steps = int(decay_steps)
        self.micro_batches_per_update = int(micro_batches_per_update)

    @classmethod
    def from_hparams(
        cls, hparams: HParams, micro_batches_per_update: int = 1
    ) -> "T2TLearningRateSchedule":
        return cls(
            hparams.learning_rate_schedule,
            hparams.learning_rate_constant,
            hparams.learning_rate_warmup_steps,
            hparams.hidden_size,
            hparams.learning_rate_decay_steps,
            micro_batches_per_update,
        )

    def __call__(self, step):
        per_update = self.micro_batches_per_update
        step = tf.cast(step, tf.float32) * per_update + (per_update - 1)
        warmup = tf.constant(float(self.warmup_steps), tf.float32)
        rate = tf.constant(1.0, tf.float32)
        for name in self.factors:
            if name == "constant":
                rate *= self.constant
            elif name == "linear_warmup":
                rate *= tf.minimum(1.0, step / warmup)
            elif name == "rsqrt_decay":
                rate *= tf.math.rsqrt(tf.maximum(step, warmup))
            elif name == "rsqrt_normalized_decay":
                rate *= tf.sqrt(warmup) * tf.math.rsqrt(tf.maximum(step, warmup))
            elif name == "rsqrt_hidden_size":
                rate *= self.hidden_size**-0.5
            elif name == "cosdecay":
                decayed = 0.5 * (1.0 + tf.cos(math.pi * step / self.decay_steps))
                rate *= tf.where(step <= warmup, 1.0, decayed)
        return rate

    def get_config(self):
        return {
            "schedule": self.schedule,
            "constant": self.constant,
            "warmup_steps": self.warmup_steps,
            "hidden_size": self.hidden_size,
            "decay_steps": self.decay_steps,
            "micro_batches_per_update": self.micro_batches_per_update,
        }
