"""t2t_lite's side of the benchmarks: the Transformer and train step `t2t-trainer` runs,
under the strategy it picks for one device."""

import numpy as np
import tensorflow as tf

from t2t_lite import runs
from t2t_lite.hparams import HParams
from t2t_lite.training.optimizer import make_optimizer
from t2t_lite.training.steps import TrainStep
from t2t_lite.training.strategy import make_strategy


class T2TLiteTrainer:
    """`step(inputs, targets)` -> loss sum (a tf scalar): one update, as t2t-trainer."""

    name = "t2t_lite"

    def __init__(self, hparams: HParams, vocab_size: int, jit_compile: bool = False):
        hparams = runs.with_problem_hparams(hparams, "bench", vocab_size, vocab_size)
        self.strategy = make_strategy()
        with self.strategy.scope():
            self.model = runs.model_from_hparams(hparams)
            self.optimizer = make_optimizer(hparams)
            self.optimizer.build(self.model.trainable_variables)
        self.train_step = TrainStep(
            self.model,
            self.optimizer,
            self.strategy,
            hparams.label_smoothing,
            jit_compile=jit_compile,
        )
        if jit_compile:
            self.name = "t2t_lite XLA"

    def step(self, inputs: np.ndarray, targets: np.ndarray):
        batch = {"inputs": tf.constant(inputs), "targets": tf.constant(targets)}
        return self.train_step.on_batches(batch)[0]

    @staticmethod
    def sync(loss) -> float:
        return float(loss)
