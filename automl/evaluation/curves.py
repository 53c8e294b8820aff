"""Evaluation frames computed from saved test-split predictions: curves, per-class and per-slice tables.

Pure pandas / scikit-learn; charts are drawn from these frames by `automl.evaluation.charts`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from automl.data.markdown import code

__all__ = ["binary_arrays", "roc_frame", "pr_frame", "calibration_frame", "gain_frame", "ks_statistic",
           "per_class_table", "residual_frame", "error_by_decile", "slice_table",
           "too_good_to_be_true", "ovr_roc", "dominant_feature"]


def binary_arrays(preds: pd.DataFrame, positive: Any) -> tuple[np.ndarray, np.ndarray]:
    """y (1 = positive class) and the positive-class probability."""
    y = (preds["actual"].astype(str) == str(positive)).to_numpy(dtype=int)
    return y, preds[f"proba_{positive}"].to_numpy(dtype=float)


def roc_frame(y: np.ndarray, p: np.ndarray) -> tuple[pd.DataFrame, float]:
    fpr, tpr, thr = skm.roc_curve(y, p)
    return pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": thr}), float(skm.roc_auc_score(y, p))


def pr_frame(y: np.ndarray, p: np.ndarray) -> tuple[pd.DataFrame, float]:
    precision, recall, thr = skm.precision_recall_curve(y, p)
    frame = pd.DataFrame({"recall": recall, "precision": precision, "threshold": np.append(thr, np.nan)})
    return frame, float(skm.average_precision_score(y, p))


def calibration_frame(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pd.DataFrame:
    from sklearn.calibration import calibration_curve

    observed, predicted = calibration_curve(y, p, n_bins=bins, strategy="quantile")
    return pd.DataFrame({"predicted": predicted, "observed": observed})


def gain_frame(y: np.ndarray, p: np.ndarray) -> pd.DataFrame:
    """Cumulative gain and lift: the share of positives found in the top x% of rows ranked by probability."""
    order = np.argsort(-p, kind="stable")
    found = np.cumsum(y[order]) / max(1, y.sum())
    share = np.arange(1, len(y) + 1) / len(y)
    return pd.DataFrame({"share_of_rows": share, "gain": found, "lift": found / share})


def ks_statistic(y: np.ndarray, p: np.ndarray) -> float:
    """Kolmogorov–Smirnov: the largest gap between the score distributions of positives and negatives."""
    fpr, tpr, _ = skm.roc_curve(y, p)
    return float(np.max(tpr - fpr))


def per_class_table(preds: pd.DataFrame, labels: list) -> pd.DataFrame:
    """Precision, recall, F1 and support of each class."""
    actual, predicted = preds["actual"].astype(str), preds["prediction"].astype(str)
    names = [str(c) for c in labels]
    p, r, f, s = skm.precision_recall_fscore_support(actual, predicted, labels=names, zero_division=0)
    return pd.DataFrame({"class": names, "precision": p, "recall": r, "f1": f, "support": s})


def residual_frame(preds: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"actual": preds["actual"].astype(float), "predicted": preds["prediction"].astype(float)})
    out["residual"] = out["actual"] - out["predicted"]
    return out


def error_by_decile(residuals: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute error in each tenth of the rows ranked by prediction."""
    decile = pd.qcut(residuals["predicted"].rank(method="first"), 10, labels=False) + 1
    grouped = residuals.assign(decile=decile, abs_error=residuals["residual"].abs()).groupby("decile")
    return grouped.agg(rows=("abs_error", "size"), mean_prediction=("predicted", "mean"),
                       mae=("abs_error", "mean")).reset_index()


def _number(value: float) -> str:
    """A bin edge as people write it: 30, not 30.0; 17.999 as 18; 1,250.5 with its separator."""
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-2 else f"{value:,.4g}"


def slice_table(test_rows: pd.DataFrame, preds: pd.DataFrame, column: str, problem_type: str,
                max_groups: int = 20) -> pd.DataFrame:
    """The test-split metric for each group of `column` (numbers cut into quartiles), with group sizes."""
    values = test_rows[column].reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(values) and values.nunique() > max_groups:
        codes, edges = pd.qcut(values, 4, labels=False, duplicates="drop", retbins=True)
        names = [f"{_number(lo)} to {_number(hi)}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]  # "18 to 30"
        groups = codes.map(lambda c: names[int(c)] if c == c else "(missing)")
    else:
        groups = values.astype(str).where(values.notna(), "(missing)")
    top = groups.value_counts().index[:max_groups]
    groups = groups.where(groups.isin(top), "(other)")
    frame = preds.reset_index(drop=True).assign(group=groups.to_numpy())
    rows = []
    for group, part in frame.groupby("group", sort=False):
        row: dict[str, Any] = {"group": group, "rows": len(part), "share": len(part) / len(frame)}
        if problem_type == "regression":
            err = part["actual"].astype(float) - part["prediction"].astype(float)
            row.update(mae=float(err.abs().mean()), rmse=float(np.sqrt((err ** 2).mean())))
        else:
            hit = part["actual"].astype(str) == part["prediction"].astype(str)
            row.update(accuracy=float(hit.mean()))
        rows.append(row)
    return pd.DataFrame(rows).sort_values("rows", ascending=False).reset_index(drop=True)


def ovr_roc(preds: pd.DataFrame, labels: list) -> tuple[pd.DataFrame, dict[str, float]]:
    """One-vs-rest ROC curve of each class (long frame) and its area."""
    frames, areas = [], {}
    for c in labels:
        y = (preds["actual"].astype(str) == str(c)).to_numpy(dtype=int)
        if y.min() == y.max():
            continue
        p = preds[f"proba_{c}"].to_numpy(dtype=float)
        fpr, tpr, _ = skm.roc_curve(y, p)
        frames.append(pd.DataFrame({"class": str(c), "fpr": fpr, "tpr": tpr}))
        areas[str(c)] = float(skm.roc_auc_score(y, p))
    return pd.concat(frames, ignore_index=True), areas


def dominant_feature(importance: pd.DataFrame, share: float = 0.8) -> str | None:
    """A warning when one column carries most of the permutation importance: often a leak."""
    positive = importance[importance["importance"] > 0]
    if positive.empty:
        return None
    top = positive.sort_values("importance", ascending=False).iloc[0]
    if top["importance"] >= share * positive["importance"].sum() and len(importance) > 1:
        carried = 100 * top["importance"] / positive["importance"].sum()
        return (f"{code(top['feature'])} alone carries {carried:.0f}% of the importance. If it is only known after "
                "the outcome, it is a leak: check the Data page's alerts.")
    return None


def too_good_to_be_true(values: dict[str, float], problem_type: str) -> str | None:
    """A warning when the test score is near perfect: usually a leak, not a great model."""
    checks = {"roc_auc": 0.995, "accuracy": 0.995, "balanced_accuracy": 0.995, "r2": 0.995}
    for metric, limit in checks.items():
        if metric in values and values[metric] >= limit:
            return (f"The test {metric} is {values[metric]:.4f}: near perfect. That is rare on real data and "
                    "often means a column gives the answer away (a leak). Check the leakage alerts on the Data "
                    "page before trusting this model.")
    return None
