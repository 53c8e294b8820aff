"""Choosing a binary model's decision threshold: AutoGluon's calibration search on the validation (or
out-of-fold) probabilities the run keeps, for an objective, and the counts and rates at any threshold.
Saving the chosen one is the model's business (`automl.model.threshold`)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from automl.errors import ConfigError

__all__ = ["suggest_threshold", "metrics_at_threshold", "Objective", "OBJECTIVES"]

Objective = Literal["f1", "balanced_accuracy", "accuracy", "precision_at_recall", "cost"]
OBJECTIVES: tuple[str, ...] = ("f1", "balanced_accuracy", "accuracy", "precision_at_recall", "cost")


def suggest_threshold(val: pd.DataFrame, objective: Objective = "f1", min_recall: float = 0.8,
                      cost_fp: float = 1.0, cost_fn: float = 1.0) -> dict[str, float]:
    """The threshold AutoGluon's calibration search finds best for the objective on validation
    probabilities, with the validation metrics at it (and the cost of errors there, for "cost")."""
    from autogluon.core.calibrate import calibrate_decision_threshold

    y, p = val["actual"].to_numpy(dtype=int), val["proba"].to_numpy(dtype=float)
    threshold = calibrate_decision_threshold(y, p, metric=_scorer(objective, min_recall, cost_fp, cost_fn),
                                             decision_thresholds=50, secondary_decision_thresholds=9,
                                             verbose=False)
    threshold = float(min(0.99, max(0.01, threshold)))
    at = metrics_at_threshold(y, p, threshold)
    if objective == "cost":
        at["cost"] = float(cost_fp * at["fp"] + cost_fn * at["fn"])
    return at


def _scorer(objective: str, min_recall: float, cost_fp: float, cost_fn: float) -> Any:
    from autogluon.core.metrics import get_metric, make_scorer

    if objective in ("f1", "balanced_accuracy", "accuracy"):
        return get_metric(objective, "binary")

    def counts(y: np.ndarray, pred: np.ndarray) -> tuple[int, int, int]:
        y, pred = np.asarray(y).astype(int), np.asarray(pred).astype(int)
        return (int(((pred == 1) & (y == 1)).sum()), int(((pred == 1) & (y == 0)).sum()),
                int(((pred == 0) & (y == 1)).sum()))

    if objective == "cost":
        def negative_cost(y: np.ndarray, pred: np.ndarray) -> float:
            _, fp, fn = counts(y, pred)
            return -(cost_fp * fp + cost_fn * fn)

        return make_scorer("cost_of_errors", negative_cost, optimum=0, greater_is_better=True)
    if objective == "precision_at_recall":
        def precision_at_recall(y: np.ndarray, pred: np.ndarray) -> float:
            tp, fp, fn = counts(y, pred)
            recall = tp / max(1, tp + fn)
            return tp / max(1, tp + fp) if recall >= min_recall else recall - 1.0

        return make_scorer("precision_at_recall", precision_at_recall, optimum=1, greater_is_better=True)
    raise ConfigError(f"Unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}.")


def metrics_at_threshold(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    """Counts and rates of a binary model at one decision threshold (from the four counts: every threshold
    move on Evaluate computes this, and scikit-learn's checks cost 10x the arithmetic)."""
    actual = np.asarray(y).astype(bool)
    said = np.asarray(p) >= threshold
    tp, fp = int((said & actual).sum()), int((said & ~actual).sum())
    fn, tn = int(actual.sum()) - tp, int((~actual).sum()) - fp
    n = max(1, tp + fp + tn + fn)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    specificity = tn / (tn + fp) if tn + fp else 0.0
    rates = [r for r, present in ((recall, tp + fn), (specificity, tn + fp)) if present]
    return {"threshold": float(threshold), "tp": tp, "fp": fp, "tn": tn, "fn": fn,
            "accuracy": (tp + tn) / n, "balanced_accuracy": float(np.mean(rates)) if rates else 0.0,
            "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0}
