"""Evaluation frames of a finished run, from its saved test-split predictions (no model load needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from automl.data.markdown import code
from automl.data.numbers import readable_number as _num
from automl.data.problem import METRIC_NAMES, lower_is_better, metric_name
from automl.model.bundle import Bundle
from automl.model.names import plain_model_name
from automl.training.runs import score_text

__all__ = ["chosen_on_validation", "leaderboard", "leaderboard_table", "test_predictions", "test_rows", "metric_table",
           "confusion_matrix_frame", "precision_sentence", "predicted_vs_actual_frame", "baseline_values", "verdict",
           "majority_class", "decided_predictions", "shown", "THRESHOLD_METRICS"]

_PRETTY = METRIC_NAMES


def rows_sentence(bundle: Bundle) -> str:
    """Which rows each number on the page comes from, and which rows the model in use learned."""
    m = bundle.metrics
    measured = (f"Every score here comes from the {m.n_test:,} test rows, which the model measured "
                f"({bundle.measured_model}) never saw while it learned from {m.n_train:,} training rows.")
    if bundle.trained_on_all_rows:
        return (measured + " The model that makes the predictions was then retrained with the same configuration "
                f"on all {m.final_model_rows:,} rows, so it has seen more data than the scores reflect; they stay the "
                "honest estimate." + (f" Checked: on the test rows, which it then learned, it scores "
                                      f"{metric_name(m.eval_metric)} {score_text(m.final_value)}, against "
                                      f"{score_text(m.value)} for the measured model without seeing them."
                                      if m.final_value is not None else ""))
    return measured + (f" {m.final_note}" if m.final_note else "")


def leaderboard(bundle: Bundle) -> pd.DataFrame:
    board = pd.read_parquet(bundle.files.leaderboard)
    board["deployed"] = board["model"] == bundle.measured_model  # its retrained copy, if any, predicts
    return board


def chosen_on_validation(board: pd.DataFrame) -> str | None:
    """When models score better than the one in use on the test split, why it is still the one in use."""
    if "score_test" not in board.columns or not board["deployed"].any():
        return None
    mine = float(board.loc[board["deployed"], "score_test"].iloc[0])
    better = board[(board["score_test"] > mine + 1e-12) & ~board["deployed"]].sort_values("score_test", ascending=False)
    if better.empty:
        return None
    names = ", ".join(plain_model_name(m) for m in better["model"].head(3)) + (" …" if len(better) > 3 else "")
    return (f"{len(better)} model(s) score a little higher than the one in use on the test split ({names}). The "
            "model in use was chosen on validation rows, before the test split was looked at; choosing by the test "
            "score would make that score an optimistic estimate. You can still pick another below.")


def leaderboard_table(board: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The leaderboard as users read it: the metric itself (errors positive), times in seconds."""
    board = board.copy()
    for split in ("test", "val"):  # runs saved before the metric columns existed show AutoGluon's scores
        if f"metric_{split}" not in board.columns and f"score_{split}" in board.columns:
            board[f"metric_{split}"] = board[f"score_{split}"]
    names = {"metric_test": f"test {metric_name(metric)}", "metric_val": f"validation {metric_name(metric)}",
             "ms_per_1000_rows": "ms per 1,000 rows", "size_mb": "size (MB)", "fit_time": "fit time (s)"}
    board["kind"] = board["model"].map(plain_model_name)
    board["deployed"] = board["deployed"].map({True: "✓ in use", False: ""}) if "deployed" in board else ""
    shown = [c for c in ("model", "kind", "deployed", *names) if c in board.columns]
    return board[shown].rename(columns=names | {"deployed": "in use"})


def test_rows(bundle: Bundle) -> pd.DataFrame:
    """The held-out test rows as they were read (input columns and target), in prediction order."""
    return pd.read_parquet(bundle.files.test_rows)


def test_predictions(bundle: Bundle) -> pd.DataFrame:
    return pd.read_parquet(bundle.files.test_predictions)


# binary metrics that depend on the decision threshold (the others read the probabilities)
THRESHOLD_METRICS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "mcc")


def metric_table(bundle: Bundle, preds: pd.DataFrame | None = None) -> pd.DataFrame:
    """Test-split metrics as users read them (errors as positive numbers), the run's metric first. For a
    binary model with a saved threshold, the metrics that depend on it are computed at that threshold
    (from the test predictions) and say so in `at_threshold`; the others are training's."""
    values = dict(bundle.metrics.values or bundle.metrics.scores)
    main = bundle.metrics.eval_metric
    threshold = bundle.threshold if bundle.problem_type == "binary" else None
    at: dict[str, float] = {}
    if threshold is not None:
        preds = test_predictions(bundle) if preds is None else preds
        at = _at_threshold(bundle, preds)
        values |= {k: v for k, v in at.items() if k in values}
    rows = [{"metric": _PRETTY.get(k, k), "key": k, "value": float(v), "optimised": k == main,
             "at_threshold": threshold if k in at else None} for k, v in values.items()]
    rows.sort(key=lambda r: (not r["optimised"], r["metric"]))
    return pd.DataFrame(rows, columns=["metric", "key", "value", "optimised", "at_threshold"])


def _at_threshold(bundle: Bundle, preds: pd.DataFrame) -> dict[str, float]:
    from sklearn import metrics as skm

    positive = str(bundle.metrics.positive_class)
    actual = [str(v) for v in preds["actual"]]
    decided = [str(v) for v in _decisions(bundle, preds)]
    return {"accuracy": float(skm.accuracy_score(actual, decided)),
            "balanced_accuracy": float(skm.balanced_accuracy_score(actual, decided)),
            "f1": float(skm.f1_score(actual, decided, pos_label=positive, zero_division=0)),
            "precision": float(skm.precision_score(actual, decided, pos_label=positive, zero_division=0)),
            "recall": float(skm.recall_score(actual, decided, pos_label=positive, zero_division=0)),
            "mcc": float(skm.matthews_corrcoef(actual, decided))}


def decided_predictions(bundle: Bundle, preds: pd.DataFrame) -> pd.DataFrame:
    """The test predictions as the model in use answers now (a binary model's saved threshold applied)."""
    return preds.assign(prediction=_decisions(bundle, preds).to_numpy())


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


# -- against a baseline: what always answering the most common class (or the average) would score ----------



def baseline_values(bundle: Bundle, preds: pd.DataFrame) -> dict[str, float]:
    """The test-split metrics of the simplest guess, as users read them: always the most common class
    (classification), or always the average (regression). Keyed like `metric_table`."""
    from sklearn import metrics as skm

    y = preds["actual"]
    if bundle.problem_type == "regression":
        actual = y.to_numpy(dtype=float)
        guess = np.full_like(actual, actual.mean())
        out = {"root_mean_squared_error": float(np.sqrt(np.mean((actual - guess) ** 2))),
               "mean_absolute_error": float(np.mean(np.abs(actual - guess))),
               "mean_squared_error": float(np.mean((actual - guess) ** 2)), "r2": 0.0,
               "median_absolute_error": float(np.median(np.abs(actual - guess)))}
        # no "pearsonr": a constant guess has no correlation to compare with ("+0.951 vs guessing" said nothing)
        nonzero = actual != 0
        if nonzero.any():
            out["mean_absolute_percentage_error"] = float(np.mean(np.abs((actual - guess)[nonzero] / actual[nonzero])))
        return out
    labels = [str(v) for v in y]
    majority = pd.Series(labels).mode().iloc[0]
    guess = [majority] * len(labels)
    out = {"accuracy": skm.accuracy_score(labels, guess), "balanced_accuracy": 1 / max(1, len(set(labels))),
           "mcc": 0.0, "roc_auc": 0.5, "f1_macro": skm.f1_score(labels, guess, average="macro", zero_division=0),
           "f1_micro": skm.accuracy_score(labels, guess)}
    if bundle.problem_type == "binary":
        positive = str(bundle.metrics.positive_class)
        for key, fn in (("f1", skm.f1_score), ("precision", skm.precision_score), ("recall", skm.recall_score)):
            out[key] = fn(labels, guess, pos_label=positive, zero_division=0)
    return {k: float(v) for k, v in out.items()}


def majority_class(preds: pd.DataFrame) -> str:
    return pd.Series([str(v) for v in preds["actual"]]).mode().iloc[0]


def verdict(bundle: Bundle, preds: pd.DataFrame) -> str:
    """One plain sentence: how the model does against the simplest guess, and what it misses."""
    n = len(preds)
    if bundle.problem_type == "regression":
        actual = preds["actual"].to_numpy(dtype=float)
        error = np.abs(preds["prediction"].to_numpy(dtype=float) - actual)
        typical, guess = float(np.mean(error)), float(np.mean(np.abs(actual - actual.mean())))
        scale = float(np.mean(np.abs(actual))) or 1.0
        return (f"On {n:,} test rows the model is typically off by {_num(typical)} ({100 * typical / scale:.0f}% of "
                f"the average {bundle.label}); always guessing the average ({_num(actual.mean())}) is off by "
                f"{_num(guess)}.")
    actual = pd.Series([str(v) for v in preds["actual"]])
    predicted = pd.Series([str(v) for v in _decisions(bundle, preds)])
    majority = majority_class(preds)
    right, always = float((actual == predicted).mean()), float((actual == majority).mean())
    better = ("better than" if right > always + 0.005 else "no better than" if right >= always - 0.005
              else "worse than")
    head = (f"The model is right on {100 * right:.1f}% of {n:,} test rows, {better} always answering "
            f"{code(majority)} ({100 * always:.1f}%).")
    if bundle.problem_type == "binary":
        positive = str(bundle.metrics.positive_class)
        real = actual == positive
        found = int((real & (predicted == positive)).sum())
        said = int((predicted == positive).sum())
        threshold = bundle.threshold
        at = f" at the saved threshold {threshold:.2f}" if threshold is not None else ""
        tail = (f" It finds {found} of the {int(real.sum())} {code(positive)} rows{at}"
                + (f", and {100 * found / said:.0f}% of its {code(positive)} answers are right." if said else "."))
        return head + tail
    recall = {c: float((predicted[actual == c] == c).mean()) for c in actual.unique()}
    worst = min(recall, key=recall.get)
    return head + (f" It finds {100 * recall[worst]:.0f}% of the {code(worst)} rows, the class it misses most "
                   f"({int((actual == worst).sum())} in the test split).")


def precision_sentence(bundle: Bundle, preds: pd.DataFrame) -> str | None:
    """How precisely the test split measured the run's metric, in words (a bootstrap interval), or None."""
    from automl.evaluation.interval import metric_interval

    m = bundle.metrics
    interval = metric_interval(decided_predictions(bundle, preds), m.eval_metric, bundle.problem_type,
                               list(bundle.class_labels or []), m.positive_class)
    if interval is None:
        return None
    low, high = (shown(m.eval_metric, v) for v in interval)
    return (f"{metric_name(m.eval_metric)} was measured on {len(preds):,} test rows: resampling them gives "
            f"{low} to {high} (95% of resamples). Two models whose scores are closer than that cannot be told "
            "apart on this test split.")


def _decisions(bundle: Bundle, preds: pd.DataFrame) -> pd.Series:
    """The test predictions as the model in use answers now: with the saved threshold of a binary model."""
    threshold = bundle.threshold if bundle.problem_type == "binary" else None
    positive = str(bundle.metrics.positive_class)
    column = f"proba_{bundle.metrics.positive_class}"
    if threshold is None or column not in preds.columns:
        return preds["prediction"]
    negative = next(str(c) for c in (bundle.class_labels or []) if str(c) != positive)
    return pd.Series(np.where(preds[column].to_numpy() >= threshold, positive, negative), index=preds.index)


def shown(key: str, value: float | None) -> str:
    """A metric as a reader wants it: shares and scores to 3 decimals, errors in the target's units rounded
    to 3 significant digits with thousands separated (`2,275`, not `2275.4283`; `0.0713` as `7.1%`)."""
    if value is None or value != value:
        return "—"
    if key == "mean_absolute_percentage_error":
        return f"{100 * value:.1f}%"
    if lower_is_better(key):
        return _num(value)
    return f"{value:.3f}"
