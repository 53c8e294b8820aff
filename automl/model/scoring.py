"""The one scoring function: a model's predictions on labelled rows and its metrics, as AutoGluon computes
them (scores, higher is better) and as users read them (errors as positive numbers).

Used by training (the test split), the choice of another leaderboard model, shrink and refit (the test
split again) and `evaluate --data` (any labelled file), so all of them report the same numbers the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

__all__ = ["Scored", "score", "RunMetrics", "leaderboard_frame"]


@dataclass(frozen=True)
class Scored:
    predictions: pd.DataFrame      # actual, prediction, proba_<class> (classification)
    scores: dict[str, float]       # AutoGluon's scores: higher is better
    values: dict[str, float]       # the same metrics as users read them

    def test_score(self, metric: str) -> float | None:
        return self.scores.get(metric)


def score(predictor: Any, X: pd.DataFrame, y: pd.Series, problem_type: str, model: str | None = None) -> Scored:
    """Score `model` (None: AutoGluon's best) on rows `X` (the model's input, recipe applied) against `y`."""
    from autogluon.core.metrics import get_metric

    pred = predictor.predict(X, model=model)
    out = pd.DataFrame({"actual": pd.Series(y).to_numpy(), "prediction": pred.to_numpy()})
    classification = problem_type in ("binary", "multiclass")
    if classification:
        proba = predictor.predict_proba(X, model=model)
        for c in proba.columns:
            out[f"proba_{c}"] = proba[c].to_numpy()
        y_pred = proba
    else:
        y_pred = pred
    raw = predictor.evaluate_predictions(y_true=y, y_pred=y_pred, auxiliary_metrics=True, silent=True)
    scores = {k: float(v) for k, v in raw.items() if isinstance(v, (int, float))}
    values = {}
    for k, v in scores.items():
        try:  # AutoGluon reports errors as negative scores (higher is better); users read the error itself
            values[k] = float(get_metric(k, problem_type).convert_score_to_original(v))
        except Exception:  # noqa: BLE001 - an auxiliary metric AutoGluon cannot name keeps its score
            values[k] = v
    if not classification:
        with_mape(scores, values, y, pred)
    return Scored(out, scores, values)


@dataclass(frozen=True)
class RunMetrics:
    """A run's `metrics.json`, typed: how its model in use scored on the held-out test split, and facts of
    the training (sizes, time, GPUs, versions). `best_model` is AutoGluon's best when training ended; the
    model predictions use is `Bundle.deployed_model`."""

    problem_type: str
    eval_metric: str
    test_score: float | None
    scores: dict[str, float] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    lower_is_better: bool = False
    best_model: str | None = None
    deployed_model: str | None = None
    class_labels: tuple[Any, ...] | None = None
    positive_class: Any = None
    n_train: int | None = None
    n_test: int | None = None
    fit_seconds: float | None = None
    num_gpus: int = 0
    gpus: tuple[str, ...] = ()
    models_on_gpu: tuple[str, ...] = ()
    stopped_early: bool = False
    versions: dict[str, str] = field(default_factory=dict)
    plan: str = ""                          # what training chose to fit in the budget, in one line
    final_model: str | None = None          # `best_model` retrained on every row (training + test split)
    final_model_rows: int | None = None     # the rows the model predictions use was trained on
    final_note: str = ""                    # why the model was not retrained on every row, when it was not
    final_value: float | None = None        # the retrained model's metric on the test rows it then learned
    wall_seconds: float | None = None       # the job's start to a usable model
    executor: str = "local"                 # "local", or "ray": a Ray cluster the job joined
    ray_nodes: int | None = None            # the cluster's alive nodes when fitting started
    fold_nodes: tuple[str, ...] | None = None  # ids of the nodes bagged folds ran on (None: not known)

    @property
    def value(self) -> float | None:
        """The run's own metric as users read it (an error as a positive number)."""
        return self.values.get(self.eval_metric, self.scores.get(self.eval_metric))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("class_labels", "gpus", "models_on_gpu", "fold_nodes"):
            d[key] = list(d[key]) if d[key] is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RunMetrics":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        for key in ("class_labels", "gpus", "models_on_gpu", "fold_nodes"):
            if known.get(key) is not None:
                known[key] = tuple(known[key])
        return cls(**known)

    def rescored(self, scored: Scored, model: str) -> "RunMetrics":
        """The same run with `model` in use, scored again on the test split."""
        return replace(self, scores=scored.scores, values=scored.values, deployed_model=model,
                       test_score=scored.scores.get(self.eval_metric))


def with_mape(scores: dict[str, float], values: dict[str, float], y: Any, pred: Any) -> None:
    """Add the mean absolute percentage error (over rows whose actual value is not 0) to a regression's
    scores (negated, AutoGluon's higher-is-better way) and values."""
    actual, predicted = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    keep = actual != 0
    if keep.any():
        mape = float(skm.mean_absolute_percentage_error(actual[keep], predicted[keep]))
        scores["mean_absolute_percentage_error"] = -mape
        values["mean_absolute_percentage_error"] = mape


def leaderboard_frame(predictor, test: pd.DataFrame) -> pd.DataFrame:
    """Every model's validation and test scores (also as users read them), latency, size and GPU use.

    Sizes (on disk, with the base models an ensemble needs) and GPU use come from AutoGluon's model graph,
    not `extra_info=True`, which loads every model (every fold of a bag): 10 s of a 60 s budget on a
    1,000-row table with 5-fold bagging."""
    board = predictor.leaderboard(test, silent=True)
    graph = predictor._trainer.model_graph  # noqa: SLF001 - the attributes AutoGluon keeps per model
    root = Path(predictor._trainer.path)  # noqa: SLF001
    sizes = {m: _disk_bytes(root.joinpath(*graph.nodes[m]["path"])) for m in graph.nodes}
    board["size_mb"] = board["model"].map(
        lambda m: sum(sizes.get(a, 0) for a in predictor._trainer.get_minimum_model_set(m)) / 2**20)  # noqa: SLF001
    board["ms_per_1000_rows"] = 1000 * board["pred_time_test"] / max(1, len(test)) * 1000
    metric = predictor.eval_metric
    for split in ("val", "test"):
        board[f"metric_{split}"] = board[f"score_{split}"].map(
            lambda v: metric.convert_score_to_original(v) if pd.notna(v) else v)
    board["used_gpu"] = board["model"].map(
        lambda m: float(graph.nodes[m].get("fit_num_gpus") or graph.nodes[m].get("num_gpus") or 0) > 0)
    keep = [c for c in ("model", "metric_test", "metric_val", "score_test", "score_val", "pred_time_test",
                        "ms_per_1000_rows", "size_mb", "fit_time", "stack_level", "used_gpu") if c in board.columns]
    return board[keep].reset_index(drop=True)


def _disk_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0
