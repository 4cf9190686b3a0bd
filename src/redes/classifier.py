"""The course's recipe for a Keras softmax classifier, on top of the shared resumable fit.

MNIST, HAR, AirCalc and face aging's age estimator call `fit_classifier` with a model builder
and their `TrainingParams`: AdamW with an optional cosine decay, sparse categorical
cross-entropy, optional balanced class weights, and early stopping on validation accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import keras
import numpy as np
import pandas as pd
from sklearn.utils.class_weight import compute_class_weight

from redes.schema import TrainingParams
from redes.training import distribution_scope, fit_resumable


def make_optimizer(params: TrainingParams, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = params.learning_rate
    if params.lr_schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(params.learning_rate, params.epochs * steps_per_epoch)
    return keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=params.weight_decay)


def balanced_class_weights(labels: np.ndarray) -> dict[int, float]:
    """n / (classes * n_c) for each class c present: every class weighs as much in the loss."""
    classes = np.unique(labels)
    weights = compute_class_weight("balanced", classes=classes, y=labels)
    return {int(c): float(w) for c, w in zip(classes, weights, strict=True)}


def fit_classifier(
    build_model: Callable[[], keras.Model],
    params: TrainingParams,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    *,
    seed: int,
    backup_dir: Path,
    distribution: str = "one_device",
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 2,
    loss: keras.losses.Loss | None = None,
    metrics: Sequence[Any] | None = None,
    monitor: tuple[str, Literal["min", "max"]] = ("val_accuracy", "max"),
    class_weights: Callable[[np.ndarray], dict[int, float]] = balanced_class_weights,
) -> tuple[keras.Model, pd.DataFrame]:
    """Train a softmax classifier on integer labels; return it with its per-epoch history.

    By default the loss is the cross-entropy, the metric the accuracy and early stopping watches
    the validation accuracy; a classifier read another way (the age estimator reads an expected
    age from its per-year softmax) passes its own `loss`, `metrics`, `monitor` and `class_weights`
    (used when `params.balanced_class_weights`).

    `seed` draws each epoch's batch order. If `backup_dir` holds the backup of an interrupted
    run of the same configuration, training continues from it, to the same end; the caller
    deletes the folder once the model is saved. The history has one row per epoch (1-based `epoch`).
    """
    x_train, y_train = train
    if metrics is None:
        metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    steps_per_epoch = math.ceil(len(x_train) / params.batch_size)
    with distribution_scope(distribution):
        model = build_model()
        model.compile(
            optimizer=make_optimizer(params, steps_per_epoch),
            loss=loss or keras.losses.SparseCategoricalCrossentropy(),
            metrics=list(metrics),
        )
    early_stopping = keras.callbacks.EarlyStopping(
        # By default accuracy, not loss: a softmax classifier's validation loss rises with
        # over-confidence long before its accuracy stops improving.
        monitor=monitor[0],
        mode=monitor[1],
        patience=params.early_stopping_patience,
        restore_best_weights=params.restore_best_weights,
    )
    history = fit_resumable(
        model,
        x_train,
        y_train,
        batch_size=params.batch_size,
        epochs=params.epochs,
        seed=seed,
        backup_dir=backup_dir,
        class_weight=class_weights(y_train) if params.balanced_class_weights else None,
        callbacks=[early_stopping, *callbacks],
        verbose=verbose,
        validation_data=validation,
    )
    return model, history
