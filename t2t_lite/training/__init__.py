"""Training: T2T's learning-rate schedules, the optimizer, distribution strategies, the
distributed train/eval steps and the `Trainer` that runs them with checkpoints."""

from t2t_lite.utils.backend import require_tensorflow_backend

require_tensorflow_backend("t2t_lite.training")

from t2t_lite.training.continuous_eval import continuous_eval
from t2t_lite.training.early_stopping import (
    EarlyStopping,
    EvalMetricError,
    has_metric_plateaued,
    resolve_metric,
)
from t2t_lite.training.learning_rate import T2TLearningRateSchedule
from t2t_lite.training.metrics import finish_metrics, metric_sums
from t2t_lite.training.moving_average import WeightMovingAverage, moving_average_decay
from t2t_lite.training.optimizer import ReplicaSummedAdam, accumulate_steps, make_optimizer
from t2t_lite.training.steps import EvalStep, TrainStep
from t2t_lite.training.strategy import (
    STRATEGIES,
    StrategyError,
    default_strategy_name,
    is_chief,
    make_strategy,
    split_cpu,
)
from t2t_lite.training.trainer import MIXED_PRECISION, NonFiniteLossError, Trainer, TrainerOptions

__all__ = [
    "WeightMovingAverage",
    "moving_average_decay",
    "EarlyStopping",
    "EvalMetricError",
    "continuous_eval",
    "has_metric_plateaued",
    "resolve_metric",
    "MIXED_PRECISION",
    "STRATEGIES",
    "EvalStep",
    "ReplicaSummedAdam",
    "StrategyError",
    "accumulate_steps",
    "T2TLearningRateSchedule",
    "TrainStep",
    "NonFiniteLossError",
    "Trainer",
    "TrainerOptions",
    "default_strategy_name",
    "finish_metrics",
    "is_chief",
    "make_optimizer",
    "make_strategy",
    "metric_sums",
    "split_cpu",
]
