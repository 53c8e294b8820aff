"""Choosing the leaderboard model that predictions use, and re-scoring the test split with it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from automl import atomic
from automl.bundle import Bundle, sign_run, verify_bundle
from automl.errors import TargetError
from automl.run_files import DEPLOY, METRICS, PREDICTOR, RunFiles
from automl.scoring import RunMetrics, score
from automl.workspace import Workspace

__all__ = ["deploy_model", "shrink", "refit"]


def deploy_model(ws: Workspace, bundle: Bundle, predictor: Any, model: str) -> RunMetrics:
    """Make `model` the one every prediction uses; the test-split predictions and metrics follow it."""
    from automl.prediction import model_frame
    from automl.model_input import to_model_input

    if model not in predictor.model_names() or not predictor.model_info(model).get("can_infer", True):
        raise TargetError(f"{model!r} is not a model of this run that can predict.")
    verify_bundle(bundle)  # a run tampered with since it was loaded stays refused, never re-signed
    raw = pd.read_parquet(bundle.files.test_rows)
    X = model_frame(bundle, to_model_input(bundle.schema, raw)[0])
    scored = score(predictor, X, raw[bundle.label], bundle.problem_type, model)
    preds = scored.predictions
    before = pd.read_parquet(bundle.files.test_predictions, columns=["row"])
    preds.insert(0, "row", before["row"].to_numpy() if len(before) == len(preds) else range(len(preds)))
    metrics = bundle.metrics.rescored(scored, model)
    atomic.write_parquet(bundle.files.test_predictions, preds)
    atomic.write_json(bundle.files.metrics, metrics.to_dict())
    atomic.write_json(bundle.files.deploy, {"model": model})
    if bundle.problem_type == "binary":
        from automl.threshold import save_validation_predictions

        save_validation_predictions(bundle.files, predictor, model)
    sign_run(ws, bundle.run_id, changed=(METRICS, DEPLOY))
    ws.set_run_result(bundle.run_id, metrics.test_score, metrics.value, metrics.eval_metric)
    return metrics


def _model_input(bundle: Bundle) -> pd.DataFrame:
    from automl.prediction import model_frame
    from automl.model_input import to_model_input

    raw = pd.read_parquet(bundle.files.test_rows)
    return model_frame(bundle, to_model_input(bundle.schema, raw)[0]).assign(**{bundle.label: raw[bundle.label].to_numpy()})


def _footprint(predictor: Any, model: str, test: pd.DataFrame, metric_value: float | None) -> dict:
    import time

    X = test.drop(columns=[predictor.label])
    predictor.predict(X.head(50), model=model)  # warm
    start = time.perf_counter()
    predictor.predict(X, model=model)
    ms = 1000 * (time.perf_counter() - start) / max(1, len(X)) * 1000
    return {"model": model, "size_mb": round(predictor.disk_usage() / 2**20, 2), "ms_per_1000_rows": round(ms, 2),
            "test_value": metric_value}


def shrink(ws: Workspace, bundle: Bundle, predictor: Any) -> dict:
    """Keep only what the model in use needs (AutoGluon's `clone_for_deployment`); the test split is scored
    again. Returns the before / after footprint. (AutoGluon 1.6's `refit_full` cannot be combined with this
    clone — its refitted models have no validation score — so it is not offered.)"""
    import shutil

    from automl.bundle import load_bundle, load_predictor
    from automl.fitting import leaderboard_frame

    verify_bundle(bundle)
    test = _model_input(bundle)
    model = bundle.deployed_model
    before = _footprint(predictor, model, test, bundle.metrics.value)
    run_dir = bundle.run_dir
    files = RunFiles(run_dir)
    slim, old = files.predictor.with_name("predictor.slim"), files.predictor.with_name("predictor.old")
    shutil.rmtree(slim, ignore_errors=True)
    try:
        predictor.clone_for_deployment(str(slim), model=model)
    except TypeError as exc:  # AutoGluon 1.6 cannot pick a best model among refitted ones while cloning
        shutil.rmtree(slim, ignore_errors=True)
        raise TargetError("This model was refitted on all rows; AutoGluon cannot shrink a refitted model. "
                          "Shrink first, then refit.") from exc
    files.predictor.rename(old)
    slim.rename(files.predictor)
    shutil.rmtree(old, ignore_errors=True)
    atomic.write_json(files.deploy, {"model": model})
    sign_run(ws, bundle.run_id, changed=(PREDICTOR, DEPLOY))
    bundle = load_bundle(ws, bundle.run_id)
    slim_predictor = load_predictor(bundle)
    metrics = deploy_model(ws, bundle, slim_predictor, model)
    atomic.write_parquet(files.leaderboard, leaderboard_frame(slim_predictor, test))
    after = _footprint(slim_predictor, model, test, metrics.value)
    result = {"before": before, "after": after}
    atomic.write_json(files.shrink, result)
    return result


def refit(ws: Workspace, bundle: Bundle, predictor: Any) -> dict:
    """Retrain the model in use on all training rows, validation rows included (AutoGluon's `refit_full`),
    and use the refitted model; it is scored again on the untouched test split."""
    from automl.bundle import load_bundle
    from automl.fitting import leaderboard_frame

    test = _model_input(bundle)
    model = bundle.deployed_model
    if model.endswith("_FULL"):
        raise TargetError(f"{model} is already refitted on all training rows.")
    before = _footprint(predictor, model, test, bundle.metrics.value)
    verify_bundle(bundle)
    refitted = predictor.refit_full(model=model, set_best_to_refit_full=False)[model]
    sign_run(ws, bundle.run_id, changed=(PREDICTOR,))  # the predictor folder changed: sign it before any reload
    bundle = load_bundle(ws, bundle.run_id)
    metrics = deploy_model(ws, bundle, predictor, refitted)
    atomic.write_parquet(bundle.files.leaderboard, leaderboard_frame(predictor, test))
    after = _footprint(predictor, refitted, test, metrics.value)
    result = {"before": before, "after": after}
    atomic.write_json(bundle.files.refit, result)
    return result
