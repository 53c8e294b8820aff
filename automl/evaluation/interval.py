"""How precisely the test split measured the model: a bootstrap interval of the run's metric.

The test score is one draw: another set of test rows from the same population would score a little
differently, and the fewer the rows the more. Resampling the test predictions (rows drawn with replacement,
as many as there are) and scoring each resample shows how far: the middle 95% of the resampled scores is the
interval Evaluate states beside the score, so that a user does not choose between two models on a difference
the test split cannot tell apart.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["metric_interval", "RESAMPLES"]

RESAMPLES = 100  # a 95% interval to two digits; about 0.5 s for ROC AUC on 2,000 rows


def metric_interval(preds: pd.DataFrame, metric: str, problem_type: str, class_labels: list | None = None,
                    positive: Any = None, level: float = 0.95, seed: int = 0) -> tuple[float, float] | None:
    """The middle `level` of the metric over bootstrap resamples of the test predictions (`actual`,
    `prediction`, `proba_<class>`), as users read it (errors positive); None where it cannot be computed
    (too few rows, a resample with one class for a metric that needs two)."""
    from autogluon.core.metrics import get_metric

    n = len(preds)
    if n < 20:
        return None
    scorer = get_metric(metric, problem_type)
    y, pred = _arrays(preds, scorer, problem_type, class_labels, positive)
    if y is None:
        return None
    rng = np.random.default_rng(seed)
    resamples = RESAMPLES if n <= 20_000 else 30  # a 200,000-row split: seconds, not a minute
    values = []
    for _ in range(resamples):
        take = rng.integers(0, n, n)
        try:
            values.append(float(scorer.convert_score_to_original(scorer(y[take], pred[take]))))
        except ValueError:  # one class only in this resample (ROC AUC): skip it
            continue
    if len(values) < resamples // 2:
        return None
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def _arrays(preds: pd.DataFrame, scorer: Any, problem_type: str, class_labels: list | None,
            positive: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The true values and what the scorer reads (labels, the positive class's probability, or every class's
    probabilities), in AutoGluon's form."""
    actual = preds["actual"]
    if problem_type == "regression":
        return actual.to_numpy(dtype=float), preds["prediction"].to_numpy(dtype=float)
    labels = [str(c) for c in (class_labels or [])]
    if scorer.needs_pred or getattr(scorer, "needs_class", False):
        if problem_type == "binary":  # 1 for the positive class, as AutoGluon's F1 or precision read it
            return ((actual.astype(str) == str(positive)).to_numpy(dtype=int),
                    (preds["prediction"].astype(str) == str(positive)).to_numpy(dtype=int))
        return actual.astype(str).to_numpy(), preds["prediction"].astype(str).to_numpy()
    columns = [f"proba_{c}" for c in (class_labels or [])]
    if not columns or any(c not in preds.columns for c in columns):
        return None, None
    if problem_type == "binary":
        return (actual.astype(str) == str(positive)).to_numpy(dtype=int), preds[f"proba_{positive}"].to_numpy(float)
    index = {c: i for i, c in enumerate(labels)}
    codes = actual.astype(str).map(index)
    if codes.isna().any():
        return None, None
    return codes.to_numpy(dtype=int), preds[columns].to_numpy(dtype=float)
