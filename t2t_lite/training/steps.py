"""The compiled train and eval steps: one optimizer update across all replicas of a
`tf.distribute` strategy, and the metric sums of one eval batch."""

import keras
import tensorflow as tf

from t2t_lite.models.loss import weighted_cross_entropy_sums
from t2t_lite.training.metrics import metric_sums
from t2t_lite.training.moving_average import WeightMovingAverage


def _zero_unless(finite: tf.Tensor, gradient: tf.Tensor) -> tf.Tensor:
    """`gradient`, or zeros in its place when `finite` is False (NaN * 0 is NaN, so a
    select, not a product)."""
    return tf.where(finite, gradient, tf.zeros_like(gradient))


class TrainStep:
    """One micro-batch from the next batch of each replica: an update or, with gradient
    accumulation (T2T's `optimizer_multistep_accumulate_steps`), a share of one.

    The loss is the label-smoothed cross-entropy summed over every replica's target
    tokens (the positions the model's `loss_labels` weigh) and divided by their global
    count, so N replicas with batches b1..bN take the same step as one device with all
    of them. Gradients are all-reduced here, before the optimizer (see
    `ReplicaSummedAdam`), so clipping and loss scaling see the global gradient.

    With `accumulate_steps` = K > 1 the all-reduced gradients of K micro-batches are
    summed in `accumulated` and their mean is applied on the K-th: with equal token
    counts, the update one step on the K micro-batches together would make. The
    optimizer (and Adam's bias correction) counts updates; `micro_batches`, the global
    step, counts micro-batches, as T2T's multistep_adam does. Whether a call updates is
    decided on the host from that count, so each kind of call is its own traced function
    (an update inside a `cond` cannot synchronize replicas).

    Args:
      model: a `T2TModel` built under `strategy.scope()`.
      optimizer: from `make_optimizer`, built under the same scope.
      strategy: the distribution strategy.
      label_smoothing: T2T's `label_smoothing`.
      jit_compile: compile the forward and backward pass with XLA.
      moving_average: a `WeightMovingAverage`, updated after each update, or None.
      accumulate_steps: micro-batches per update (`training.accumulate_steps(hparams)`).

    Call: `step(iterator)` with an iterator over a distributed dataset ->
      `(loss_sum, target_tokens)` summed over replicas, float32 scalars.

    `stop_request` (set by the trainer on SIGTERM) is summed over all replicas in the
    step; `stop_agreed` then tells every worker that some worker asked to stop.

    A micro-batch whose global loss (or, without loss scaling, gradient) is NaN or Inf
    contributes zero gradients, so the weights stay finite, and the first such step
    number is kept in `first_nonfinite_step` (-1 while none was seen). The trainer reads
    it before it logs or saves, without a host sync on every step.
    """

    def __init__(
        self,
        model: keras.Model,
        optimizer: keras.optimizers.Optimizer,
        strategy: tf.distribute.Strategy,
        label_smoothing: float,
        jit_compile: bool = False,
        moving_average: WeightMovingAverage | None = None,
        accumulate_steps: int = 1,
    ):
        if accumulate_steps < 1:
            raise ValueError(f"accumulate_steps must be >= 1, got {accumulate_steps}")
        self.model = model
        self.optimizer = optimizer
        self.strategy = strategy
        self.label_smoothing = label_smoothing
        self.moving_average = moving_average
        self.accumulate_steps = accumulate_steps
        # A nested tf.function only to mark the XLA cluster; without XLA the ops are
        # traced inline into the step function.
        self._gradients = (
            tf.function(self._loss_and_gradients, jit_compile=True, reduce_retracing=True)
            if jit_compile
            else self._loss_and_gradients
        )
        # Loss scaling meets overflowing gradients by design (it skips those updates and
        # lowers the scale); only a non-finite loss is an error then.
        self._loss_scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        with strategy.scope():
            # Every replica holds the same (all-reduced) values: the first one's are kept.
            first = tf.VariableAggregation.ONLY_FIRST_REPLICA
            self.micro_batches = tf.Variable(
                0, dtype=tf.int64, trainable=False, name="micro_batches", aggregation=first
            )
            self.accumulated = (
                [
                    tf.Variable(
                        tf.zeros(v.shape, v.dtype),
                        trainable=False,
                        name="accumulated_gradient",
                        aggregation=first,
                    )
                    for v in model.trainable_variables
                ]
                if accumulate_steps > 1
                else []
            )
        self._next_count = None  # the host's copy of micro_batches + 1, once read
        self.first_nonfinite_step = tf.Variable(
            -1, dtype=tf.int64, trainable=False, name="first_nonfinite_step"
        )
        # Stop requests (SIGTERM) of this worker, and whether any worker made one, as
        # agreed in the last step: synchronous workers must stop after the same step.
        self.stop_request = tf.Variable(0.0, trainable=False, name="stop_request")
        self.stop_agreed = tf.Variable(False, trainable=False, name="stop_agreed")
        # `update` is a Python bool: each value is its own traced function.
        self._step_next = tf.function(lambda iterator, update: self._step(next(iterator), update))
        self._step_batch = tf.function(self._step, reduce_retracing=True)

    def _loss_and_gradients(self, batch, global_tokens):
        variables = self.model.trainable_variables
        labels, weights = self.model.loss_labels(batch)
        with tf.GradientTape() as tape:
            logits = self.model(batch, training=True)
            loss_sum, _ = weighted_cross_entropy_sums(labels, logits, weights, self.label_smoothing)
            loss = loss_sum / tf.maximum(global_tokens, 1.0)
            scaled_loss = self.optimizer.scale_loss(loss)
        return loss_sum, tape.gradient(scaled_loss, variables)

    def replica_step(self, batch, stop_request, update: bool):
        context = tf.distribute.get_replica_context()
        local_tokens = tf.reduce_sum(self.model.loss_labels(batch)[1])
        # One collective for the token count and the workers' stop requests.
        totals = context.all_reduce(
            tf.distribute.ReduceOp.SUM, tf.stack([local_tokens, stop_request])
        )
        loss_sum, gradients = self._gradients(batch, totals[0])
        *gradients, global_loss = context.all_reduce(
            tf.distribute.ReduceOp.SUM, [*gradients, loss_sum]
        )
        # Dense: an embedding's gradient comes as IndexedSlices that repeat a row for each
        # use of an id, and Keras' Adam would square each share instead of their sum
        # (TF1's Adam, which T2T used, sums them first). Adam updates every row anyway.
        gradients = [tf.convert_to_tensor(g) for g in gradients]
        finite = tf.math.is_finite(global_loss)
        if not self._loss_scaled:
            finite &= tf.math.is_finite(tf.linalg.global_norm(gradients))
        gradients = [_zero_unless(finite, g) for g in gradients]
        if self.accumulated:
            if not update:
                for total, gradient in zip(self.accumulated, gradients, strict=True):
                    total.assign_add(gradient)
            else:
                count = float(self.accumulate_steps)
                gradients = [
                    (total + gradient) / count
                    for total, gradient in zip(self.accumulated, gradients, strict=True)
                ]
        if update:
            self.optimizer.apply(gradients, self.model.trainable_variables)
            for total in self.accumulated:
                total.assign(tf.zeros_like(total))
            if self.moving_average is not None:
                self.moving_average.update(self.optimizer.iterations)
        return loss_sum, local_tokens, tf.logical_not(finite), totals[1] > 0

    def _step(self, distributed_batch, update: bool):
        loss_sum, tokens, nonfinite, stop = self.strategy.run(
            self.replica_step,
            args=(distributed_batch, self.stop_request.read_value()),
            kwargs={"update": update},
        )
        # Both flags come from all-reduced values: every replica holds the same verdict.
        nonfinite, stop = (
            self.strategy.experimental_local_results(x)[0] for x in (nonfinite, stop)
        )
        step = self.micro_batches.assign_add(1)
        first_bad = nonfinite & (self.first_nonfinite_step < 0)
        self.first_nonfinite_step.assign(tf.where(first_bad, step, self.first_nonfinite_step))
        self.stop_agreed.assign(stop)
        reduce = self.strategy.reduce
        return reduce("SUM", loss_sum, axis=None), reduce("SUM", tokens, axis=None)

    def _updates_now(self) -> bool:
        """Whether the coming micro-batch completes an update (host-side count)."""
        if self._next_count is None:  # read once: after a restore, before the first call
            self._next_count = int(self.micro_batches.numpy()) + 1
        updates = self._next_count % self.accumulate_steps == 0
        self._next_count += 1
        return updates

    def __call__(self, iterator):
        return self._step_next(iterator, self._updates_now())

    def on_batches(self, distributed_batch):
        """The same from an already distributed batch (for tests and tools)."""
        return self._step_batch(distributed_batch, self._updates_now())


class EvalStep:
    """Metric sums of one eval batch, computed where the model's variables live, without
    replica communication (so every worker can run it alone).

    Call: `step(batch)` with the model's features -> dict of `METRIC_SUM_NAMES` sums;
    with `with_predictions`, also `labels` and `predictions` (the argmax ids), both
    `[batch, length]`, for metrics counted on the host (approx BLEU).
    """

    def __init__(self, model: keras.Model, label_smoothing: float, with_predictions: bool = False):
        self.model = model
        self.label_smoothing = label_smoothing
        self.with_predictions = with_predictions

    @tf.function(reduce_retracing=True)
    def __call__(self, batch):
        logits = self.model(batch, training=False)
        labels, weights = self.model.loss_labels(batch)
        sums = metric_sums(labels, logits, self.label_smoothing, weights=weights)
        if self.with_predictions:
            sums["labels"] = labels
            sums["predictions"] = tf.argmax(logits, axis=-1, output_type=labels.dtype)
        return sums
