"""Tiny synthetic datasets in the real raw formats, so tests run without the mirror."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import scipy.io

from redes.fetch import sha256_of
from redes.mnist.data import FILES
from redes.mnist.idx import write_idx
from redes.pinn.reference import MAT_VISCOSITY, BurgersProblem, cole_hopf, evaluation_grid

HAND_FILES = ("hand_landmarker.task", "hand_thumb_up.jpg")  # AirCalc's files from MediaPipe: real ones only


def digit_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """28x28 uint8 images a small net can tell apart, even through the CNN's random shifts and zooms.

    Digit k is a stroke through the middle at an angle of 18k degrees, on noise: the
    class is in the stroke's direction, which translation and zoom leave alone.
    """
    rows, columns = np.mgrid[0:28, 0:28] - 13.5
    images = rng.integers(0, 60, size=(len(labels), 28, 28), dtype=np.uint8)
    for image, label in zip(images, labels, strict=True):
        angle = np.deg2rad(18.0 * label)
        along = columns * np.cos(angle) + rows * np.sin(angle)
        across = -columns * np.sin(angle) + rows * np.cos(angle)
        image[(np.abs(across) < 1.5) & (np.abs(along) < 11)] = 255
    return images


def write_mnist(raw_dir: Path, n_train: int = 600, n_test: int = 200, seed: int = 0) -> dict[str, dict]:
    """The four MNIST IDX files (gzip) in `raw_dir`; returns a catalog override for them."""
    rng = np.random.default_rng(seed)
    raw_dir.mkdir(parents=True, exist_ok=True)
    for split, count in (("train", n_train), ("test", n_test)):
        labels = np.arange(count, dtype=np.uint8) % 10
        rng.shuffle(labels)
        write_idx(raw_dir / FILES[f"{split}_images"], digit_images(labels, rng))
        write_idx(raw_dir / FILES[f"{split}_labels"], labels)
    return {
        "mnist": {
            name: {"sha256": sha256_of(raw_dir / name), "size": (raw_dir / name).stat().st_size}
            for name in FILES.values()
        }
    }


# Experiment -> subject of the synthetic HAPT recordings: subjects 1, 3, 5 train, 7 validates and 2 tests
# under params.yaml's UCI HAR split.
HAPT_SUBJECTS = {1: 1, 2: 3, 3: 5, 4: 7, 5: 2, 6: 2}
HAPT_SAMPLES = 2000


def write_mirror(mirror: Path, real_mirror: Path | None = None) -> Path:
    """A mirror folder laid out as <dataset>/<file> and a catalog override file for it; returns the catalog path.

    MediaPipe's hand model cannot be made up: AirCalc's hand files are copied from `real_mirror`
    (with their published hashes) when it has them.
    """
    catalog = write_mnist(mirror / "mnist")
    hapt = write_hapt_zip(mirror / "hapt" / "HAPT_Data_Set_RawData.zip", "HAPT Data Set/", HAPT_SUBJECTS, HAPT_SAMPLES)
    catalog["hapt"] = {hapt.name: {"sha256": sha256_of(hapt), "size": hapt.stat().st_size}}
    burgers = write_burgers_mat(mirror / "pinn" / "burgers_shock.mat", x_points=64, t_points=20)
    catalog["pinn"] = {burgers.name: {"sha256": sha256_of(burgers), "size": burgers.stat().st_size}}
    operators = (
        write_bhmsds_tar(mirror / "math_symbols" / "bhmsds_operators.tar.gz"),
        write_mdas_zip(mirror / "math_symbols" / "mdas_symbols_v1.zip"),
    )
    catalog["aircalc"] = {path.name: {"sha256": sha256_of(path), "size": path.stat().st_size} for path in operators}
    faces = write_utkface_tar(mirror / "utkface" / "UTKFace.tar.gz")
    catalog["utkface"] = {faces.name: {"sha256": sha256_of(faces), "size": faces.stat().st_size}}
    for name in HAND_FILES:
        if real_mirror is not None and (real_mirror / "mediapipe" / name).is_file():
            (mirror / "mediapipe").mkdir(exist_ok=True)
            shutil.copyfile(real_mirror / "mediapipe" / name, mirror / "mediapipe" / name)
    catalog_path = mirror / "catalog.json"
    catalog_path.write_text(json.dumps(catalog))
    return catalog_path


def write_hapt_zip(path: Path, folder: str, subjects: dict[int, int], samples: int, seed: int = 0) -> Path:
    """A HAPT raw-data zip: for each experiment -> subject, acc and gyro files and labelled segments.

    Each experiment holds the six basic activities one after another, separated by a short
    postural transition (activity 7), each activity a tone of its own frequency on gravity.
    `folder` is the prefix of RawData/ ('HAPT Data Set/' as the course mirror, '' as the UCI archive).
    """
    rng = np.random.default_rng(seed)
    segment = samples // 7
    label_lines, members = [], {}
    for experiment, subject in subjects.items():
        time = np.arange(samples) / 50.0
        acceleration = np.tile([0.0, 0.0, 1.0], (samples, 1)) + 0.01 * rng.normal(size=(samples, 3))
        angular_velocity = 0.01 * rng.normal(size=(samples, 3))
        for activity in range(1, 7):
            first, last = (activity - 1) * segment, activity * segment - 20
            tone = np.sin(2.0 * np.pi * activity * time[first : last + 1])[:, np.newaxis]
            acceleration[first : last + 1] += 0.2 * tone
            angular_velocity[first : last + 1] += 0.5 * tone
            label_lines.append(f"{experiment} {subject} {activity} {first + 1} {last + 1}")
            label_lines.append(f"{experiment} {subject} 7 {last + 2} {last + 19}")
        name = f"exp{experiment:02d}_user{subject:02d}.txt"
        members[f"acc_{name}"] = acceleration
        members[f"gyro_{name}"] = angular_velocity
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}README.txt", "synthetic HAPT raw data for tests\n")
        archive.writestr(f"{folder}RawData/labels.txt", "\n".join(label_lines) + "\n")
        for member, values in members.items():
            archive.writestr(
                f"{folder}RawData/{member}", "\n".join(" ".join(f"{v:.9f}" for v in row) for row in values)
            )
    return path


def write_burgers_mat(path: Path, x_points: int, t_points: int) -> Path:
    """A burgers_shock.mat of the published problem on a coarser grid (x, t, usol as MATLAB v5)."""
    problem = BurgersProblem(MAT_VISCOSITY, 1.0, 1, -1.0, 1.0, 0.0, 1.0)
    x, t = evaluation_grid(problem, x_points, t_points)
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, {"x": x[:, None], "t": t[:, None], "usol": cole_hopf(problem, x, t, 100).u})
    return path


def font_digit(digit: int, rng: np.random.Generator) -> np.ndarray:
    """A 48x48 uint8 digit, white on black, in Pillow's bundled font with a random size, stroke and slant.

    Shapes a reader tells apart the way it tells handwriting apart (unlike `digit_images`, whose
    classes are angles), for tests that read whole expressions.
    """
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (48, 48), 0)
    font = ImageFont.load_default(size=int(rng.integers(28, 38)))
    ImageDraw.Draw(image).text(
        (24, 24), str(digit), fill=255, font=font, anchor="mm", stroke_width=int(rng.integers(0, 3)), stroke_fill=255
    )
    shear = float(rng.uniform(-0.2, 0.2))
    return np.asarray(image.transform(image.size, Image.Transform.AFFINE, (1, shear, -shear * 24, 0, 1, 0)))


def operator_image(form: str, rng: np.random.Generator) -> np.ndarray:
    """A 28x28 uint8 handwritten-looking operator, white ink on black: plus, minus, cross, obelus, slash or dot."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (28, 28), 0)
    draw = ImageDraw.Draw(image)
    size = int(rng.integers(6, 10))
    x, y = 14 + int(rng.integers(-2, 3)), 14 + int(rng.integers(-2, 3))
    width = int(rng.integers(1, 3))
    if form in ("plus", "minus", "obelus"):
        draw.line([(x - size, y), (x + size, y)], fill=255, width=width)
    if form == "plus":
        draw.line([(x, y - size), (x, y + size)], fill=255, width=width)
    if form == "cross":
        draw.line([(x - size, y - size), (x + size, y + size)], fill=255, width=width)
        draw.line([(x - size, y + size), (x + size, y - size)], fill=255, width=width)
    if form == "slash":
        draw.line([(x - size // 2, y + size), (x + size // 2, y - size)], fill=255, width=width)
    for dot_y in {"obelus": (y - size // 2 - 2, y + size // 2 + 2), "dot": (y,)}.get(form, ()):
        draw.ellipse([x - 1, dot_y - 1, x + 1, dot_y + 1], fill=255)
    return np.asarray(image)


def _png(pixels: np.ndarray) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def write_bhmsds_tar(path: Path, per_form: int = 20, seed: int = 0) -> Path:
    """BHMSDS's layout: bhmsds/symbols/<form>-NNNN.png, BLACK ink on white, with README and LICENSE."""
    import io
    import tarfile

    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

        add("bhmsds/README.md", b"Basic Handwritten Math Symbols Dataset\n")
        add("bhmsds/LICENSE", b"MIT\n")
        for form in ("dot", "minus", "plus", "slash"):
            for index in range(per_form):
                add(f"bhmsds/symbols/{form}-{index:04d}.png", _png(255 - operator_image(form, rng)))
    return path


MDAS_CLASSES = {
    "addition_plus": "plus",
    "subtraction_minus": "minus",
    "multiplication_cross": "cross",
    "multiplication_dot": "dot",
    "division_obelus": "obelus",
    "division_slash": "slash",
}


def write_mdas_zip(path: Path, writings_per_class: int = 10, seed: int = 0) -> Path:
    """MDAS's layout: symbols_partitioned/<split>/<class>/<name>.png, white on black.

    Like the published set, each writing appears as itself and mirrored (flipped left-right and
    upside down), the copies scattered over the published splits.
    """
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for class_name, form in MDAS_CLASSES.items():
            for writing in range(writings_per_class):
                pixels = operator_image(form, rng)
                for variant, view in enumerate((pixels, pixels[::-1, ::-1], pixels[:, ::-1])):
                    split = ("train", "val", "test")[int(rng.integers(0, 3))]
                    archive.writestr(
                        f"symbols_partitioned/{split}/{class_name}/{writing:03d}-{variant}.png", _png(view)
                    )
    return path


def synthetic_face(age: int, gender: int, rng: np.random.Generator, size: int = 200) -> np.ndarray:
    """A cartoon face (size, size, 3) uint8, framed as UTKFace frames one; its hair greys and lines deepen with age."""
    rows, cols = np.mgrid[0:size, 0:size] / size
    image = np.empty((size, size, 3), dtype=np.float32)
    image[:] = rng.uniform(0.2, 0.8, size=3)  # background
    skin = np.array([0.85, 0.65, 0.5]) * rng.uniform(0.7, 1.0)
    face = ((rows - 0.55) / 0.38) ** 2 + ((cols - 0.5) / 0.3) ** 2 < 1.0
    image[face] = skin
    grey = min(age / 80.0, 1.0)
    hair = (1 - grey) * np.array([0.25, 0.15, 0.05]) + grey * np.array([0.8, 0.8, 0.8])
    image[(rows < 0.3 + 0.1 * gender) & ~face & (np.abs(cols - 0.5) < 0.4)] = hair
    for eye in (0.37, 0.63):
        image[((rows - 0.48) / 0.04) ** 2 + ((cols - eye) / 0.06) ** 2 < 1.0] = 0.1
    image[(np.abs(rows - 0.75) < 0.015) & (np.abs(cols - 0.5) < 0.12)] = [0.6, 0.2, 0.2]
    for line in range(min(age // 15, 5)):  # forehead lines
        image[(np.abs(rows - (0.3 + 0.03 * line)) < 0.004) & (np.abs(cols - 0.5) < 0.15)] = skin * 0.6
    image += rng.normal(0.0, 0.02, size=image.shape)
    return (np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)


UTKFACE_IRREGULAR_NAMES = (
    "39_1_20170116174525125.jpg.chip.jpg",
    "61_1_20170109142408075.jpg.chip.jpg",
    "61_1_20170109150557335.jpg.chip.jpg",
    "24_0_1_20170116220224657 .jpg.chip.jpg",
    "55_0_0_20170116232725357jpg.chip.jpg",
)


def write_utkface_tar(path: Path, per_group: int = 6, seed: int = 0, extra: dict[str, bytes] | None = None) -> Path:
    """UTKFace's layout: UTKFace/<age>_<gender>_<race>_<date>.jpg.chip.jpg, 200x200 JPEGs; `per_group` faces
    of each age group, the published irregular names, and `extra` members (name under UTKFace/ -> bytes)."""
    import io
    import tarfile

    from PIL import Image

    from redes.aging.groups import GROUP_LOWEST_AGES

    rng = np.random.default_rng(seed)
    names = []
    for lowest in GROUP_LOWEST_AGES:
        for index in range(per_group):
            age = lowest + index % 5
            names.append(
                f"{age}_{index % 2}_{index % 5}_2017011{index % 10}{rng.integers(10**11, 10**12)}.jpg.chip.jpg"
            )
    names.extend(UTKFACE_IRREGULAR_NAMES)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(f"UTKFace/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

        for name in names:
            age, gender = (int(part) for part in name.split("_")[:2])
            buffer = io.BytesIO()
            Image.fromarray(synthetic_face(age, gender, rng)).save(buffer, format="JPEG", quality=90)
            add(name, buffer.getvalue())
        for name, data in (extra or {}).items():
            add(name, data)
    return path
