"""Keras callbacks that interrupt a training, or watch which epochs it runs, for the resume tests."""

from __future__ import annotations

import keras


class Interrupt(keras.callbacks.Callback):
    """Kills training mid-epoch, as a power cut would."""

    def __init__(self, epoch: int, batch: int) -> None:
        super().__init__()
        self.at = (epoch, batch)
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if (self._epoch, batch) == self.at:
            raise KeyboardInterrupt


class EpochsSeen(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[int] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epochs.append(epoch)
