"""A compact model to suggest (issue 33, its first part): the fastest model of the run's leaderboard whose
validation score is within a stated loss of the model in use, said in words with its test score, speed and size
beside the model in use's.

Measured on a walk: one LightGBM of the leaderboard predicted 9x faster than the deployed ensemble at equal test
accuracy, and the app did not say so. The choice is made on the validation rows, as training chose the model in
use, never on the test split (choosing by the test score would make that score optimistic); the test scores are
then shown beside each other so that the user sees what the speed costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from automl.data.numbers import readable_number
from automl.data.problem import metric_name
from automl.model.names import plain_model_name

__all__ = ["Compact", "compact_choice", "TOLERANCE", "MIN_SPEEDUP"]

TOLERANCE = 0.01   # the validation score may be this much worse, relative to the model in use's
MIN_SPEEDUP = 2.0  # below this, a faster model is not worth a word


@dataclass(frozen=True)
class Compact:
    model: str
    in_use: str
    metric: str
    lower_is_better: bool
    speedup: float          # how many times faster on the test split (ms per 1,000 rows)
    smaller: float | None   # how many times smaller on disk, with the models it needs; None when not measured
    test: float             # its test score, in the metric's own units
    in_use_test: float
    tolerance: float = TOLERANCE

    def to_dict(self) -> dict:
        return {"model": self.model, "in_use": self.in_use, "times_faster": round(self.speedup, 1),
                "times_smaller": None if self.smaller is None else round(self.smaller, 1), "test_score": self.test,
                "in_use_test_score": self.in_use_test, "metric": self.metric, "sentence": self.plain()}

    def plain(self) -> str:
        """The sentence without Markdown (a terminal)."""
        return self.sentence().replace("**", "").replace("`", "")

    def sentence(self) -> str:
        name, metric = plain_model_name(self.model), metric_name(self.metric)
        size = (f" and {self.smaller:,.0f}x smaller" if self.smaller and self.smaller >= 1.5 else "")
        diff = self.test - self.in_use_test
        worse = diff > 0 if self.lower_is_better else diff < 0
        change = ("the same" if abs(diff) < 5e-4 * max(abs(self.in_use_test), 1e-12) else
                  f"{_number(abs(diff))} {'worse' if worse else 'better'}")
        return (f"**{name}** (`{self.model}`), on its own, predicts {self.speedup:,.0f}x faster{size} than the model "
                f"in use, and was within {self.tolerance:.0%} of its validation {metric}. On the test split it "
                f"scores {metric} {_number(self.test)} against {_number(self.in_use_test)} ({change}). Where speed "
                "or size matters (an endpoint, many rows), use it.")


def _number(value: float) -> str:
    """A score to compare with another: three decimals below 10 (0.830, not 0.83), else as in words."""
    return f"{value:.3f}" if abs(value) < 10 else readable_number(value)


def compact_choice(board: pd.DataFrame, in_use: str, metric: str, lower_is_better: bool, retrained: bool = False,
                   tolerance: float | None = None, min_speedup: float | None = None) -> Compact | None:
    """The fastest model within `tolerance` (default `TOLERANCE`) of `in_use` on validation and at least
    `min_speedup` (`MIN_SPEEDUP`) times faster on the test split, or None. `board` is the run's leaderboard
    (`automl.model.scoring.leaderboard_frame`).

    None when the model in use was `retrained` on every row: its copy that predicts is not on the leaderboard
    (the test split cannot measure it) and is much faster than the bagged model it came from, whose speed the
    leaderboard holds; "6x faster than the model in use" would then be measured against the wrong model."""
    if retrained:
        return None
    tolerance = TOLERANCE if tolerance is None else tolerance
    min_speedup = MIN_SPEEDUP if min_speedup is None else min_speedup
    need = {"model", "metric_val", "metric_test", "ms_per_1000_rows"}
    if not need <= set(board.columns) or in_use not in set(board["model"]):
        return None
    ref = board[board["model"] == in_use].iloc[0]
    if pd.isna(ref["metric_val"]) or not ref["ms_per_1000_rows"] > 0:
        return None
    sign = 1.0 if lower_is_better else -1.0
    loss = sign * (board["metric_val"] - ref["metric_val"])  # > 0: worse on validation than the model in use
    allowed = tolerance * max(abs(float(ref["metric_val"])), 1e-12)
    fit = board[(board["model"] != in_use) & ~board["model"].str.endswith("_FULL") & board["metric_val"].notna()
                & (loss <= allowed) & (board["ms_per_1000_rows"] > 0)
                & (board["ms_per_1000_rows"] * min_speedup <= ref["ms_per_1000_rows"])]
    if fit.empty:
        return None
    best = fit.sort_values(["ms_per_1000_rows", "metric_val"], ascending=[True, lower_is_better]).iloc[0]
    smaller = None
    if "size_mb" in board.columns and best.get("size_mb", 0) and pd.notna(ref.get("size_mb")):
        smaller = float(ref["size_mb"]) / float(best["size_mb"])
    return Compact(str(best["model"]), in_use, metric, lower_is_better,
                   float(ref["ms_per_1000_rows"]) / float(best["ms_per_1000_rows"]), smaller,
                   float(best["metric_test"]), float(ref["metric_test"]), tolerance)
