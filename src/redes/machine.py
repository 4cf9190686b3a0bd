"""The machine as TensorFlow sees it: `redes doctor`, and the device tags on every MLflow run.

A reproduction on a rented GPU is only worth its hours if it took the GPU path: the doctor says,
before any training, which TensorFlow build is installed, which GPUs it sees and whether op
determinism holds on them; the tags say afterwards, on every run, where a training ran.

MLflow adds the tags by itself: `MachineRunContext` is registered in pyproject.toml as an
`mlflow.run_context_provider` entry point, so every run any stage opens gets them (a plain class:
MLflow only calls `in_context` and `tags`, and only tracking.py imports mlflow). A process that
never imported TensorFlow (the HAR baseline, a download) ran on the CPU, and its tags say so
without importing TensorFlow for it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redes.provenance import machine

# TensorFlow's and oneDNN's switches that change what a run computes or how reproducibly.
DETERMINISM_VARIABLES = (
    "TF_DETERMINISTIC_OPS",
    "TF_CUDNN_DETERMINISTIC",
    "TF_ENABLE_ONEDNN_OPTS",
    "ONEDNN_MAX_CPU_ISA",
    "TF_XLA_FLAGS",
    "CUDA_VISIBLE_DEVICES",
    "KERAS_BACKEND",
)


def tensorflow_build() -> dict[str, str]:
    """The installed TensorFlow: its version, and its build ("CPU only", or the CUDA and cuDNN it was built for)."""
    import tensorflow as tf

    info = tf.sysconfig.get_build_info()
    build = f"CUDA {info.get('cuda_version', '?')}, cuDNN {info.get('cudnn_version', '?')}"
    return {"tensorflow": tf.__version__, "tensorflow_build": build if info.get("is_cuda_build") else "CPU only"}


def visible_gpus() -> list[str]:
    """Each GPU TensorFlow can use, as "GPU:0 NVIDIA A10G (compute 8.6)"."""
    import tensorflow as tf

    gpus = []
    for index, device in enumerate(tf.config.list_physical_devices("GPU")):
        details = tf.config.experimental.get_device_details(device)
        capability = details.get("compute_capability")
        suffix = f" (compute {capability[0]}.{capability[1]})" if capability else ""
        gpus.append(f"GPU:{index} {details.get('device_name', device.name)}{suffix}")
    return gpus


def gpu_driver() -> str | None:
    """The NVIDIA driver's version, from nvidia-smi; None without one."""
    if shutil.which("nvidia-smi") is None:
        return None
    result = subprocess.run(
        ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True, text=True
    )
    versions = sorted(set(result.stdout.split())) if result.returncode == 0 else []
    return ", ".join(versions) or None


def device_tags() -> dict[str, str]:
    """MLflow tags naming the device of this process's training, its GPU driver and TensorFlow build."""
    cpu = machine()
    tags = {"machine.cpu": f"{cpu['cpu']} ({cpu['cores']} cores)"}
    gpus = visible_gpus() if "tensorflow" in sys.modules else []
    # One device by default: TensorFlow places every op it can on the first GPU it sees.
    tags["machine.device"] = gpus[0].split(" ", 1)[0] if gpus else "CPU"
    if gpus:
        tags["machine.gpus"] = "; ".join(gpus)
        tags["machine.gpu_driver"] = gpu_driver() or "unknown"
    if "tensorflow" in sys.modules:
        tags.update({f"machine.{key}": value for key, value in tensorflow_build().items()})
    return tags


class MachineRunContext:
    """The device tags on every new MLflow run (an `mlflow.run_context_provider` entry point)."""

    def in_context(self) -> bool:
        return True

    def tags(self) -> dict[str, str]:
        return device_tags()


@dataclass(frozen=True)
class Checkup:
    """What `redes doctor` found: lines to print, and the problems that should stop a reproduction."""

    lines: list[str]
    problems: list[str]


def checkup(params_file: Path, *, require_gpu: bool) -> Checkup:
    """Backend, TensorFlow build, GPUs and determinism, seeded as a stage is from `params_file`'s `base`.

    The determinism check trains a small convolutional net twice from the same seed on the
    default device and compares the weights bit for bit: on a GPU, an op without a
    deterministic kernel either raises under op determinism or makes the two differ.
    """
    from redes.config import load_params
    from redes.seeding import seed_everything

    base = load_params(params_file, {}).base
    seed_everything(base.seed, base.deterministic)
    import keras
    from tensorflow.python.framework.config import is_op_determinism_enabled  # not in tf.config's public API

    cpu = machine()
    gpus = visible_gpus()
    build = tensorflow_build()
    lines = [
        f"Keras {keras.__version__}, backend {keras.backend.backend()}",
        f"TensorFlow {build['tensorflow']}, build: {build['tensorflow_build']}",
        f"CPU: {cpu['cpu']}, {cpu['cores']} cores; Python {cpu['python']}; {cpu['system']}",
        "GPUs: " + ("; ".join(gpus) if gpus else "none visible"),
    ]
    problems = []
    if gpus:
        lines.append(f"NVIDIA driver: {gpu_driver() or 'unknown (no nvidia-smi)'}")
    elif require_gpu:
        problems.append(
            "no GPU is visible to TensorFlow"
            + (
                " (this is TensorFlow's CPU-only build: make setup EXTRAS=gpu)"
                if build["tensorflow_build"] == "CPU only"
                else ""
            )
        )
    lines.append(
        f"determinism: base.seed {base.seed}, base.deterministic {str(base.deterministic).lower()}, "
        f"op determinism {'on' if is_op_determinism_enabled() else 'off'}"
    )
    settings = {name: os.environ[name] for name in DETERMINISM_VARIABLES if name in os.environ}
    lines.append("environment: " + (", ".join(f"{k}={v}" for k, v in settings.items()) or "no TensorFlow switches set"))
    try:
        identical = _trains_identically(base.seed)
    except Exception as error:  # whatever the device raises (an op without a deterministic kernel): a problem
        problems.append(f"a small training fails on {'GPU:0' if gpus else 'the CPU'}: {str(error).splitlines()[0]}")
    else:
        device = "GPU:0" if gpus else "CPU"
        lines.append(f"two trainings from one seed on {device}: {'identical' if identical else 'DIFFERENT'}")
        if base.deterministic and not identical:
            problems.append(f"two trainings from one seed differ on {device} although base.deterministic is true")
    return Checkup(lines, problems)


def _trains_identically(seed: int) -> bool:
    import keras
    import numpy as np

    def train() -> list[Any]:
        keras.utils.set_random_seed(seed)
        inputs = np.random.default_rng(seed).normal(size=(64, 12, 12, 1)).astype("float32")
        labels = np.arange(64) % 3
        model = keras.Sequential(
            [
                keras.Input((12, 12, 1)),
                keras.layers.Conv2D(4, 3, activation="relu"),
                keras.layers.MaxPooling2D(),
                keras.layers.BatchNormalization(),
                keras.layers.Flatten(),
                keras.layers.Dropout(0.2),
                keras.layers.Dense(3),
            ]
        )
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(inputs, labels, batch_size=16, epochs=2, verbose=0)
        return model.get_weights()

    first, second = train(), train()
    return all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
