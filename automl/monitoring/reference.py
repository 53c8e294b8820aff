"""What a deployed model did on its own test split, the yardstick of every batch it scores: each tracked
metric (`automl.monitoring.estimate.tracked_metrics`) of its decisions as it answers now (a binary model's saved
threshold applied), the share of each answer, and for a binary model how often its positive answers were
right. A batch is compared with the reference of the run that scored it, so a promotion moves the yardstick
with the model.
"""

from __future__ import annotations

from typing import Any

from automl.evaluation.summary import decided_predictions, test_predictions
from automl.model.bundle import Bundle
from automl.monitoring.estimate import proba_columns, realised, tracked_metrics

__all__ = ["reference"]


def reference(bundle: Bundle) -> dict[str, Any]:
    """{"metrics": {name: value}, "shares": {answer: share}, "rows": n} on the run's test split; empty
    metrics when the run kept no test predictions."""
    try:
        preds = decided_predictions(bundle, test_predictions(bundle))
    except (OSError, ValueError, KeyError):
        return {"metrics": {}, "shares": {}, "rows": 0}
    if "actual" not in preds:
        return {"metrics": {}, "shares": {}, "rows": 0}
    columns = proba_columns(preds)
    proba = preds[list(columns)].set_axis(list(columns.values()), axis=1) if columns else None
    positive = None if bundle.metrics.positive_class is None else str(bundle.metrics.positive_class)
    values: dict[str, float] = {}
    for metric in tracked_metrics(bundle.problem_type, bundle.metrics.eval_metric):
        try:
            value = realised(metric, preds["actual"].tolist(), preds["prediction"].tolist(), proba, positive)
        except ValueError:
            value = None
        if value is not None:
            values[metric] = value
    shares: dict[str, float] = {}
    if bundle.problem_type != "regression":
        shares = {str(k): float(v) for k, v in preds["prediction"].astype(str).value_counts(normalize=True).items()}
    return {"metrics": values, "shares": shares, "rows": int(len(preds))}
