"""How long explanations will take, said before they start.

Nearly all the time of `explain.shap_values.compute_shap` goes on model evaluations: each explained row costs
`explain.shapley.evaluations_per_row` model rows (every column that matters a player, against weighted
background rows, over antithetic permutations), evaluated in large calls. So the estimate times the model
the way the sampler calls it (`measure`: a few thousand mixed rows through the same function, after the
same preparation), and multiplies. The leaderboard's prediction time would not do: it is measured on the
test split in one small call, where the fixed cost of a call dominates (on a 41-column table it promised
188 s for 200 rows that took 12).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from automl.model.bundle import Bundle
from explain.shapley import evaluations_per_row

__all__ = ["Cost", "measure", "estimated_seconds", "in_words"]

_PROBE_ROWS = 4_000
_OVERHEAD_S = 3.0  # the job's start, loading the model, choosing the background
# measured once (41 columns, 200 rows): 15 s estimated for 11 s of sampling; 3 columns: 5 s for about 2


@dataclass(frozen=True)
class Cost:
    players: int              # input columns the model depends on (each one a player)
    seconds_per_row: float    # one model row, as the sampler evaluates them


def measure(predictor: Any, bundle: Bundle) -> Cost:
    """Time the model as `compute_shap` calls it (a few seconds: the preparation, then 4,000 mixed rows)."""
    from explain.shap_values import BACKGROUND_ROWS, plan

    background = pd.read_parquet(bundle.files.train_sample)
    prepared = plan(predictor, bundle, background.head(2), background, BACKGROUND_ROWS)
    pool = prepared.space.background[prepared.picked]
    probe = np.resize(pool, (_PROBE_ROWS, pool.shape[1]))
    prepared.space.f(probe[:200])  # warm (the first call loads what it needs)
    start = time.perf_counter()
    prepared.space.f(probe)
    return Cost(max(1, len(prepared.groups)), (time.perf_counter() - start) / _PROBE_ROWS)


def estimated_seconds(cost: Cost, rows: int, permutations: int = 8, background_rows: int = 40,
                      background_groups: int = 4) -> float:
    """Seconds to explain `rows` rows at `cost`."""
    per_row = evaluations_per_row(cost.players, background_rows, permutations, background_groups)
    return _OVERHEAD_S + rows * per_row * cost.seconds_per_row


def in_words(seconds: float) -> str:
    """`about 40 s`, `about 5 minutes`, `about 2.5 hours`."""
    if seconds < 90:
        return f"about {max(5, round(seconds / 5) * 5):.0f} s"
    if seconds < 5400:
        return f"about {round(seconds / 60):.0f} minutes"
    return f"about {seconds / 3600:.1f} hours"
