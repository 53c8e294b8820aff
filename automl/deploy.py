"""Choosing the leaderboard model that predictions use, and re-scoring the test split with it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from automl import atomic
from automl.bundle import Bundle, sign_run
from automl.errors import TargetError
from automl.workspace import Workspace

__all__ = ["deploy_model"]


def deploy_model(ws: Workspace, bundle: Bundle, predictor: Any, model: str) -> dict:
    """Make `model` the one every prediction uses; the test-split predictions and metrics follow it."""
    from autogluon.core.metrics import get_metric

    from automl.prediction import model_frame
    from automl.schema import coerce_frame

    if model not in predictor.model_names() or not predictor.model_info(model).get("can_infer", True):
        raise TargetError(f"{model!r} is not a model of this run that can predict.")
    raw = pd.read_parquet(bundle.run_dir / "test.parquet")
    X = model_frame(bundle, coerce_frame(bundle.schema, raw))
    y = raw[bundle.label]
    preds = pd.DataFrame({"row": range(len(raw)), "actual": y.to_numpy(),
                          "prediction": predictor.predict(X, model=model).to_numpy()})
    if bundle.problem_type in ("binary", "multiclass"):
        proba = predictor.predict_proba(X, model=model)
        for c in proba.columns:
            preds[f"proba_{c}"] = proba[c].to_numpy()
        scores = predictor.evaluate_predictions(y_true=y, y_pred=proba, auxiliary_metrics=True, silent=True)
    else:
        scores = predictor.evaluate_predictions(y_true=y, y_pred=preds["prediction"], auxiliary_metrics=True,
                                                silent=True)
    scores = {k: float(v) for k, v in scores.items() if isinstance(v, (int, float))}
    metrics = {**bundle.metrics, "scores": scores, "deployed_model": model,
               "values": {k: float(get_metric(k, bundle.problem_type).convert_score_to_original(v))
                          for k, v in scores.items()},
               "test_score": scores.get(bundle.metrics["eval_metric"])}
    atomic.write_parquet(bundle.run_dir / "test_predictions.parquet", preds)
    atomic.write_json(bundle.run_dir / "metrics.json", metrics)
    atomic.write_json(bundle.run_dir / "deploy.json", {"model": model})
    sign_run(ws, bundle.run_id)
    ws.set_run_result(bundle.run_id, metrics["test_score"], metrics["values"].get(metrics["eval_metric"]),
                      metrics["eval_metric"])
    return metrics
