"""The decision threshold of a binary model, saved with the model (signed) and used by every prediction
afterwards; and the validation (or out-of-fold) probabilities of the model in use, kept beside it so a
threshold can be suggested from rows the model was not fitted on (`automl.evaluation.thresholds`), never
from the test split whose metrics the pages report.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from automl.errors import ConfigError
from automl.model.bundle import Bundle, ThresholdSource, sign_run
from automl.model.run_files import THRESHOLD, RunFiles
from automl.store import atomic
from automl.store.workspace import Workspace

log = logging.getLogger(__name__)

__all__ = ["save_threshold", "save_validation_predictions", "validation_predictions", "validation_frame",
           "write_validation_predictions"]


def validation_predictions(bundle: Bundle) -> pd.DataFrame | None:
    """The model in use's probabilities on data it was not fitted on (validation or out-of-fold): columns
    `actual` (1 = the positive class), `proba`, `source`, `model`; None when the run has none."""
    path = bundle.files.validation_predictions
    if not path.exists():
        return None
    frame = pd.read_parquet(path)
    return frame if len(frame) and frame["model"].iloc[0] == _parent(bundle.deployed_model) else None


def save_threshold(ws: Workspace, bundle: Bundle, threshold: float, chosen_by: str) -> None:
    """Keep the threshold with the model (and re-sign it): predictions use it from now on."""
    if bundle.problem_type != "binary":
        raise ConfigError("A decision threshold applies to binary models only.")
    if not 0.0 < threshold < 1.0:
        raise ConfigError("The threshold must be between 0 and 1.")
    digest = atomic.write_json(bundle.files.threshold, {"threshold": float(threshold), "chosen_by": chosen_by,
                                                        "source": ThresholdSource.EVALUATE.value,
                                                        "positive_class": bundle.metrics.positive_class})
    sign_run(ws, bundle.run_id, changed=(THRESHOLD,), written={THRESHOLD: digest})


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
        trainer = predictor._learner.load_trainer()  # noqa: SLF001 - AutoGluon keeps the data its calibration uses here
        if trainer.has_val:
            y = trainer.load_y_val()
            proba = trainer.predict_proba(X=trainer.load_X_val(), model=parent)
            source = "validation"
        else:
            y = trainer.load_y()
            proba = trainer.get_model_oof(model=parent)
            source = "out-of-fold"
    except Exception as exc:  # noqa: BLE001 - a clone without its training data: no honest data to tune on
        log.warning("no validation predictions for %s (no threshold can be suggested): %s", model, exc)
        return None
    proba = np.asarray(proba)
    proba = proba[:, 1] if proba.ndim == 2 else proba
    return pd.DataFrame({"actual": np.asarray(y).astype(int), "proba": proba.astype(float), "source": source,
                         "model": parent})


def _parent(model: str | None) -> str | None:
    """The model whose validation data a refitted model (`X_FULL`) is tuned on."""
    return model[: -len("_FULL")] if model and model.endswith("_FULL") else model
