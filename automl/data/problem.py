"""Target validation, problem-type inference (with the reason), the metric and preset catalogues."""

from __future__ import annotations

from functools import lru_cache

from dataclasses import dataclass
from typing import Literal, get_args

import pandas as pd

from automl.data.markdown import code
from automl.errors import ConfigError, TargetError

__all__ = [
    "ProblemType", "ProblemInference", "PROBLEM_TYPES", "lower_is_better", "METRICS", "DEFAULT_METRIC", "PRESETS",
    "infer_problem_type", "validate_target", "resolve_preset", "preset_label", "metric_name", "METRIC_NAMES",
    "MIN_ROWS",
]

ProblemType = Literal["binary", "multiclass", "regression"]
PROBLEM_TYPES: tuple[str, ...] = get_args(ProblemType)
MIN_ROWS = 20
_MAX_CLASSES_FOR_INTEGER_TARGET = 10

# AutoGluon metric names, each with one line a non-expert can read.
METRICS: dict[str, dict[str, str]] = {
    "binary": {
        "accuracy": "Share of rows predicted right.",
        "balanced_accuracy": "Accuracy averaged over both classes; fair when one class is rare.",
        "roc_auc": "How well the model ranks positives above negatives (0.5 = chance, 1 = perfect).",
        "f1": "Balance of precision and recall for the positive class.",
        "log_loss": "Penalises confident wrong probabilities; lower loss is better.",
    },
    "multiclass": {
        "accuracy": "Share of rows predicted right.",
        "balanced_accuracy": "Accuracy averaged over classes; fair when some classes are rare.",
        "f1_macro": "F1 averaged over classes, each class counting the same.",
        "log_loss": "Penalises confident wrong probabilities; lower loss is better.",
    },
    "regression": {
        "root_mean_squared_error": "Typical size of an error, in the target's units; big errors weigh more.",
        "mean_absolute_error": "Average size of an error, in the target's units.",
        "r2": "Share of the target's variation the model explains (1 = perfect).",
        "mean_absolute_percentage_error": "Average error as a percentage of the true value.",
    },
}
# Binary models rank by ROC AUC, which a rare class cannot flatter (always answering "No" scores 0.5, not
# 0.84), and their decision threshold is tuned afterwards on validation rows (`automl.training.fit`).
DEFAULT_METRIC = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "root_mean_squared_error"}

# Plain-word presets -> AutoGluon presets, with what each costs.
PRESETS: dict[str, dict[str, str]] = {
    "auto": {"ag": "auto", "label": "Auto",
             "help": "Chooses bagging, stacking and models from the table's size and your budget, and keeps the "
                     "budget (retraining on every row included)."},
    "fast": {"ag": "medium_quality", "label": "Fast",
             "help": "Single models, no bagging: minutes on most tables; small on disk."},
    "good": {"ag": "good_quality", "label": "Good",
             "help": "Bagged and stacked models: several times slower, clearly more accurate."},
    "high": {"ag": "high_quality", "label": "High",
             "help": "Larger model portfolio: needs a budget of 10 minutes or more."},
    "best": {"ag": "best_quality", "label": "Best",
             "help": "Most accurate: needs an hour or more and much more disk."},
}


# Metric keys as users read them
METRIC_NAMES = {
    "accuracy": "Accuracy", "balanced_accuracy": "Balanced accuracy", "roc_auc": "ROC AUC", "f1": "F1",
    "f1_macro": "F1 (macro)", "precision": "Precision", "recall": "Recall", "log_loss": "Log loss",
    "mcc": "Matthews correlation", "root_mean_squared_error": "RMSE", "mean_absolute_error": "MAE",
    "mean_squared_error": "MSE", "r2": "R²", "median_absolute_error": "Median absolute error",
    "mean_absolute_percentage_error": "MAPE", "pearsonr": "Pearson r", "bias": "Bias (answers minus outcomes)",
}


def metric_name(key: str | None) -> str:
    """A metric's name as users read it (`RMSE`, not `root_mean_squared_error`)."""
    return METRIC_NAMES.get(key, key.replace("_", " ")) if key else "score"


def preset_label(ag_name: str | None) -> str:
    """The app's name of an AutoGluon preset ("medium_quality" is "Fast"); other presets as they are."""
    if not ag_name:
        return "—"
    return next((p["label"] for p in PRESETS.values() if p["ag"] == ag_name), ag_name)


@dataclass(frozen=True)
class ProblemInference:
    problem_type: ProblemType
    reason: str


def resolve_preset(name: str) -> str:
    """Accept a plain-word preset ('fast') or an AutoGluon one ('medium_quality'); return AutoGluon's."""
    key = name.strip().lower()
    if key in PRESETS:
        return PRESETS[key]["ag"]
    known = {p["ag"] for p in PRESETS.values()}
    if key in known:
        return key
    raise ConfigError(f"Unknown preset {name!r}; choose one of {', '.join(list(PRESETS) + sorted(known))}.")


def validate_target(df: pd.DataFrame, label: str) -> pd.Series:
    """Return the target's non-missing values, or raise a `TargetError` that says how to fix the choice."""
    if label not in df.columns:
        raise TargetError(f"Column {code(label)} is not in the table; pick one of: "
                          f"{', '.join(map(code, df.columns[:20]))}.")
    y = df[label].dropna()
    if y.empty:
        raise TargetError(f"Target {code(label)} is missing in every row; choose a column that holds the answer to "
                          "predict.")
    if len(y) < MIN_ROWS:
        raise TargetError(f"Only {len(y)} rows have a value for {code(label)}; at least {MIN_ROWS} are needed to "
                          "train and test.")
    if y.nunique() < 2:
        raise TargetError(f"Target {code(label)} has a single value ({code(_plain(y.iloc[0]))}); there is nothing "
                          "to learn. Choose a column whose values differ between rows.")
    if df.shape[1] < 2:
        raise TargetError("The table has no columns besides the target to learn from.")
    return y


def infer_problem_type(y: pd.Series) -> ProblemInference:
    """Infer the problem type as a person would, and say why.

    An integer target with many distinct values (a count, a delay in minutes) is a quantity: regression,
    where AutoGluon's own rule may call it multiclass.
    """
    y = y.dropna()
    n_unique = int(y.nunique())
    if n_unique == 2:
        values = " and ".join(f"{code(_plain(v))}" for v in sorted(y.unique(), key=str))
        return ProblemInference("binary", f"The target has exactly two values: {values}.")
    if pd.api.types.is_bool_dtype(y):
        return ProblemInference("binary", "The target is true/false.")
    if not pd.api.types.is_numeric_dtype(y):
        return ProblemInference("multiclass", f"The target is text with {n_unique:,} distinct values (categories).")
    integer_valued = bool((y.astype(float) % 1 == 0).all())
    if not integer_valued:
        return ProblemInference("regression", "The target holds numbers with fractions: a quantity to estimate.")
    if n_unique <= _MAX_CLASSES_FOR_INTEGER_TARGET and n_unique <= max(3, len(y) // 20):
        return ProblemInference(
            "multiclass", f"The target holds whole numbers with only {n_unique} distinct values: treated as classes.")
    return ProblemInference(
        "regression",
        f"The target holds whole numbers with {n_unique:,} distinct values: a quantity (count or amount).")


def _plain(value) -> str:
    """A value as a user wrote it: `0`, not `np.int64(0)`; `1.5`, not `np.float64(1.5)`."""
    value = value.item() if hasattr(value, "item") else value
    return f"{value:g}" if isinstance(value, float) else str(value)


FORECAST_ERRORS = ("MASE", "WQL", "MAE", "RMSE", "MAPE", "SQL")  # a forecast's metrics: every one an error


@lru_cache(maxsize=None)
def lower_is_better(metric: str) -> bool:
    """Whether a smaller value of `metric` (as users read it) is better: an error. From AutoGluon's own metric
    objects, so every list of them agrees; False for a name AutoGluon does not know (monitoring's `bias`)."""
    from autogluon.core.metrics import get_metric

    if metric in FORECAST_ERRORS:
        return True
    for problem_type in PROBLEM_TYPES:
        try:
            return not get_metric(metric, problem_type).greater_is_better_internal
        except (ValueError, KeyError, TypeError):
            continue
    return False
