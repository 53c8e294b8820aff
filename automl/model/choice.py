"""Choosing the leaderboard model that predictions use, and re-scoring the test split with it. (Shrinking
and refitting the model in use are jobs: `automl.model.reshape`.)"""

from __future__ import annotations

from typing import Any

import pandas as pd

from automl.errors import ConfigError
from automl.model.bundle import Bundle, sign_run, verify_bundle
from automl.model.run_files import DEPLOY, METRICS
from automl.model.scoring import RunMetrics, score
from automl.store import atomic
from automl.store.workspace import Workspace

__all__ = ["choose_model", "model_input_with_label", "footprint"]


def choose_model(ws: Workspace, bundle: Bundle, predictor: Any, model: str) -> RunMetrics:
    """Make `model` the one every prediction uses; the test-split predictions and metrics follow it. When
    training retrained its best model on every row, choosing that best model brings the retrained copy
    back (scored, as at training, through the model it was retrained from)."""
    from automl.model.model_input import to_model_input
    from automl.model.inference import model_frame

    if model not in predictor.model_names() or not predictor.model_info(model).get("can_infer", True):
        raise ConfigError(f"{model!r} is not a model of this run that can predict.")
    final = bundle.metrics.final_model
    if final and model.endswith("_FULL"):  # the models retrained with the test split in their rows
        raise ConfigError(f"{model} was retrained on every row, the test split included, so the test split cannot "
                          f"measure it; choose {bundle.metrics.best_model} to use its retrained copy.")
    verify_bundle(bundle)  # a run tampered with since it was loaded stays refused, never re-signed
    raw = pd.read_parquet(bundle.files.test_rows)
    X = model_frame(bundle, to_model_input(bundle.schema, raw)[0])
    scored = score(predictor, X, raw[bundle.label], bundle.problem_type, model)
    if final and model == bundle.metrics.best_model:  # back to the model retrained on every row, measured as before
        model = final
    preds = scored.predictions
    before = pd.read_parquet(bundle.files.test_predictions, columns=["row"])
    preds.insert(0, "row", before["row"].to_numpy() if len(before) == len(preds) else range(len(preds)))
    metrics = bundle.metrics.rescored(scored, model)
    atomic.write_parquet(bundle.files.test_predictions, preds)
    written = {METRICS: atomic.write_json(bundle.files.metrics, metrics.to_dict()),
               DEPLOY: atomic.write_json(bundle.files.deploy, {"model": model})}
    if bundle.problem_type == "binary":
        from automl.model.threshold import save_validation_predictions

        save_validation_predictions(bundle.files, predictor, model)
    sign_run(ws, bundle.run_id, changed=(METRICS, DEPLOY), written=written)
    ws.set_run_result(bundle.run_id, metrics.test_score, metrics.value, metrics.eval_metric)
    return metrics


def model_input_with_label(bundle: Bundle) -> pd.DataFrame:
    from automl.model.model_input import to_model_input
    from automl.model.inference import model_frame

    raw = pd.read_parquet(bundle.files.test_rows)
    return model_frame(bundle, to_model_input(bundle.schema, raw)[0]).assign(
        **{bundle.label: raw[bundle.label].to_numpy()})


def footprint(predictor: Any, model: str, test: pd.DataFrame, metric_value: float | None) -> dict:
    import time

    X = test.drop(columns=[predictor.label])
    predictor.predict(X.head(50), model=model)  # warm
    start = time.perf_counter()
    predictor.predict(X, model=model)
    ms = 1000 * (time.perf_counter() - start) / max(1, len(X)) * 1000
    return {"model": model, "size_mb": round(predictor.disk_usage() / 2**20, 2), "ms_per_1000_rows": round(ms, 2),
            "test_value": metric_value}
