"""A classifier's performance before the true outcomes arrive, and after.

**Estimated** (confidence-based performance estimation, CBPE, as published by NannyML): if a model's
probabilities are calibrated, a row answered "yes" with probability 0.8 is right 80% of the time, so the
expected confusion matrix of a batch is a sum of probabilities: E[TP] = sum of p over rows answered
positive, E[FP] = sum of 1 - p over them, and so on; every metric follows from it (ROC AUC from the expected
true- and false-positive rates at each cut of the sorted probabilities). The probabilities are first
calibrated on the run's test split (isotonic regression per class, as NannyML does), because a model's raw
scores are often over- or under-confident. The estimate holds while the relation between inputs and outcome
stays as in training (covariate shift only); when that relation changes, only the realised metric shows it.

**Realised**: the same metric on rows whose outcome arrived (`automl.monitoring.actuals`).

It lives beside `automl.prediction.drift` because every path that scores rows summarises them: batch files
(`automl.monitoring.record`) and the endpoint's sampled requests (`automl.serving.usage`).

NannyML itself was not taken: its 0.13 release pins plotly 5, LightGBM 4.5 and an XGBoost that breaks with
the scikit-learn in use, and pulls cloud-storage SDKs and a telemetry client into the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.isotonic import IsotonicRegression

from automl.data.problem import lower_is_better
from automl.model.bundle import Bundle

__all__ = ["Calibrator", "estimate", "realised", "estimated_performance", "calibrator", "proba_columns",
           "ESTIMABLE", "MIN_CALIBRATION_ROWS", "higher_is_better", "tracked_metrics"]

MIN_CALIBRATION_ROWS = 50  # fewer reference rows: probabilities are taken as they are
ESTIMABLE = {"binary": ("accuracy", "balanced_accuracy", "roc_auc", "f1", "precision", "recall", "log_loss"),
             "multiclass": ("accuracy", "balanced_accuracy", "f1_macro", "log_loss")}
# What a deployed model is watched by besides the metric training optimised: its decisions (at the saved
# threshold), and for numbers the error in the target's units and its bias (answers minus outcomes, on average)
_DECISIONS = {"binary": ("accuracy", "precision", "recall", "f1", "roc_auc"),
              "multiclass": ("accuracy", "balanced_accuracy", "f1_macro"),
              "regression": ("mean_absolute_error", "root_mean_squared_error", "bias")}


def tracked_metrics(problem_type: str, eval_metric: str | None) -> tuple[str, ...]:
    """The metric training optimised first, then the ones a deployed model's decisions are judged by."""
    return tuple(dict.fromkeys(([eval_metric] if eval_metric else []) + list(_DECISIONS.get(problem_type, ()))))


def higher_is_better(metric: str) -> bool:
    return not lower_is_better(metric)


@dataclass
class Calibrator:
    """Isotonic regression per class, fitted on reference rows (labels known), applied to new probabilities."""

    classes: list[str]
    models: dict[str, IsotonicRegression] | None

    @classmethod
    def fit(cls, proba: pd.DataFrame, actual: Sequence[Any]) -> "Calibrator":
        """`proba`: one column per class (named by the class as text); `actual`: the true classes."""
        classes = [str(c) for c in proba.columns]
        y = np.asarray([str(a) for a in actual])
        if len(y) < MIN_CALIBRATION_ROWS:
            return cls(classes, None)
        models = {}
        for c in classes:
            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            iso.fit(proba[c].to_numpy(dtype=float), (y == c).astype(float))
            models[c] = iso
        return cls(classes, models)

    def apply(self, proba: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities, rows x classes (in `classes` order), each row summing to 1."""
        raw = proba[self.classes].to_numpy(dtype=float) if set(self.classes) <= set(proba.columns) else \
            proba.to_numpy(dtype=float)
        if self.models is None:
            return raw
        if len(self.classes) == 2:  # calibrate the positive (second) class; the other is its complement
            p = self.models[self.classes[1]].predict(raw[:, 1])
            return np.column_stack([1 - p, p])
        out = np.column_stack([self.models[c].predict(raw[:, i]) for i, c in enumerate(self.classes)])
        sums = out.sum(axis=1, keepdims=True)
        return np.where(sums > 0, out / np.where(sums > 0, sums, 1), raw)


def estimate(metric: str, calibrated: np.ndarray, predicted: Sequence[Any], classes: Sequence[str],
             raw: np.ndarray | None = None, positive: str | None = None) -> float | None:
    """The expected value of `metric` over rows with calibrated class probabilities `calibrated` (rows x
    classes) and the model's answers `predicted`; None for a metric that cannot be estimated this way.
    `raw`: the model's own probabilities (log loss is the expected loss of those); `positive`: the binary
    positive class (default: the second)."""
    classes = [str(c) for c in classes]
    P = np.asarray(calibrated, dtype=float)
    if not len(P):
        return None
    pred = np.asarray([str(v) for v in predicted])
    answered = np.column_stack([pred == c for c in classes])  # rows x classes: the answer given
    if metric == "accuracy":
        return float((P * answered).sum(axis=1).mean())
    tp = (P * answered).sum(axis=0)             # per class: expected right answers of that class
    fp = ((1 - P) * answered).sum(axis=0)       # answered that class, expected wrong
    fn = (P * ~answered).sum(axis=0)            # that class, expected answered otherwise
    if metric == "balanced_accuracy":
        return float(np.mean(_ratio(tp, tp + fn)))
    if metric == "f1_macro":
        return float(np.mean(_ratio(2 * tp, 2 * tp + fp + fn)))
    if metric == "log_loss":
        Q = np.clip(np.asarray(raw if raw is not None else P, dtype=float), 1e-15, 1)
        return float(-(P * np.log(Q)).sum(axis=1).mean())
    if len(classes) != 2:
        return None
    k = classes.index(str(positive)) if positive is not None and str(positive) in classes else 1
    if metric == "f1":
        return float(_ratio(2 * tp[k], 2 * tp[k] + fp[k] + fn[k]))
    if metric == "precision":  # of the rows answered positive, the share expected to be positive
        return float(_ratio(tp[k], tp[k] + fp[k])) if tp[k] + fp[k] > 0 else None
    if metric == "recall":
        return float(_ratio(tp[k], tp[k] + fn[k])) if tp[k] + fn[k] > 0 else None
    if metric == "roc_auc":
        return _expected_auc(P[:, k])
    return None


def _expected_auc(p: np.ndarray) -> float | None:
    """ROC AUC from the expected true- and false-positive rates at each cut of the sorted probabilities."""
    order = np.argsort(-p, kind="stable")
    p = p[order]
    cuts = np.r_[np.nonzero(np.diff(p))[0], len(p) - 1]  # the last row of each run of equal probabilities
    tp, fp = np.cumsum(p)[cuts], np.cumsum(1 - p)[cuts]
    if tp[-1] <= 0 or fp[-1] <= 0:
        return None
    tpr, fpr = np.r_[0, tp / tp[-1]], np.r_[0, fp / fp[-1]]
    return float(np.trapezoid(tpr, fpr))


def _ratio(a: Any, b: Any) -> Any:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def realised(metric: str, actual: Sequence[Any], predicted: Sequence[Any], proba: pd.DataFrame | None = None,
             positive: str | None = None) -> float | None:
    """`metric` on rows whose true outcome is known (classes compared as text; `proba`: one column per
    class, for ROC AUC and log loss); None where it cannot be computed (e.g. ROC AUC with one class)."""
    if not len(actual):
        return None
    if metric in ("root_mean_squared_error", "mean_absolute_error", "r2", "mean_absolute_percentage_error", "bias"):
        y, yhat = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
        if metric == "bias":  # answers minus outcomes, on average: + answers too high
            return float(np.mean(yhat - y))
        if metric == "root_mean_squared_error":
            return float(np.sqrt(np.mean((y - yhat) ** 2)))
        if metric == "mean_absolute_error":
            return float(np.mean(np.abs(y - yhat)))
        if metric == "r2":
            return float(skm.r2_score(y, yhat)) if len(y) > 1 else None
        return float(skm.mean_absolute_percentage_error(y, yhat))
    y = np.asarray([str(a) for a in actual])
    yhat = np.asarray([str(p) for p in predicted])
    if metric == "accuracy":
        return float(np.mean(y == yhat))
    if metric == "balanced_accuracy":
        return float(skm.balanced_accuracy_score(y, yhat))
    if metric == "f1_macro":
        return float(skm.f1_score(y, yhat, average="macro"))
    if metric in ("f1", "precision", "recall"):
        pos = str(positive) if positive is not None else sorted(set(y) | set(yhat))[-1]
        if metric == "precision" and not (yhat == pos).any() or metric == "recall" and not (y == pos).any():
            return None  # nothing answered positive, or no positive outcome: nothing to measure
        score = {"f1": skm.f1_score, "precision": skm.precision_score, "recall": skm.recall_score}[metric]
        return float(score(y, yhat, pos_label=pos, zero_division=0))
    if proba is None:
        return None
    classes = [str(c) for c in proba.columns]
    P = proba.to_numpy(dtype=float)
    if metric == "log_loss":
        return float(skm.log_loss(y, np.clip(P, 1e-15, 1), labels=classes))
    if metric == "roc_auc" and len(classes) == 2:
        pos = str(positive) if positive is not None else classes[1]
        if len(set(y)) < 2:
            return None
        return float(skm.roc_auc_score(y == pos, P[:, classes.index(pos)]))
    return None


def proba_columns(frame: pd.DataFrame) -> dict[str, str]:
    """`proba_<class>` columns -> the class as text."""
    return {c: c[len("proba_"):] for c in frame.columns if c.startswith("proba_")}


def estimated_performance(bundle: Bundle, sample: pd.DataFrame) -> dict[str, Any] | None:
    """{"metric", "value", "rows", "metrics"}: the run's metric expected over these answers (CBPE), and every
    tracked metric that can be estimated this way (`metrics`, by name; the answers are the model's
    decisions, at its saved threshold); None when the run has no test-split answers to calibrate on."""
    metric = bundle.metrics.eval_metric
    estimable = [m for m in tracked_metrics(bundle.problem_type, metric) if m in ESTIMABLE.get(bundle.problem_type, ())]
    if not estimable or sample is None or not len(sample):
        return None
    cal = calibrator(bundle.files.test_predictions.as_posix(), _mtime(bundle))
    if cal is None:
        return None
    columns = proba_columns(sample)
    raw = sample[list(columns)].set_axis(list(columns.values()), axis=1)
    calibrated = cal.apply(raw)
    values = {m: estimate(m, calibrated, sample["prediction"], cal.classes, raw=raw[cal.classes].to_numpy(),
                          positive=_text(bundle.metrics.positive_class)) for m in estimable}
    values = {m: round(v, 6) for m, v in values.items() if v is not None}
    if not values:
        return None
    return {"metric": metric, "value": values.get(metric), "rows": len(sample), "metrics": values}


def _mtime(bundle: Bundle) -> float:
    path = bundle.files.test_predictions
    return path.stat().st_mtime if path.exists() else 0.0


@lru_cache(maxsize=16)
def calibrator(test_predictions: str, _mtime: float) -> Calibrator | None:
    """Calibration fitted on the run's test split (its answers and true classes); cached per file version."""
    try:
        test = pd.read_parquet(test_predictions)
    except (OSError, ValueError):
        return None
    columns = proba_columns(test)
    if not columns or "actual" not in test:
        return None
    return Calibrator.fit(test[list(columns)].set_axis(list(columns.values()), axis=1), test["actual"])


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
