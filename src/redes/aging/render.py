"""A face rendered at other ages: what the evaluation, `redes age` and the web page all call.

The trained CAAE is kept as its two players that aging needs, the encoder and the generator,
each a Keras file: a face is encoded once, then rendered at every age group asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from redes.aging.data import to_uint8, to_unit_range
from redes.aging.groups import GENDERS, GROUP_NAMES
from redes.aging.models import signed_one_hot
from redes.errors import RedesError
from redes.training import load_model, save_model

ENCODER_FILE, GENERATOR_FILE = "encoder.keras", "generator.keras"


def group_index(name: str) -> int:
    """The index of an age group given as GROUP_NAMES spells it ("61-70", "71+"); a clear error otherwise."""
    if name not in GROUP_NAMES:
        raise RedesError(f"unknown age group {name!r}; the groups are {', '.join(GROUP_NAMES)}")
    return GROUP_NAMES.index(name)


def gender_index(name: str) -> int:
    if name not in GENDERS:
        raise RedesError(f"unknown gender {name!r}; UTKFace labels {' and '.join(GENDERS)}")
    return GENDERS.index(name)


@dataclass(frozen=True)
class Ager:
    encoder: keras.Model
    generator: keras.Model

    @property
    def image_size(self) -> int:
        return int(self.encoder.input.shape[1])

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        save_model(self.encoder, folder / ENCODER_FILE)
        save_model(self.generator, folder / GENERATOR_FILE)
        return folder

    @classmethod
    def load(cls, folder: Path) -> Ager:
        """The CAAE `dvc repro aging_train` saved in `folder`; a missing one says how to make it."""
        if not (folder / GENERATOR_FILE).exists():
            raise RedesError(f"no trained face ager in {folder}; run `dvc repro aging_train` first")
        return cls(load_model(folder / ENCODER_FILE), load_model(folder / GENERATOR_FILE))

    def render(self, faces: np.ndarray, genders: np.ndarray, groups: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """uint8 faces (N, S, S, 3) rendered at groups (N,) with genders (N,): uint8 (N, S, S, 3)."""
        if faces.shape[1:] != (self.image_size, self.image_size, 3):
            raise ValueError(
                f"faces of shape {faces.shape[1:]}; this ager takes {self.image_size}x{self.image_size} RGB"
            )
        z = self.encoder.predict(to_unit_range(faces), batch_size=batch_size, verbose=0)
        return self._generate(z, genders, groups, batch_size)

    def render_every_group(self, faces: np.ndarray, genders: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Each face at each age group: uint8 (N, groups, S, S, 3), encoded once."""
        count, groups = len(faces), len(GROUP_NAMES)
        z = self.encoder.predict(to_unit_range(faces), batch_size=batch_size, verbose=0)
        rendered = self._generate(
            np.repeat(z, groups, axis=0),
            np.repeat(np.asarray(genders), groups),
            np.tile(np.arange(groups), count),
            batch_size,
        )
        return rendered.reshape(count, groups, *rendered.shape[1:])

    def _generate(self, z: np.ndarray, genders: np.ndarray, groups: np.ndarray, batch_size: int) -> np.ndarray:
        inputs = {
            "z": z,
            "age_group": signed_one_hot(groups, len(GROUP_NAMES)),
            "gender": signed_one_hot(genders, len(GENDERS)),
        }
        return to_uint8(self.generator.predict(inputs, batch_size=batch_size, verbose=0))
