"""Shrink or refit the model in use, as background jobs that never touch the run until they are done.

Each works on a copy (`predictor.next`): shrink clones what the model in use needs (AutoGluon's
`clone_for_deployment`), refit copies the predictor and retrains the model there on all training rows
(`refit_full`). The copy is scored on the test split, then swapped in with everything it changes, the old
files kept in `rollback/` until the run is signed again. A job that dies half-way leaves `rollback/`
behind, and the next reader of the run puts the old model back (`automl.model.rollback`), so the run stays usable.
Jobs that write a run run one at a time per run (`automl.store.jobs.RUN_KINDS`).
"""

from __future__ import annotations

import shutil
from typing import Any, Callable

import pandas as pd

from automl.errors import ConfigError
from automl.model.bundle import Bundle, load_bundle, load_predictor, sign_run
from automl.model.deploy import footprint, model_input_with_label
from automl.model.rollback import NEXT, keep_for_rollback, roll_back, roll_back_leftovers, swap_done, swap_predictor
from automl.model.run_files import DEPLOY, METRICS, PREDICTOR
from automl.model.scoring import score
from automl.store import atomic, jobs
from automl.store.workspace import JobRecord, Workspace

__all__ = ["shrink", "refit", "run_shrink_job", "run_refit_job"]



def shrink(ws: Workspace, bundle: Bundle, predictor: Any) -> dict:
    """Keep only what the model in use needs; before / after size, latency and test score."""
    from autogluon.tabular import TabularPredictor

    model = bundle.deployed_model
    _not_retrained_at_training(bundle)
    work = bundle.run_dir / NEXT
    shutil.rmtree(work, ignore_errors=True)
    try:
        predictor.clone_for_deployment(str(work), model=model)
    except TypeError as exc:  # AutoGluon 1.6 cannot pick a best model among refitted ones while cloning
        shutil.rmtree(work, ignore_errors=True)
        raise ConfigError("This model was refitted on all rows; AutoGluon cannot shrink a refitted model. "
                          "Shrink first, then refit.") from exc
    slim = TabularPredictor.load(str(work), verbosity=0, require_py_version_match=False)
    return _swap_in(ws, bundle, predictor, slim, model, "shrink")


def refit(ws: Workspace, bundle: Bundle, predictor: Any) -> dict:
    """Retrain the model in use on all training rows, validation rows included, on a copy; then use it."""
    from autogluon.tabular import TabularPredictor

    model = bundle.deployed_model
    _not_retrained_at_training(bundle)
    if model.endswith("_FULL"):
        raise ConfigError(f"{model} is already refitted on all training rows.")
    work = bundle.run_dir / NEXT
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(bundle.files.predictor, work)  # copied right after `predictor` was verified and loaded
    copy = TabularPredictor.load(str(work), verbosity=0, require_py_version_match=False)
    refitted = copy.refit_full(model=model, set_best_to_refit_full=False)[model]
    return _swap_in(ws, bundle, predictor, copy, refitted, "refit")


def _not_retrained_at_training(bundle: Bundle) -> None:
    """A model retrained on every row at training has seen the test split: scoring a reshaped copy of it
    there would report rows it learned, and AutoGluon cannot shrink or refit it again anyway."""
    if bundle.trained_on_all_rows:
        raise ConfigError(f"{bundle.deployed_model} was retrained on every row (the test split included) when it "
                          "was trained; it cannot be shrunk or refitted. Train with retraining on every row "
                          "switched off to shrink the model.")


def _swap_in(ws: Workspace, bundle: Bundle, old: Any, new: Any, model: str, what: str) -> dict:
    """Score the new predictor, then swap it and its scores in; on any failure put the old state back."""
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
    after = footprint(new, model, test, metrics.value)  # last use of `new`: its folder is about to move

    keep_for_rollback(files, what)
    try:
        swap_predictor(files)
        atomic.write_parquet(files.test_predictions, preds)
        atomic.write_parquet(files.leaderboard, board)
        atomic.write_json(files.metrics, metrics.to_dict())
        atomic.write_json(files.deploy, {"model": model})
        if bundle.problem_type == "binary":
            write_validation_predictions(files, validation, model)
        sign_run(ws, bundle.run_id, changed=(PREDICTOR, METRICS, DEPLOY))
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
