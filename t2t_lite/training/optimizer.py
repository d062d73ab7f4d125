"""The optimizer T2T's hparams describe: Adam with its betas and epsilon, T2T's
learning-rate schedule, optional global-norm clipping, T2T's `multistep_adam` gradient
accumulation and, for float16, loss scaling."""

import re

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


OPTIMIZERS = ("adam", "multistep_adam")


def optimizer_name(hparams: HParams) -> str:
    """`hparams.optimizer` as one of `OPTIMIZERS`: T2T's registry snake-cases names, so its
    runs write "Adam" or "MultistepAdam" as well."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", hparams.optimizer).lower()
    if name not in OPTIMIZERS:
        raise HParamsError(
            f"optimizer={hparams.optimizer!r} is not supported; use {' or '.join(OPTIMIZERS)}"
        )
    return name


def accumulate_steps(hparams: HParams) -> int:
    """Micro-batches per update: T2T's `optimizer_multistep_accumulate_steps` under
    `optimizer=multistep_adam`, else 1. Raises `HParamsError` for a count below 1, or
    above 1 with plain `adam` (which, in T2T too, does not accumulate)."""
    steps = hparams.optimizer_multistep_accumulate_steps
    if optimizer_name(hparams) == "multistep_adam":
        if steps < 1:
            raise HParamsError(
                f"optimizer_multistep_accumulate_steps={steps}: optimizer=multistep_adam "
                "needs 1 or more micro-batches per update"
            )
        return steps
    if steps < 0 or steps > 1:
        raise HParamsError(
            f"optimizer_multistep_accumulate_steps={steps} needs optimizer=multistep_adam "
            "(T2T's adam does not accumulate either); 0 or 1 for none"
        )
    return 1


def make_optimizer(hparams: HParams, mixed_precision: str = "none") -> keras.optimizers.Optimizer:
    """Adam from `hparams`; wrapped in a `LossScaleOptimizer` for `mixed_float16`.

    With `accumulate_steps(hparams)` = N > 1 the trainer applies the mean gradient of N
    micro-batches (`TrainStep`), and the learning rate of update k (0 for the first) is
    the schedule's at micro-batch k * N + N - 1, the global step T2T's multistep_adam
    updates at. (Keras' own `gradient_accumulation_steps` cannot run under a
    `tf.distribute` strategy's replica context: it applies inside a `cond`.)"""
    steps = accumulate_steps(hparams)
    clip = hparams.clip_grad_norm
    optimizer = ReplicaSummedAdam(
        learning_rate=T2TLearningRateSchedule.from_hparams(hparams, micro_batches_per_update=steps),
        beta_1=hparams.optimizer_adam_beta1,
        beta_2=hparams.optimizer_adam_beta2,
        epsilon=hparams.optimizer_adam_epsilon,
        weight_decay=hparams.weight_decay or None,
        global_clipnorm=clip if clip > 0 else None,
    )
    if mixed_precision == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer
