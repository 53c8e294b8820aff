"""How long explanations will take, said before they start.

Nearly all the time of `explain.shap_values.compute_shap` goes on model evaluations: each explained row costs
`explain.shapley.evaluations_per_row` model rows (every column a player, against weighted background rows,
over antithetic permutations). The run's leaderboard holds the model's own prediction speed (milliseconds
per 1,000 rows, measured on the test split at training), so the estimate is their product. A wide table
costs more per row twice over: more players, and each model row costs more (74 columns: about 5 minutes
for 200 rows, where titanic's 4 take seconds).
"""

from __future__ import annotations

import pandas as pd

from automl.model.bundle import Bundle
from explain.shapley import evaluations_per_row

__all__ = ["estimated_seconds", "in_words"]

_OVERHEAD_S = 5.0  # the job's start, loading the model, choosing the background


def estimated_seconds(bundle: Bundle, rows: int, permutations: int = 8, background_rows: int = 40,
                      background_groups: int = 4) -> float | None:
    """Seconds to explain `rows` rows of the run's model; None when its speed was not recorded."""
    try:
        board = pd.read_parquet(bundle.files.leaderboard, columns=["model", "ms_per_1000_rows"])
    except (OSError, ValueError, KeyError):
        return None
    speed = board.loc[board["model"].isin([bundle.deployed_model, bundle.measured_model]), "ms_per_1000_rows"]
    if speed.empty or not speed.notna().any():
        return None
    players = max(1, len(bundle.schema.features) - sum(len(g.columns) - 1 for g in bundle.schema.groups))
    per_row = evaluations_per_row(players, background_rows, permutations, background_groups)
    return _OVERHEAD_S + rows * per_row * float(speed.dropna().iloc[0]) / 1e6


def in_words(seconds: float) -> str:
    """`about 40 s`, `about 5 minutes`, `about 2 hours`."""
    if seconds < 90:
        return f"about {max(5, round(seconds / 5) * 5):.0f} s"
    if seconds < 5400:
        return f"about {round(seconds / 60):.0f} minutes"
    return f"about {seconds / 3600:.1f} hours"
