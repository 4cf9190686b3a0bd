"""The only module that imports MLflow: one experiment per project, one run per trained model.

The default store is `sqlite:///<repository root>/mlflow.db` with artifacts in
`<repository root>/mlartifacts`. "Repository root" is the one DVC names in
`DVC_ROOT`: for `dvc exp run --temp/--queue`, which run in a temporary copy of the
workspace, that is still the user's repository, so no run is lost with the copy.
A `MLFLOW_TRACKING_URI` (a server, a database) replaces the default.

Stages open runs through `training_run` (a training: tagged with the code and data
behind it, resumed after an interruption) and `evaluation_run` (the evaluation adding
its numbers to the training's run). Both check the store first (`check_store`), so a
missing server or a damaged database stops the stage in one paragraph, not after
minutes of retries or with a traceback.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

import mlflow
import mlflow.sklearn
from mlflow.entities import LifecycleStage, RunStatus
from mlflow.environment_variables import MLFLOW_HTTP_REQUEST_MAX_RETRIES, MLFLOW_HTTP_REQUEST_TIMEOUT
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient

from redes.config import flatten
from redes.errors import RedesError
from redes.paths import Workspace
from redes.provenance import MODEL_REQUIREMENTS, data_hashes, library_versions, run_tags

if TYPE_CHECKING:
    from redes.runtime import StageContext

# MLflow's tag that its UI shows as the run's source version.
_GIT_COMMIT_TAG = "mlflow.source.git.commit"
# Which training a run records: the name of its backup folder, made of the training's name
# and a hash of its params and data (`Workspace.backup_dir`).
_TRAINING_TAG = "redes.training"
# How long the store may take to answer the check: a healthy server answers in well under a
# second, and MLflow's own retries would wait over four minutes before failing.
_CHECK_TIMEOUT_SECONDS = 5


def default_uri(store_root: Path) -> str:
    return f"sqlite:///{Workspace(store_root).mlflow_db.resolve()}"


def configure(store_root: Path, uri: str | None = None) -> str:
    """Check the store (`check_store`) and point MLflow at it; return the URI in use.

    The store is `uri`, or else the default one below `store_root`.
    """
    resolved = uri or default_uri(store_root)
    check_store(store_root, uri)
    mlflow.set_tracking_uri(resolved)
    return resolved


def check_store(store_root: Path, uri: str | None = None) -> None:
    """Raise `RedesError`, in one paragraph naming the store and what to do, unless it can be used.

    The default store's file gets SQLite's `PRAGMA quick_check` before MLflow opens it,
    since MLflow would write to a damaged database without a word. Then MLflow reads the
    store once, without retries and within a few seconds, instead of retrying an
    unreachable server for minutes.
    """
    default_db = Workspace(store_root).mlflow_db.resolve()
    if uri is None:
        _check_default_db(default_db)
    resolved = uri or default_uri(store_root)
    # MLflow reads these variables at each request: set for this one, they turn its retries off for the check only.
    quick = {MLFLOW_HTTP_REQUEST_MAX_RETRIES.name: "0", MLFLOW_HTTP_REQUEST_TIMEOUT.name: str(_CHECK_TIMEOUT_SECONDS)}
    try:
        with mock.patch.dict(os.environ, quick):
            MlflowClient(resolved).search_experiments(max_results=1)
    except Exception as error:  # whatever the store's client raises (MLflow, SQLAlchemy, a driver): it is unusable
        reason = (str(error).strip() or type(error).__name__).splitlines()[0]
        if uri is None:
            advice = f"Move {default_db} aside and MLflow creates a fresh store there."
        else:
            advice = (
                "Start that server (or fix the URI), or unset MLFLOW_TRACKING_URI "
                f"to track in the default store {default_db}."
            )
        raise RedesError(f"the MLflow tracking store {resolved} cannot be used: {reason}. {advice}") from error


def _check_default_db(db: Path) -> None:
    """The default SQLite store: its folder writable (SQLite writes a journal beside it), the file sound."""
    if not os.access(db.parent, os.W_OK):
        raise RedesError(
            f"the MLflow store {db} cannot be written: {db.parent} is not a writable folder. "
            "Make it writable, or point MLFLOW_TRACKING_URI at another store."
        )
    if not db.exists():
        return  # MLflow creates it
    # A writer killed mid-transaction (a stage under `kill -9`) leaves a journal that SQLite rolls back
    # before anyone reads: a read-only open cannot, so then open read-write, as MLflow will a moment later.
    mode = "rw" if db.with_name(f"{db.name}-journal").exists() else "ro"
    try:
        problems = ["a folder"] if db.is_dir() else _quick_check(db, mode)
    except sqlite3.Error as error:
        problems = [str(error)]
    if problems:
        raise RedesError(
            f"the MLflow store {db} is damaged or not an SQLite database ({'; '.join(problems[:3])}). "
            "Move it aside and MLflow creates a fresh store there (`sqlite3 OLD_FILE .recover` may save "
            "its runs), or point MLFLOW_TRACKING_URI at another store."
        )
    if not os.access(db, os.W_OK):
        raise RedesError(
            f"the MLflow store {db} is read-only. Make it writable, or point MLFLOW_TRACKING_URI at another store."
        )


def _quick_check(db: Path, mode: str) -> list[str]:
    """The problems SQLite's `PRAGMA quick_check` finds in `db`, opened in `mode` ("ro" or "rw": never created)."""
    # The timeout waits out another stage's write (parallel `dvc queue` workers share the store).
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode={mode}", uri=True, timeout=30)) as connection:
        rows = [row[0] for row in connection.execute("PRAGMA quick_check")]
    return [] if rows == ["ok"] else rows


def _experiment_id(name: str, artifact_root: Path | None) -> str:
    client = MlflowClient()
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = (artifact_root / name).resolve().as_uri() if artifact_root is not None else None
    try:
        return client.create_experiment(name, artifact_location=location)
    except MlflowException:  # another stage (a parallel queue worker) created it first
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id


@contextlib.contextmanager
def _writing_artifacts() -> Iterator[None]:
    """Turn a failure to write the active run's artifacts (a full disk, a folder not writable) into one paragraph."""
    try:
        yield
    except (OSError, MlflowException) as error:
        raise RedesError(
            f"could not write to the MLflow artifact store {mlflow.get_artifact_uri()} ({error}). Make it writable "
            "(or move aside whatever is in the way) and run the stage again: a training resumes from its backup, "
            "which is kept until the model is logged and saved."
        ) from None


class Run:
    """The active MLflow run of a stage; stages log through it, never through mlflow."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def log_params(self, params: Mapping[str, Any]) -> None:
        mlflow.log_params(flatten(params))

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        finite = {k: float(v) for k, v in flatten(metrics).items() if isinstance(v, int | float) and math.isfinite(v)}
        mlflow.log_metrics(finite, step=step)

    def log_artifacts(self, paths: list[Path], folder: str | None = None) -> None:
        with _writing_artifacts():
            for path in paths:
                mlflow.log_artifact(str(path), artifact_path=folder)

    def log_keras_model(self, model: Any, example_inputs: Any) -> None:
        """The trained model, loadable back with `mlflow.keras.load_model` or `mlflow.pyfunc.load_model`.

        The signature is inferred from a few example inputs and the model's outputs.
        The requirements are the installed versions of `MODEL_REQUIREMENTS`: MLflow's own
        inference of them loads the model again in a subprocess, which costs seconds per model.
        """
        requirements = library_versions(MODEL_REQUIREMENTS)
        import mlflow.keras  # here, not at the top: it imports TensorFlow (~10 s), which the baseline never needs

        signature = infer_signature(example_inputs, model.predict(example_inputs, verbose=0))
        with _writing_artifacts():
            mlflow.keras.log_model(
                model,
                name="model",
                signature=signature,
                pip_requirements=[f"{package}=={version}" for package, version in requirements.items()],
            )

    def autolog_sklearn(self) -> None:
        """Log the params, training metrics and fitted model of scikit-learn estimators fitted from now on."""
        mlflow.sklearn.autolog(log_models=True, log_datasets=False, silent=True)

    def keras_callback(self, prefix: str = "") -> Any:
        """Logs the model summary, optimizer config and each epoch's metrics while `fit` runs.

        `prefix` goes before each metric's name, to tell apart the trainings of one run (an ensemble's members).
        """
        import mlflow.keras

        def prefixed(logs: dict | None) -> dict | None:
            return None if logs is None else {f"{prefix}{name}": value for name, value in logs.items()}

        class PrefixedMlflowCallback(mlflow.keras.MlflowCallback):
            def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
                super().on_epoch_end(epoch, prefixed(logs))

            def on_test_end(self, logs: dict | None = None) -> None:
                super().on_test_end(prefixed(logs))

        return PrefixedMlflowCallback() if prefix else mlflow.keras.MlflowCallback()


@contextlib.contextmanager
def start_run(
    store_root: Path,
    experiment: str,
    run_name: str,
    tags: Mapping[str, str],
    *,
    uri: str | None = None,
    run_id: str | None = None,
    resume_file: Path | None = None,
) -> Iterator[Run]:
    """Open a new run of `experiment`, or resume one.

    `run_id` resumes that run (the evaluate stage adds to the train stage's run).
    `resume_file` keeps the id of the run across an interrupted training: if it
    exists and the store holds that run, the run continues; if not, the new run's id
    is written there.
    """
    configure(store_root, uri)
    if run_id is None and resume_file is not None and resume_file.exists():
        run_id = _in_store(resume_file.read_text().strip())
    artifact_root = Workspace(store_root).mlflow_artifacts if uri is None else None
    all_tags = dict(tags)
    if "git.commit" in all_tags:
        all_tags[_GIT_COMMIT_TAG] = all_tags["git.commit"]
    if run_id is not None:
        with mlflow.start_run(run_id=run_id) as active:
            mlflow.set_tags(all_tags)
            yield Run(active.info.run_id)
        return
    experiment_id = _experiment_id(experiment, artifact_root)
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name, tags=all_tags) as active:
        if resume_file is not None:
            resume_file.parent.mkdir(parents=True, exist_ok=True)
            resume_file.write_text(active.info.run_id)
        yield Run(active.info.run_id)


def _in_store(run_id: str) -> str | None:
    """`run_id` if the store holds that run, to continue; None if it does not.

    It does not after a switch to another store (MLFLOW_TRACKING_URI set, or a damaged
    mlflow.db moved aside): the training then goes on from its backup in a new run.
    """
    try:
        run = MlflowClient().get_run(run_id)
    except MlflowException:
        return None
    return run_id if run.info.lifecycle_stage == LifecycleStage.ACTIVE else None


class TrainingRun(Run):
    """The MLflow run of one training, and the folder where that training keeps its backup."""

    def __init__(self, run_id: str, backup_dir: Path) -> None:
        super().__init__(run_id)
        self.backup_dir = backup_dir


@contextlib.contextmanager
def training_run(
    context: StageContext,
    project: str,
    name: str,
    *,
    data_files: Sequence[Path],
    params: Mapping[str, Any],
    tags: Mapping[str, str] | None = None,
    resumable: bool = True,
) -> Iterator[TrainingRun]:
    """The run of training `name` in experiment `project`, with its params logged.

    Tagged with the git commit, the DVC stage and experiment and the sha256 of each of
    `data_files`. `params` (params sections or values, nested as in params.yaml: whatever
    defines the training) and those hashes name the backup folder: a stage interrupted and
    run again with the same params and data finds its backup there, and the id of its run
    beside it, and continues both. A training too short to back up (`resumable=False`)
    always opens a new run.
    """
    flat_params, data_sha256 = flatten(params), data_hashes(list(data_files))
    backup_dir = context.workspace.backup_dir(project, name, flat_params, data_sha256)
    all_tags = {
        **run_tags(context.workspace.root, context.dvc_stage, context.dvc_exp_name, data_sha256),
        **(tags or {}),
        _TRAINING_TAG: backup_dir.name,
    }
    with start_run(
        context.store_root,
        project,
        name,
        all_tags,
        uri=context.tracking_uri,
        resume_file=backup_dir / "mlflow_run_id" if resumable else None,
    ) as run:
        _kill_abandoned_runs(backup_dir.name, run.run_id)
        mlflow.log_params(flat_params)
        yield TrainingRun(run.run_id, backup_dir)


def _kill_abandoned_runs(training: str, current_run_id: str) -> None:
    """Mark KILLED the other runs of this same training still RUNNING: a killed stage left them so.

    A stage run again after a kill continues its run (the run's id waits beside the
    backup), which then ends FINISHED; but when the backup is gone (removed, or lost with
    the temporary workspace of `dvc exp run --temp`) or the training is too short to back
    up, a new run starts and the old one would stay RUNNING forever. MLflow keeps no
    heartbeat, so a run of the same training still alive in another process (the same
    experiment queued twice) is marked too, until its own end marks it FINISHED.
    """
    client = MlflowClient()
    experiment_id = client.get_run(current_run_id).info.experiment_id
    running = client.search_runs(
        [experiment_id], filter_string=f"tags.`{_TRAINING_TAG}` = '{training}' and attributes.status = 'RUNNING'"
    )
    for run in running:
        if run.info.run_id != current_run_id:
            client.set_terminated(run.info.run_id, RunStatus.to_string(RunStatus.KILLED))


@contextlib.contextmanager
def evaluation_run(context: StageContext, project: str, name: str, run_id: str) -> Iterator[Run]:
    """The training's run `run_id` reopened, so an evaluate stage adds its numbers and figures to it."""
    tags = {"dvc.evaluate_stage": context.dvc_stage or "(run outside dvc)"}
    with start_run(context.store_root, project, name, tags, uri=context.tracking_uri, run_id=run_id) as run:
        yield run
