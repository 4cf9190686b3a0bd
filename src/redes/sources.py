"""Every external file the pipeline downloads: dataset, file name, size, sha256, public URLs.

The hashes are those of the published files (see shared/data/PROVENANCE.md). A
catalog override (a JSON file, `{dataset: {file: {"sha256": ..., "size": ...}}}`)
replaces the hash and size of listed files: the pipeline smoke test uses it to run
the real download stage on synthetic fixtures, and a lab with its own copy of a
dataset can use it the same way. The override never adds files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from redes.errors import RedesError


@dataclass(frozen=True)
class Source:
    dataset: str
    filename: str
    size: int
    sha256: str
    urls: tuple[str, ...]
    # For a zip whose container differs between distributions (a mirror's repackaging, the
    # publisher's full archive): (member, sha256) pairs, relative to the folder holding the first
    # member wherever it sits in the zip. A download whose members all match is the same data.
    members: tuple[tuple[str, str], ...] = ()
    # For a file no URL serves unattended: where a person gets it (said when every location fails).
    where_to_get: str = ""


def _manifest(name: str) -> tuple[tuple[str, str], ...]:
    """A `sha256sum`-style list shipped in redes/manifests: '<sha256>  <member>' per line."""
    text = (resources.files("redes") / "manifests" / name).read_text()
    return tuple((member, digest) for digest, member in (line.split("  ", 1) for line in text.splitlines()))


_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


def _mnist(filename: str, size: int, sha256: str) -> Source:
    return Source("mnist", filename, size, sha256, tuple(base + filename for base in _MNIST_MIRRORS))


SOURCES: dict[str, tuple[Source, ...]] = {
    # AirCalc's operators and hand tracking. The mirror's BHMSDS archive is a repackaged subset of
    # that repository and its hand model is built from MediaPipe's float32 models (PROVENANCE.md):
    # neither has a public URL with these bytes, so both come from REDES_DATA_MIRROR only.
    "aircalc": (
        Source(
            "math_symbols",
            "bhmsds_operators.tar.gz",
            1281734,
            "9f986a7b99316d263d9b933f390dcc3652e295ffcf37968017e0393eac93f920",
            (),
        ),
        Source(
            "math_symbols",
            "mdas_symbols_v1.zip",
            2831438,
            "c779edb082fbe932e02ba129d4a0f7eee5e539873f988b587284d46a947d8791",
            (
                "https://raw.githubusercontent.com/jdmacleod/handwritten-calculator/main/"
                "mdas_symbol_dataset/mdas_symbols_v1.zip",
            ),
        ),
        Source(
            "mediapipe",
            "hand_landmarker.task",
            7819037,
            "4f2db846059e2dbac3f8ffe80cb0836495d94d7372f82203979391da358b412d",
            (),
        ),
        # The hand whose photo writes the camera check's expression (MediaPipe samples, Apache-2.0).
        Source(
            "mediapipe",
            "hand_thumb_up.jpg",
            53635,
            "2e5a1ae96e2db9fa1e4622dd7cb79532f74edb96c3ef2ef9236e48ae4e4d18e8",
            (
                "https://raw.githubusercontent.com/google-ai-edge/mediapipe-samples/main/examples/"
                "gesture_recognizer/android/app/src/androidTest/assets/hand_thumb_up.jpg",
            ),
        ),
    ),
    # The raw 50 Hz signals of the HAPT release (UCI dataset 341): the course mirror keeps only them;
    # the publisher's archive also holds pre-cut features, and is accepted by its RawData members.
    "hapt": (
        Source(
            "hapt",
            "HAPT_Data_Set_RawData.zip",
            27541572,
            "c21a040ec60b0b914a734f37898d109f7f427ccd89502b87eb9f6c9f188f93ff",
            (
                "https://archive.ics.uci.edu/static/public/341/"
                "smartphone+based+recognition+of+human+activities+and+postural+transitions.zip",
            ),
            members=_manifest("hapt.sha256"),
        ),
    ),
    # Face aging's faces (Zhang, Song, Qi, CVPR 2017): the authors share the archive through a
    # file-sharing link only, so it comes from REDES_DATA_MIRROR, where a user who fetched it puts it.
    "utkface": (
        Source(
            "utkface",
            "UTKFace.tar.gz",
            105711732,
            "a176468a42d88b5ba4bb6fac5da263b82b144da128a684a603a72e4dad4d6159",
            (),
            where_to_get=(
                "the UTKFace authors share it through a file-sharing link on https://susanqq.github.io/UTKFace/ "
                '(the "Aligned&Cropped Faces" archive, UTKFace.tar.gz); download it there in a browser'
            ),
        ),
    ),
    "mnist": (
        _mnist(
            "train-images-idx3-ubyte.gz", 9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        _mnist("train-labels-idx1-ubyte.gz", 28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        _mnist(
            "t10k-images-idx3-ubyte.gz", 1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        _mnist("t10k-labels-idx1-ubyte.gz", 4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    ),
    # The reference solution published with Raissi, Perdikaris, Karniadakis (J. Comput. Phys. 2019).
    "pinn": (
        Source(
            "pinn",
            "burgers_shock.mat",
            207944,
            "f4d11e6798b8d29b6829984952b04adcc470d9bf70dd7e56c7985cd8e316c4bf",
            ("https://raw.githubusercontent.com/maziarraissi/PINNs/master/appendix/Data/burgers_shock.mat",),
        ),
    ),
}


def dataset_sources(dataset: str, catalog_override: Path | None = None) -> tuple[Source, ...]:
    """The files of `dataset`, with hashes replaced by `catalog_override` where it lists them."""
    if dataset not in SOURCES:
        raise RedesError(f"unknown dataset {dataset!r}; known: {', '.join(sorted(SOURCES))}")
    sources = SOURCES[dataset]
    if catalog_override is None:
        return sources
    try:
        overrides = json.loads(catalog_override.read_text()).get(dataset, {})
    except (OSError, json.JSONDecodeError) as error:
        raise RedesError(f"catalog override {catalog_override} is unreadable: {error}") from None
    known = {source.filename for source in sources}
    unknown = set(overrides) - known
    if unknown:
        raise RedesError(f"catalog override {catalog_override} lists files {dataset} does not have: {sorted(unknown)}")
    return tuple(
        replace(s, sha256=overrides[s.filename]["sha256"], size=overrides[s.filename]["size"])
        if s.filename in overrides
        else s
        for s in sources
    )
