"""Evaluation frames of a finished run, from its saved test-split predictions (no model load needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from automl.bundle import Bundle

__all__ = ["leaderboard", "leaderboard_table", "test_predictions", "test_rows", "metric_table", "confusion_matrix_frame",
           "predicted_vs_actual_frame"]

_PRETTY = {
    "accuracy": "Accuracy", "balanced_accuracy": "Balanced accuracy", "roc_auc": "ROC AUC", "f1": "F1",
    "f1_macro": "F1 (macro)", "precision": "Precision", "recall": "Recall", "log_loss": "Log loss",
    "mcc": "Matthews correlation", "root_mean_squared_error": "RMSE", "mean_absolute_error": "MAE",
    "mean_squared_error": "MSE", "r2": "R²", "median_absolute_error": "Median absolute error",
    "mean_absolute_percentage_error": "MAPE", "pearsonr": "Pearson r",
}


def leaderboard(bundle: Bundle) -> pd.DataFrame:
    board = pd.read_parquet(bundle.files.leaderboard)
    board["deployed"] = board["model"] == bundle.deployed_model
    return board


def leaderboard_table(board: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The leaderboard as users read it: the metric itself (errors positive), times in seconds."""
    board = board.copy()
    for split in ("test", "val"):  # runs saved before the metric columns existed show AutoGluon's scores
        if f"metric_{split}" not in board.columns and f"score_{split}" in board.columns:
            board[f"metric_{split}"] = board[f"score_{split}"]
    names = {"metric_test": f"test {metric}", "metric_val": f"validation {metric}",
             "ms_per_1000_rows": "ms per 1,000 rows", "size_mb": "size (MB)", "fit_time": "fit time (s)",
             "stack_level": "stack level"}
    shown = [c for c in ("model", "deployed", *names) if c in board.columns]
    return board[shown].rename(columns=names)


def test_rows(bundle: Bundle) -> pd.DataFrame:
    """The held-out test rows as they were read (input columns and target), in prediction order."""
    return pd.read_parquet(bundle.files.test_rows)


def test_predictions(bundle: Bundle) -> pd.DataFrame:
    return pd.read_parquet(bundle.files.test_predictions)


def metric_table(bundle: Bundle) -> pd.DataFrame:
    """Test-split metrics as users read them (errors as positive numbers), the run's metric first."""
    values = bundle.metrics.values or bundle.metrics.scores
    main = bundle.metrics.eval_metric
    rows = [{"metric": _PRETTY.get(k, k), "key": k, "value": float(v), "optimised": k == main}
            for k, v in values.items()]
    rows.sort(key=lambda r: (not r["optimised"], r["metric"]))
    return pd.DataFrame(rows, columns=["metric", "key", "value", "optimised"])


def confusion_matrix_frame(preds: pd.DataFrame, class_labels: list | None = None) -> pd.DataFrame:
    """Counts with actual classes as rows and predicted classes as columns."""
    labels = list(class_labels) if class_labels else sorted(set(preds["actual"]) | set(preds["prediction"]), key=str)
    matrix = pd.crosstab(pd.Categorical(preds["actual"], categories=labels),
                         pd.Categorical(preds["prediction"], categories=labels), dropna=False)
    matrix.index = [str(x) for x in labels]
    matrix.columns = [str(x) for x in labels]
    matrix.index.name, matrix.columns.name = "actual", "predicted"
    return matrix


def predicted_vs_actual_frame(preds: pd.DataFrame) -> pd.DataFrame:
    out = preds[["actual", "prediction"]].astype(float).copy()
    out["error"] = out["prediction"] - out["actual"]
    out["abs_error"] = np.abs(out["error"])
    return out
