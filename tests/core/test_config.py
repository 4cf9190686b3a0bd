"""The params schema: the real params.yaml passes; every kind of bad key is named with its expected type."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sklearn.datasets import load_breast_cancer

from redes.config import ParamsError, flatten, validate_params
from redes.foundations.params import BREAST_CANCER_FEATURES
from redes.har.params import HarParams
from redes.mnist.params import MnistParams
from redes.sections import load_all_params, validate_all_params
from tests.helpers import REPO_ROOT, tiny_params_dict


def test_committed_params_are_valid() -> None:
    params = load_all_params(REPO_ROOT / "params.yaml")
    assert params.mnist.model("cnn").epochs > 0


def test_missing_key_is_named_with_its_type() -> None:
    raw = tiny_params_dict()
    del raw["mnist"]["cnn"]["epochs"]
    with pytest.raises(ParamsError, match=r"mnist\.cnn\.epochs: missing \(expected int"):
        validate_all_params(raw)


def test_unknown_key_is_named() -> None:
    raw = tiny_params_dict()
    raw["mnist"]["mlp"]["epoch"] = 3
    with pytest.raises(ParamsError, match=r"mnist\.mlp\.epoch: unknown key"):
        validate_all_params(raw)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (("mnist", "cnn", "epochs"), "five", r"mnist\.cnn\.epochs: .*expected int.*got 'five'"),
        (("mnist", "cnn", "epochs"), 2.5, r"mnist\.cnn\.epochs: .*expected int.*got 2\.5"),
        (("mnist", "mlp", "dropout"), 1.5, r"mnist\.mlp\.dropout: .*less than 1"),
        (("mnist", "mlp", "activation"), "relu6", r"mnist\.mlp\.activation: .*one of 'relu'"),
        (("base", "deterministic"), "yes", r"base\.deterministic: .*expected bool"),
        (("mnist", "cnn", "filters"), [32, 0], r"mnist\.cnn\.filters\.1: .*greater than 0"),
        (("foundations", "gan", "generator_loss"), "wgan", r"foundations\.gan\.generator_loss: .*one of 'minimax'"),
        (("foundations", "gan", "mixture_weights"), [0.5, 0.6], r"foundations\.gan: .*sum to 1"),
        (("foundations", "gan", "mixture_stds"), [0.5], r"foundations\.gan: .*same length"),
        (("foundations", "logistic", "features"), ["mean radius"], r"foundations\.logistic\.features: .*at least 2"),
        (("foundations", "logistic", "features"), ["mean radius", "mean colour"], r"features: .*'mean colour'"),
        (("foundations", "linear", "sgd_decay_epochs"), 0, r"foundations\.linear\.sgd_decay_epochs: .*> 0"),
    ],
)
def test_ill_typed_key_is_named(key: tuple[str, ...], value: object, expected: str) -> None:
    raw = tiny_params_dict()
    section = raw
    for part in key[:-1]:
        section = section[part]
    section[key[-1]] = value
    with pytest.raises(ParamsError, match=expected):
        validate_all_params(raw)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (("har", "data", "test_subjects"), [2, 2, 4], r"har\.data\.test_subjects: .*\[2\] listed more than once"),
        (("har", "data", "validation_subjects"), [7, 17, 7], r"har\.data\.validation_subjects: .*\[7\] listed more"),
        (("har", "data", "activities"), [1, 2, 3, 3], r"har\.data\.activities: .*\[3\] listed more than once"),
    ],
)
def test_a_repeated_item_is_named(key: tuple[str, ...], value: object, expected: str) -> None:
    raw = tiny_params_dict()
    raw[key[0]][key[1]][key[2]] = value
    with pytest.raises(ParamsError, match=expected):
        validate_all_params(raw)


@pytest.mark.parametrize(
    ("key", "yaml_value"),
    [
        ("har.model_defaults.learning_rate", ".inf"),
        ("mnist.cnn.learning_rate", ".nan"),
        ("pinn.equation.amplitude", "-.inf"),
        ("har.data.sampling_hz", ".inf"),
        ("foundations.gan.mixture_means", "[0.0, .nan]"),
    ],
)
def test_a_non_finite_float_is_refused_by_name(tmp_path: Path, key: str, yaml_value: str) -> None:
    """YAML spells infinity and not-a-number `.inf` and `.nan`; no param means either."""
    raw = tiny_params_dict()
    *sections, name = key.split(".")
    section = raw
    for part in sections:
        section = section[part]
    section[name] = "PLACEHOLDER"
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw).replace("PLACEHOLDER", yaml_value))
    with pytest.raises(ParamsError, match=rf"{re.escape(key)}(\.\d+)?: .*finite number"):
        load_all_params(path)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # The overlap of the subject lists is found while another key of har.data is bad too.
        (
            {"har": {"data": {"validation_subjects": [2, 7], "sampling_hz": "fifty"}}},
            [r"har\.data\.validation_subjects: .*subjects \[2\] are also in test_subjects", r"har\.data\.sampling_hz"],
        ),
        ({"har": {"data": {"gravity_cutoff_hz": 30.0}}}, [r"har\.data\.gravity_cutoff_hz: .*noise_cutoff_hz 20\.0"]),
        ({"har": {"data": {"noise_cutoff_hz": 30.0}}}, [r"har\.data\.noise_cutoff_hz: .*sampling_hz / 2 = 25\.0"]),
        ({"har": {"data": {"median_kernel": 4}}}, [r"har\.data\.median_kernel: .*odd"]),
        ({"foundations": {"gan": {"mixture_weights": [0.5, 0.6]}}}, [r"foundations\.gan: .*sum to 1"]),
    ],
)
def test_a_check_across_keys_names_only_its_keys(changes: dict, expected: list[str]) -> None:
    raw = tiny_params_dict()
    for project, sections in changes.items():
        for section, values in sections.items():
            raw[project][section].update(values)
    with pytest.raises(ParamsError) as error:
        validate_all_params(raw)
    problems = str(error.value).splitlines()[1:]
    assert len(problems) == len(expected), str(error.value)
    for pattern in expected:
        assert any(re.search(pattern, problem) for problem in problems), f"{pattern} not in:\n{error.value}"
    # Not the whole section's values: only the keys concerned.
    assert not any("window_step" in problem or "evaluation_samples" in problem for problem in problems)


def test_every_problem_is_listed_at_once() -> None:
    raw = tiny_params_dict()
    raw["base"]["seed"] = -1
    raw["mnist"]["cnn"]["kernel_size"] = "3"
    with pytest.raises(ParamsError, match=r"2 bad key\(s\)(.|\n)*base\.seed(.|\n)*mnist\.cnn\.kernel_size"):
        validate_all_params(raw)


def test_a_stage_stops_on_a_bad_key_before_any_work(tmp_path: Path) -> None:
    raw = tiny_params_dict()
    raw["mnist"]["data"]["validation_size"] = "many"
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw))
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "stages" / "mnist_prepare.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "mnist.data.validation_size" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]  # nothing read, nothing created


def test_a_stage_checks_its_own_section_and_leaves_the_others_to_their_stages() -> None:
    """A project's schema is its own stages' concern: a bad har key does not stop an MNIST stage."""
    raw = tiny_params_dict()
    raw["har"]["conv_lstm"]["units"] = "many"
    params = validate_params(raw, {"mnist": MnistParams})
    assert params.mnist.cnn.epochs == raw["mnist"]["cnn"]["epochs"] and not hasattr(params, "har")
    with pytest.raises(ParamsError, match=r"har\.conv_lstm\.units"):
        validate_params(raw, {"har": HarParams})


def test_the_whole_file_refuses_a_misspelled_section() -> None:
    raw = tiny_params_dict()
    raw["mnsit"] = raw.pop("mnist")
    with pytest.raises(ParamsError, match=r"mnist: missing(.|\n)*mnsit: unknown key"):
        validate_all_params(raw)
    assert "mnsit" not in validate_params(raw, {}).model_dump()  # a stage of another project reads on


def _stage_commands() -> dict[str, list[str]]:
    """Each stage script of dvc.yaml with the arguments of its first use."""
    commands = {}
    for stage in yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())["stages"].values():
        command = shlex.split(stage.get("do", stage)["cmd"])
        if "foreach" in stage:
            first = next(iter(stage["foreach"]))
            command = [part.replace("${item}", first).replace("${key}", first) for part in command]
        commands.setdefault(command[1], command[2:])
    return commands


@pytest.mark.parametrize(("script", "args"), sorted(_stage_commands().items()))
def test_a_stage_names_a_bad_key_before_importing_tensorflow(tmp_path: Path, script: str, args: list[str]) -> None:
    """A bad key should cost a second, not the seconds of loading TensorFlow (`-X importtime` lists every import)."""
    raw = tiny_params_dict()
    raw["base"]["sed"] = 1
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw))
    result = subprocess.run(
        [sys.executable, "-X", "importtime", str(REPO_ROOT / script), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "base.sed: unknown key" in result.stderr, result.stderr[-2000:]
    imported = {
        line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    }
    assert not {module for module in imported if module.split(".")[0] in ("tensorflow", "keras")}


def test_breast_cancer_features_are_scikit_learns() -> None:
    assert list(BREAST_CANCER_FEATURES) == list(load_breast_cancer().feature_names)


def test_flatten_names_params_like_dvc() -> None:
    assert flatten({"mnist": {"cnn": {"epochs": 5, "filters": [32, 64]}}, "base": {"seed": 1}}) == {
        "mnist.cnn.epochs": 5,
        "mnist.cnn.filters": [32, 64],
        "base.seed": 1,
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"equation": {"viscosity": 0.0}}, r"pinn\.equation\.viscosity: .*greater than 0"),
        ({"equation": {"viscosity": -0.01}}, r"pinn\.equation\.viscosity: .*greater than 0"),
        ({"equation": {"x_min": 1.0}}, r"pinn\.equation: .*domain is empty: x_min 1\.0 must be below x_max 1\.0"),
        ({"equation": {"t_max": -0.5}}, r"pinn\.equation: .*domain is empty: t_min 0\.0 must be below t_max -0\.5"),
        ({"equation": {"x_max": 0.7}}, r"pinn\.equation: .*x_max 0\.7: .*not 0 there"),
        ({"equation": {"amplitude": 0.0}}, r"pinn\.equation: .*amplitude 0"),
        ({"forward": {"collocation_points": 0}}, r"pinn\.forward\.collocation_points: .*greater than 0"),
        ({"inverse": {"data_points": 0}}, r"pinn\.inverse\.data_points: .*greater than 0"),
        ({"forward": {"network": {"dtype": "float16"}}}, r"pinn\.forward\.network\.dtype: .*float32.*float64"),
        ({"inverse": {"optimization": {"quasi_newton": "newton"}}}, r"pinn\.inverse\.optimization\.quasi_newton"),
        ({"reference": {"quadrature_points": 1000}}, r"pinn\.reference\.quadrature_points: .*less than or equal"),
    ],
)
def test_ill_posed_pinn_params_are_rejected_with_the_key(changes: dict, expected: str) -> None:
    raw = tiny_params_dict()

    def merge(into: dict, change: dict) -> None:
        for key, value in change.items():
            if isinstance(value, dict):
                merge(into[key], value)
            else:
                into[key] = value

    merge(raw["pinn"], changes)
    with pytest.raises(ParamsError, match=expected):
        validate_all_params(raw)


def test_pinn_cases_read_their_sections() -> None:
    pinn = load_all_params(REPO_ROOT / "params.yaml").pinn
    assert pinn.case("forward") is pinn.forward and pinn.case("inverse_noisy") is pinn.inverse
    assert (pinn.noise("inverse_clean"), pinn.noise("inverse_noisy")) == (0.0, 0.01)
    with pytest.raises(ValueError, match="unknown PINN case 'inverse'"):
        pinn.case("inverse")
