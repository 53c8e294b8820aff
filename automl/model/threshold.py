"""The decision threshold of a binary model: suggested from validation data (never the test split whose
metrics the page reports), chosen by a metric or a cost of errors, saved with the model (signed), and used
by every prediction afterwards.

The suggestion is AutoGluon's own `calibrate_decision_threshold` search, run on the validation (or
out-of-fold) probabilities of the model in use, which the training job keeps beside the model.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from automl.store import atomic
from automl.model.bundle import Bundle, sign_run
from automl.errors import ConfigError
from automl.model.run_files import THRESHOLD, RunFiles
from automl.store.workspace import Workspace

__all__ = ["suggest_threshold", "save_threshold", "save_validation_predictions", "validation_predictions",
           "validation_frame", "write_validation_predictions",
           "Objective", "OBJECTIVES"]

Objective = Literal["f1", "balanced_accuracy", "accuracy", "precision_at_recall", "cost"]
OBJECTIVES: tuple[str, ...] = ("f1", "balanced_accuracy", "accuracy", "precision_at_recall", "cost")


def validation_predictions(bundle: Bundle) -> pd.DataFrame | None:
    """The model in use's probabilities on data it was not fitted on (validation or out-of-fold): columns
    `actual` (1 = the positive class), `proba`, `source`, `model`; None when the run has none."""
    path = bundle.files.validation_predictions
    if not path.exists():
        return None
    frame = pd.read_parquet(path)
    return frame if len(frame) and frame["model"].iloc[0] == _parent(bundle.deployed_model) else None


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
        return int(((pred == 1) & (y == 1)).sum()), int(((pred == 1) & (y == 0)).sum()), int(((pred == 0) & (y == 1)).sum())

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


def save_threshold(ws: Workspace, bundle: Bundle, threshold: float, chosen_by: str) -> None:
    """Keep the threshold with the model (and re-sign it): predictions use it from now on."""
    if bundle.problem_type != "binary":
        raise ConfigError("A decision threshold applies to binary models only.")
    if not 0.0 < threshold < 1.0:
        raise ConfigError("The threshold must be between 0 and 1.")
    atomic.write_json(bundle.files.threshold, {"threshold": float(threshold), "chosen_by": chosen_by,
                                               "positive_class": bundle.metrics.positive_class})
    sign_run(ws, bundle.run_id, changed=(THRESHOLD,))


def save_validation_predictions(files: RunFiles, predictor: Any, model: str) -> None:
    """Keep `model`'s probabilities on AutoGluon's own validation data (or its out-of-fold predictions when
    bagged) for threshold suggestions; a refitted model uses its parent's, as AutoGluon does. Removes a
    stale file when the predictor no longer holds that data (a deployment clone)."""
    write_validation_predictions(files, validation_frame(predictor, model), model)


def write_validation_predictions(files: RunFiles, frame: pd.DataFrame | None, model: str) -> None:
    if frame is not None:
        atomic.write_parquet(files.validation_predictions, frame)
    elif files.validation_predictions.exists():
        stale = pd.read_parquet(files.validation_predictions)
        if not len(stale) or stale["model"].iloc[0] != _parent(model):
            files.validation_predictions.unlink()


def validation_frame(predictor: Any, model: str) -> pd.DataFrame | None:
    """`model`'s probabilities on the data AutoGluon validated it on (None when the predictor lacks it)."""
    parent = _parent(model)
    try:
        trainer = predictor._learner.load_trainer()  # AutoGluon keeps the data its calibration uses here
        if trainer.has_val:
            y = trainer.load_y_val()
            proba = trainer.predict_proba(X=trainer.load_X_val(), model=parent)
            source = "validation"
        else:
            y = trainer.load_y()
            proba = trainer.get_model_oof(model=parent)
            source = "out-of-fold"
    except Exception:  # noqa: BLE001 - a clone without its training data: no honest data to tune on
        return None
    proba = np.asarray(proba)
    proba = proba[:, 1] if proba.ndim == 2 else proba
    return pd.DataFrame({"actual": np.asarray(y).astype(int), "proba": proba.astype(float), "source": source,
                         "model": parent})


def _parent(model: str | None) -> str | None:
    """The model whose validation data a refitted model (`X_FULL`) is tuned on."""
    return model[: -len("_FULL")] if model and model.endswith("_FULL") else model


def metrics_at_threshold(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    """Counts and rates of a binary model at one decision threshold."""
    pred = (p >= threshold).astype(int)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    return {"threshold": float(threshold), "tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn),
            "accuracy": float(skm.accuracy_score(y, pred)),
            "balanced_accuracy": float(skm.balanced_accuracy_score(y, pred)),
            "precision": float(skm.precision_score(y, pred, zero_division=0)),
            "recall": float(skm.recall_score(y, pred, zero_division=0)),
            "f1": float(skm.f1_score(y, pred, zero_division=0))}
