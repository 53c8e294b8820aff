"""Shrink or refit the model in use, as background jobs that never touch the run until they are done.

Each builds its model in a private folder of its own (`automl.store.private`), from the verified private copy
the predictor was loaded from, never from the run's folder again: shrink clones what the model in use needs
(AutoGluon's `clone_for_deployment`), refit copies the predictor and retrains the model there on all training
rows (`refit_full`). The new model is scored on the test split and hashed where it was built, then copied
to `predictor.next` and swapped in with everything it changes, signed with those hashes, the old
files kept in `rollback/` until the run is signed again. A job that dies half-way leaves `rollback/`
behind, and the next reader of the run puts the old model back (`automl.model.rollback`), so the run stays usable.
Jobs that write a run run one at a time per run (`automl.store.jobs.RUN_KINDS`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from automl.errors import ConfigError
from automl.model.bundle import Bundle, load_bundle, load_predictor, sign_run
from automl.model.choice import footprint, model_input_with_label
from automl.model.rollback import NEXT, keep_for_rollback, roll_back, roll_back_leftovers, swap_done, swap_predictor
from automl.model.run_files import DEPLOY, METRICS, PREDICTOR
from automl.model.scoring import score
from automl.model.signing import digest_files
from automl.store import atomic, jobs, private
from automl.store.workspace import JobRecord, Workspace

__all__ = ["shrink", "refit", "run_shrink_job", "run_refit_job"]



def shrink(ws: Workspace, bundle: Bundle, predictor: Any) -> dict:
    """Keep only what the model in use needs; before / after size, latency and test score."""
    from autogluon.tabular import TabularPredictor

    model = bundle.deployed_model
    _not_retrained_at_training(bundle)
    work = private.private_folder("shrink")
    try:
        built = work / PREDICTOR
        try:
            predictor.clone_for_deployment(str(built), model=model)
        except TypeError as exc:  # AutoGluon 1.6 cannot pick a best model among refitted ones while cloning
            raise ConfigError("This model was refitted on all rows; AutoGluon cannot shrink a refitted model. "
                              "Shrink first, then refit.") from exc
        slim = TabularPredictor.load(str(built), verbosity=0, require_py_version_match=False)
        return _swap_in(ws, bundle, predictor, slim, model, "shrink", built)
    finally:
        private.remove(work)


def refit(ws: Workspace, bundle: Bundle, predictor: Any) -> dict:
    """Retrain the model in use on all training rows, validation rows included, on a copy; then use it."""
    from autogluon.tabular import TabularPredictor

    model = bundle.deployed_model
    _not_retrained_at_training(bundle)
    if model.endswith("_FULL"):
        raise ConfigError(f"{model} is already refitted on all training rows.")
    work = private.private_folder("refit")
    try:
        built = work / PREDICTOR
        # from the private copy `predictor` was verified and loaded from, never from the run's folder again
        shutil.copytree(predictor.path, built)
        copy = TabularPredictor.load(str(built), verbosity=0, require_py_version_match=False)
        refitted = copy.refit_full(model=model, set_best_to_refit_full=False)[model]
        return _swap_in(ws, bundle, predictor, copy, refitted, "refit", built)
    finally:
        private.remove(work)


def _not_retrained_at_training(bundle: Bundle) -> None:
    """A model retrained on every row at training has seen the test split: scoring a reshaped copy of it
    there would report rows it learned, and AutoGluon cannot shrink or refit it again anyway."""
    if bundle.trained_on_all_rows:
        raise ConfigError(f"{bundle.deployed_model} was retrained on every row (the test split included) when it "
                          "was trained; it cannot be shrunk or refitted. Train with retraining on every row "
                          "switched off to shrink the model.")


def _swap_in(ws: Workspace, bundle: Bundle, old: Any, new: Any, model: str, what: str, built: Path) -> dict:
    """Score the new predictor (built in the private folder `built`), then swap it and its scores in, signed
    with the hashes of what this job wrote; on any failure put the old state back."""
    from automl.model.scoring import leaderboard_frame
    from automl.model.threshold import validation_frame, write_validation_predictions

    files = bundle.files
    test = model_input_with_label(bundle)
    before = footprint(old, bundle.deployed_model, test, bundle.metrics.value)
    scored = score(new, test.drop(columns=[bundle.label]), test[bundle.label], bundle.problem_type, model)
    preds = scored.predictions
    rows = pd.read_parquet(files.test_predictions, columns=["row"])["row"]
    preds.insert(0, "row", rows.to_numpy() if len(rows) == len(preds) else range(len(preds)))
    metrics = bundle.metrics.rescored(scored, model)
    board = leaderboard_frame(new, test)
    validation = validation_frame(new, model) if bundle.problem_type == "binary" else None
    after = footprint(new, model, test, metrics.value)
    written = digest_files(built.parent, [PREDICTOR])  # hashed in the private folder, before it is copied out

    keep_for_rollback(files, what)
    try:
        shutil.copytree(built, files.root / NEXT)
        swap_predictor(files)
        atomic.write_parquet(files.test_predictions, preds)
        atomic.write_parquet(files.leaderboard, board)
        written[METRICS] = atomic.write_json(files.metrics, metrics.to_dict())
        written[DEPLOY] = atomic.write_json(files.deploy, {"model": model})
        if bundle.problem_type == "binary":
            write_validation_predictions(files, validation, model)
        sign_run(ws, bundle.run_id, changed=(PREDICTOR, METRICS, DEPLOY), written=written)
    except BaseException:
        roll_back(files)
        raise
    swap_done(files)
    ws.set_run_result(bundle.run_id, metrics.test_score, metrics.value, metrics.eval_metric)
    result = {"before": before, "after": after}
    atomic.write_json(getattr(files, what), result)
    return result


def _job(action: Callable[[Workspace, Bundle, Any], dict]):
    def run(ws: Workspace, job: JobRecord, events: jobs.EventLog, should_stop: Callable[[], bool]) -> str:
        roll_back_leftovers(ws, job.run_id)
        bundle = load_bundle(ws, job.run_id)
        events.emit("progress", done=0, total=2)
        predictor = load_predictor(bundle)  # verified: a tampered run is refused, never reshaped
        events.emit("progress", done=1, total=2)
        action(ws, bundle, predictor)
        events.emit("progress", done=2, total=2)
        return "succeeded"
    return run


run_shrink_job = _job(shrink)
run_refit_job = _job(refit)
