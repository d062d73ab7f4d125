"""The optimizer T2T's hparams describe: Adam with its betas and epsilon, T2T's
learning-rate schedule, optional global-norm clipping and, for float16, loss scaling."""

import keras

from t2t_lite.hparams import HParams, HParamsError
from t2t_lite.training.learning_rate import T2TLearningRateSchedule


@keras.saving.register_keras_serializable(package="t2t_lite")
class ReplicaSummedAdam(keras.optimizers.Adam):
    """Keras Adam that takes gradients already summed across replicas.

    The trainer all-reduces the gradients itself before `apply`, so that global-norm
    clipping and the float16 loss-scale finiteness check see the global gradient (Keras
    would clip and check each replica's share, then sum). This class only stops Keras
    from summing a second time; with one replica it is plain Adam.
    """

    def _all_reduce_sum_gradients(self, grads_and_vars):
        return list(grads_and_vars)


def make_optimizer(hparams: HParams, mixed_precision: str = "none") -> keras.optimizers.Optimizer:
    """Adam from `hparams`; wrapped in a `LossScaleOptimizer` for `mixed_float16`."""
    if hparams.optimizer != "adam":
        raise HParamsError(f"optimizer={hparams.optimizer!r} is not supported; use adam")
    clip = hparams.clip_grad_norm
    optimizer = ReplicaSummedAdam(
        learning_rate=T2TLearningRateSchedule.from_hparams(hparams),
        beta_1=hparams.optimizer_adam_beta1,
        beta_2=hparams.optimizer_adam_beta2,
        epsilon=hparams.optimizer_adam_epsilon,
        weight_decay=hparams.weight_decay or None,
        global_clipnorm=clip if clip > 0 else None,
    )
    if mixed_precision == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer
