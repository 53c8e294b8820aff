"""The decision threshold of a binary model: tuned on the test split by a metric or a cost matrix, saved
with the model (signed), and used by every prediction afterwards."""

from __future__ import annotations

from typing import Literal

import numpy as np

from automl import atomic
from automl.bundle import Bundle, sign_run
from automl.curves import metrics_at_threshold
from automl.errors import TargetError
from automl.workspace import Workspace

__all__ = ["tune_threshold", "save_threshold", "Objective"]

Objective = Literal["f1", "balanced_accuracy", "accuracy", "precision_at_recall", "cost"]


def tune_threshold(y: np.ndarray, p: np.ndarray, objective: Objective = "f1", min_recall: float = 0.8,
                   cost_fp: float = 1.0, cost_fn: float = 1.0) -> dict[str, float]:
    """The threshold that maximises the objective (or minimises the cost) on (y, p), with its metrics."""
    candidates = np.unique(np.concatenate([np.linspace(0.01, 0.99, 99), p]))
    best, best_value = None, None
    for t in candidates:
        m = metrics_at_threshold(y, p, t)
        if objective == "cost":
            value = -(cost_fp * m["fp"] + cost_fn * m["fn"])
        elif objective == "precision_at_recall":
            value = m["precision"] if m["recall"] >= min_recall else -1.0
        else:
            value = m[objective]
        if best_value is None or value > best_value:
            best, best_value = m, value
    if objective == "cost":
        best["cost"] = -float(best_value)
    return best


def save_threshold(ws: Workspace, bundle: Bundle, threshold: float, chosen_by: str) -> None:
    """Keep the threshold with the model (and re-sign it): predictions use it from now on."""
    if bundle.problem_type != "binary":
        raise TargetError("A decision threshold applies to binary models only.")
    if not 0.0 < threshold < 1.0:
        raise TargetError("The threshold must be between 0 and 1.")
    atomic.write_json(bundle.run_dir / "threshold.json", {"threshold": float(threshold), "chosen_by": chosen_by,
                                                          "positive_class": bundle.metrics.get("positive_class")})
    sign_run(ws, bundle.run_id)
