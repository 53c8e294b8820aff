"""The plan of a training run: what AutoGluon fits in the user's budget, and the budget kept.

The budget is the user's whole wall-clock, from the job's start to a usable model: reading and splitting
the rows, fitting, scoring the test split, and retraining the chosen model on every row. The plan cuts it
into those stages. For the `auto` preset it also chooses what to fit from the table's size, the problem,
the machine and the budget: bagging (k-fold, out-of-fold validation) where the folds fit the budget, as
they win on small tables; stacking only where a second layer has time to train; the default model
portfolio in AutoGluon's own order. The named presets keep AutoGluon's definitions, with AutoGluon's own
refit replaced by ours (which also gives back the test split) so the budget holds for them too.

Pure: no AutoGluon import, so the pre-flight card shows the same plan the job will follow.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Plan", "make_plan", "refit_estimate", "STARTUP_S", "SAVE_S", "finish_seconds", "AUTO_PORTFOLIO",
           "PARALLEL_FOLDS_MIN_CORES"]

AUTO_PORTFOLIO = "default"  # AutoGluon's default model portfolio (no model in it downloads weights)

STARTUP_S = 4.0            # a job's process start and imports, before its clock can be read (estimate)
_BAG_CELLS_PER_CORE_S = 2_000  # rows x columns a core bags (the default portfolio) per second of budget
_STACK_MIN_BUDGET_S = 300  # a second (stacker) layer needs this much budget to train after the first
_MAX_BAG_ROWS = 100_000
_REFIT_SHARE = {"bagged": 0.12, "holdout": 0.25}  # of the budget, kept to retrain on every row
# Above this, a model fitted on a validation split gains less from a fifth more rows than from the time a
# retrain would take from fitting (diamonds, 34,521 rows, 60 s: RMSE 525 with 15 s kept, the retrain never
# fitting in them): the budget goes to fitting, and the model is retrained only if time is left.
_HOLDOUT_RESERVE_MAX_ROWS = 10_000

# Below this many cores, bagged folds are fitted one after another, each with every core: on 2 cores Ray's
# parallel folds took 3.2x as long (its runtime and a fresh worker per fold; benchmarks/ray_scale.py).
PARALLEL_FOLDS_MIN_CORES = 4

@dataclass(frozen=True)
class Plan:
    preset: str                    # "auto" or the AutoGluon preset fit() starts from
    budget: int                    # the user's total seconds
    fit_seconds: int               # AutoGluon's time_limit
    refit_seconds: int             # kept to retrain the chosen model on every row (0: not retrained)
    num_bag_folds: int | None      # None: the preset's own; 0: one validation split
    num_stack_levels: int | None
    dynamic_stacking: bool | str | None
    reason: str                    # one line for the pre-flight card and `train --json`

    @property
    def bagged(self) -> bool | None:
        return None if self.num_bag_folds is None else self.num_bag_folds > 1

    def fit_kwargs(self) -> dict[str, Any]:
        """Arguments for `TabularPredictor.fit` (besides data, metric, GPUs, models and callbacks)."""
        # AutoGluon's own refit never gives the test split back and is not bound by time_limit: ours does both
        common = {"time_limit": self.fit_seconds, "refit_full": False, "set_best_to_refit_full": False,
                  "save_bag_folds": True}
        if self.preset != "auto":
            return {"presets": self.preset, **common}
        return {"presets": "medium_quality", **common, "num_bag_folds": self.num_bag_folds or None,
                "num_bag_sets": 1, "num_stack_levels": self.num_stack_levels,
                "dynamic_stacking": self.dynamic_stacking, "hyperparameters": AUTO_PORTFOLIO}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


SAVE_S = 1.0  # writing and signing the run, after the retrain on every row


def finish_seconds(budget: float, test_rows: int = 0) -> float:
    """Scoring the test split with every model, writing and signing the run (estimate: about a millisecond
    a test row for the whole leaderboard; 9 s for diamonds' 8,631 test rows and 7 models)."""
    return 2.0 + 0.02 * budget + test_rows / 1000


def make_plan(preset: str, budget: int, rows: int, columns: int, *, problem_type: str, cores: int,
              memory_mb: float, table_mb: float, refit_all_rows: bool = True, spent: float = STARTUP_S,
              tuning: bool = False, test_rows: int = 0) -> Plan:
    """The plan for `rows` x `columns` (the training rows and input columns) in `budget` seconds, of which
    `spent` are gone already (the job's start, reading and splitting the rows)."""
    cores = max(1, cores)
    left = budget - spent - finish_seconds(budget, test_rows)
    if preset != "auto":
        kind = "holdout" if preset == "medium_quality" else "bagged"
        refit = _reserve(budget, kind, refit_all_rows)
        fit = max(5, int(left - refit))
        return Plan(preset, budget, fit, refit, None, None, None,
                    f"{_named(preset)} preset as AutoGluon defines it; {fit} s to fit" + _refit_words(refit) + ".")

    cells = rows * max(1, columns)
    bag_capacity = _BAG_CELLS_PER_CORE_S * cores * budget
    fits_memory = table_mb * 12 + 500 < 0.6 * memory_mb
    bag = budget >= 30 and rows <= _MAX_BAG_ROWS and cells <= bag_capacity and fits_memory and not tuning
    if bag:
        # AutoGluon's repeated bagging would cut the first pass to 42% of the time: more folds instead
        folds = 8 if cells * 4 <= bag_capacity and rows <= 20_000 else 5
        stack = 1 if budget >= _STACK_MIN_BUDGET_S and cells * 4 <= bag_capacity else 0
        # a second layer only with AutoGluon's check that it does not overfit (DyStack: a quarter of the budget
        # on a held-out fit first). At 300 s titanic stacked without it scored 0.8125, with it 0.8370
        # (benchmarks/RESULTS.md, quality at 300 s)
        dystack: bool | str = "auto" if stack else False
        refit = _reserve(budget, "bagged", refit_all_rows)
        fit = max(5, int(left - refit))
        what = f"{folds}-fold bagging (its folds fit this budget, and every row is validated out of fold)"
        what += ", stacked in 2 layers where AutoGluon's DyStack check finds it does not overfit" if stack else (
            "; no stacking (a second layer needs 300 s or more)" if budget < _STACK_MIN_BUDGET_S else
            "; no stacking (too many rows for a second layer in this budget)")
    else:
        folds, stack, dystack = 0, 0, False
        refit = _reserve(budget, "holdout", refit_all_rows and rows <= _HOLDOUT_RESERVE_MAX_ROWS)
        fit = max(5, int(left - refit))
        why = ("tuning trials need the whole budget" if tuning else
               "the budget is under 30 s" if budget < 30 else
               "too little memory for the folds" if not fits_memory else
               f"{cores * budget}-core-seconds are too few to bag {rows:,} rows × {columns} column{'s' if columns != 1 else ''}")
        what = f"one validation split, no bagging ({why})"
    words = _refit_words(refit) if refit or not refit_all_rows else \
        ", retrained on every row only if time is left (the rows are many: the budget goes to fitting)"
    reason = f"Auto: {rows:,} rows × {columns} column{'s' if columns != 1 else ''}, {budget} s on {cores} cores: {what}; {fit} s to fit{words}."
    return Plan("auto", budget, fit, refit, folds, stack, dystack, reason)


def refit_estimate(best_fit_seconds: float, bagged_folds: int, train_rows: int, all_rows: int) -> float:
    """Seconds to retrain the chosen model (and its base models) on every row: one model per bag on
    all rows, about a k-th of the bag's fit; a model fitted on a validation split, about its own fit."""
    per = best_fit_seconds / bagged_folds if bagged_folds > 1 else best_fit_seconds
    return 1.0 + per * all_rows / max(1, train_rows)


def _reserve(budget: int, kind: str, refit_all_rows: bool) -> int:
    return max(3, round(_REFIT_SHARE[kind] * budget)) if refit_all_rows else 0


def _refit_words(refit: int) -> str:
    return f", {refit} s kept to retrain on every row" if refit else ", no retraining on every row"


def _named(preset: str) -> str:
    from automl.data.problem import preset_label

    return preset_label(preset)
