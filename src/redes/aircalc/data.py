"""AirCalc's 14-class symbol set: MNIST's digits and two public sets of handwritten operators.

Digits come from the MNIST splits the `mnist_prepare` stage made (the same validation digits,
the same 10,000 test digits). Operators come from BHMSDS (black ink on white, no split) and the
MDAS symbols (white on black, published with a train/val/test partition). Every image goes
through `normalize_symbol`, the function live input goes through too.

MDAS was augmented by mirroring and rotating each written symbol: its 6,006 images are 1,500
writings in up to four orientations, and 815 of those writings have copies in more than one of
its published splits. Scoring a test image whose mirror image was trained on measures memory,
not reading, so both sets are split here by writing (an image and its mirrors and rotations
form one family, which lands in a single split), seeded and per operator form.

The multiplication dot of both sets is left out: normalisation scales any dot up to a 20x20
blob, so the class could only be "a blob", which a speck of dust or a tap of the pen also
becomes; and the segmenter must drop such specks (see segment.py). × is written as a cross.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from redes.aircalc.normalize import normalize_symbol
from redes.aircalc.symbols import CLASS_INDEX, DIVIDE, MINUS, PLUS, TIMES, TOKENS
from redes.errors import RedesError
from redes.files import load_arrays, save_arrays
from redes.mnist.data import MnistSplits

BHMSDS_FILE = "bhmsds_operators.tar.gz"
MDAS_FILE = "mdas_symbols_v1.zip"

# Written form -> the token it means. A form is what the report breaks recall down by.
FORMS = {"plus": PLUS, "minus": MINUS, "cross": TIMES, "obelus": DIVIDE, "slash": DIVIDE}
_BHMSDS_FORMS = {"plus": "plus", "minus": "minus", "slash": "slash", "dot": None}
_MDAS_FORMS = {
    "addition_plus": "plus",
    "subtraction_minus": "minus",
    "multiplication_cross": "cross",
    "multiplication_dot": None,
    "division_obelus": "obelus",
    "division_slash": "slash",
}
_BHMSDS_MEMBER = re.compile(r"^bhmsds/symbols/(?P<form>[a-z]+)-\d+\.png$")
_MDAS_MEMBER = re.compile(r"^symbols_partitioned/(?:train|val|test)/(?P<form>[a-z_]+)/[^/]+\.png$")
SPLITS = ("train", "validation", "test")


class SymbolArchiveError(RedesError):
    """An operator archive does not hold what the published one does; the message names the file."""


@dataclass(frozen=True)
class WrittenSymbol:
    """One handwritten operator as read from its archive: ink in [0, 1], 1 = full ink."""

    ink: np.ndarray
    form: str  # a key of FORMS
    family: str  # the same for an image and its mirrors and rotations


@dataclass(frozen=True)
class AircalcSplits:
    """Normalised symbols (N, 28, 28, 1) float32 in [0, 1], class indices into TOKENS, and each image's origin."""

    x_train: np.ndarray
    y_train: np.ndarray
    form_train: np.ndarray  # "digit" or a key of FORMS
    x_val: np.ndarray
    y_val: np.ndarray
    form_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    form_test: np.ndarray

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.y_train), "validation": len(self.y_val), "test": len(self.y_test)}

    def card(self) -> dict[str, dict[str, int]]:
        """Images per written form in each split (digits per digit), for the report's data card."""
        card = {}
        for split, labels, forms in (
            ("train", self.y_train, self.form_train),
            ("validation", self.y_val, self.form_val),
            ("test", self.y_test, self.form_test),
        ):
            names = np.where(forms == "digit", np.asarray(TOKENS)[labels], forms)
            values, counts = np.unique(names, return_counts=True)
            card[split] = {str(name): int(count) for name, count in zip(values, counts, strict=True)}
        return card


def family_of(pixels: np.ndarray) -> str:
    """One key for an image and its seven mirror images and rotations (the dihedral group of the square)."""
    variants = []
    for turned in (pixels, pixels.T):
        for view in (turned, turned[::-1], turned[:, ::-1], turned[::-1, ::-1]):
            variants.append(hashlib.sha256(np.ascontiguousarray(view).tobytes()).hexdigest())
    return min(variants)


def _read_png(data: bytes, where: str) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(data)) as image:
            pixels = np.asarray(image.convert("L"))
    except (OSError, ValueError) as error:
        raise SymbolArchiveError(f"{where}: not a readable PNG ({error})") from None
    if pixels.shape != (28, 28):
        raise SymbolArchiveError(f"{where}: an image of {pixels.shape}, expected 28x28")
    return pixels


def read_bhmsds(path: Path) -> Iterator[WrittenSymbol]:
    """BHMSDS's operators, black ink on white; the dots are skipped (see the module docstring)."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if not member.name.endswith(".png"):
                    continue
                match = _BHMSDS_MEMBER.match(member.name)
                if not member.isfile() or match is None or match["form"] not in _BHMSDS_FORMS:
                    raise SymbolArchiveError(f"{path}: unexpected member {member.name!r}; download it again")
                form = _BHMSDS_FORMS[match["form"]]
                if form is None:
                    continue
                pixels = _read_png(archive.extractfile(member).read(), f"{path}:{member.name}")
                yield WrittenSymbol(ink=1.0 - pixels / np.float32(255.0), form=form, family=family_of(pixels))
    except (tarfile.TarError, OSError, EOFError) as error:
        raise SymbolArchiveError(f"{path}: not a readable .tar.gz ({error}); download it again") from None


def read_mdas(path: Path) -> Iterator[WrittenSymbol]:
    """MDAS's operators, white ink on black, all three published splits pooled (they are re-split by family)."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or not info.filename.endswith(".png"):
                    continue
                match = _MDAS_MEMBER.match(info.filename)
                if match is None or match["form"] not in _MDAS_FORMS:
                    raise SymbolArchiveError(f"{path}: unexpected member {info.filename!r}; download it again")
                form = _MDAS_FORMS[match["form"]]
                if form is None:
                    continue
                pixels = _read_png(archive.read(info), f"{path}:{info.filename}")
                yield WrittenSymbol(ink=pixels / np.float32(255.0), form=form, family=family_of(pixels))
    except (zipfile.BadZipFile, OSError) as error:
        raise SymbolArchiveError(f"{path}: not a readable zip ({error}); download it again") from None


def split_by_family(
    symbols: list[WrittenSymbol], validation_fraction: float, test_fraction: float, seed: int
) -> dict[str, list[WrittenSymbol]]:
    """Seeded split of each form's families: every image of a family lands in the same split.

    A family seen in two forms (never in the published data) is a corrupt archive, not a split to make.
    """
    families: dict[tuple[str, str], list[WrittenSymbol]] = defaultdict(list)
    forms_of: dict[str, set[str]] = defaultdict(set)
    for symbol in symbols:
        families[(symbol.form, symbol.family)].append(symbol)
        forms_of[symbol.family].add(symbol.form)
    ambiguous = sorted(family for family, forms in forms_of.items() if len(forms) > 1)
    if ambiguous:
        raise SymbolArchiveError(f"{len(ambiguous)} image(s) are labelled as two different operators")
    splits: dict[str, list[WrittenSymbol]] = {split: [] for split in SPLITS}
    for form_index, form in enumerate(sorted({form for form, _ in families})):
        keys = sorted(family for f, family in families if f == form)
        order = np.random.default_rng([seed, form_index]).permutation(len(keys))
        n_test = round(test_fraction * len(keys))
        n_validation = round(validation_fraction * len(keys))
        for rank, index in enumerate(order):
            split = "test" if rank < n_test else "validation" if rank < n_test + n_validation else "train"
            splits[split].extend(families[(form, keys[index])])
    return splits


def prepare(
    mnist: MnistSplits,
    symbols_dir: Path,
    *,
    validation_fraction: float,
    test_fraction: float,
    seed: int,
) -> AircalcSplits:
    """The 14-class splits: MNIST's digits as split there, the operators split by family; all normalised."""
    operators = [*read_bhmsds(symbols_dir / BHMSDS_FILE), *read_mdas(symbols_dir / MDAS_FILE)]
    operator_splits = split_by_family(operators, validation_fraction, test_fraction, seed)
    arrays = {}
    for split, suffix, digit_images, digit_labels in (
        ("train", "train", mnist.x_train, mnist.y_train),
        ("validation", "val", mnist.x_val, mnist.y_val),
        ("test", "test", mnist.x_test, mnist.y_test),
    ):
        written = operator_splits[split]
        images = [
            *(normalize_symbol(image[..., 0]) for image in digit_images),
            *(normalize_symbol(s.ink) for s in written),
        ]
        arrays[f"x_{suffix}"] = np.stack(images)[..., np.newaxis].astype(np.float32)
        arrays[f"y_{suffix}"] = np.concatenate(
            [digit_labels.astype(np.uint8), np.array([CLASS_INDEX[FORMS[s.form]] for s in written], dtype=np.uint8)]
        )
        arrays[f"form_{suffix}"] = np.array(["digit"] * len(digit_labels) + [s.form for s in written])
    return AircalcSplits(**arrays)


def save_splits(splits: AircalcSplits, path: Path) -> None:
    save_arrays(splits, path)


def load_splits(path: Path) -> AircalcSplits:
    return load_arrays(AircalcSplits, path, "run `dvc repro aircalc_prepare`")
