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

import math
import os
from dataclasses import asdict, dataclass
from typing import Any

from automl import settings

__all__ = ["Plan", "make_plan", "refit_estimate", "STARTUP_S", "SAVE_S", "finish_seconds", "AUTO_PORTFOLIO",
           "PARALLEL_FOLDS_MIN_CORES", "auto_test_size", "free_cores", "machine_load", "TEST_ROWS",
           "TEST_MINORITY_ROWS"]

AUTO_PORTFOLIO = "default"  # AutoGluon's default model portfolio (no model in it downloads weights)

STARTUP_S = 4.0            # a job's process start and imports, before its clock can be read (estimate)
_BAG_CELLS_PER_CORE_S = 2_000  # rows x columns a core bags (the default portfolio) per second of budget
# ... and bags at most this many rows per core-second: bagging fits each model k times, so on more rows than
# this the default portfolio no longer finishes and the families left out cost more than out-of-fold
# validation gains. At 60 s on 2 cores (4,800 rows), the 5-fold bags of 6,300-6,400-row tables scored below
# AutoGluon's medium preset, which fitted every family once on a validation split (lending_club 0.777 vs 0.786
# ROC AUC, taxi 0.646 vs 0.656, deliveries RMSE +2%; benchmarks/RESULTS.md, mid-size tables), where the bags
# of tables up to 3,600 rows won or tied.
_BAG_ROWS_PER_CORE_S = 40
_STACK_MIN_BUDGET_S = 300  # a second (stacker) layer needs this much budget to train after the first
# Whatever the budget and the cores, bagging stops at this many training rows. At 300 s the plan bagged the
# 6,300-10,300-row tables in 8 folds and stacked them (40 rows per core-second allowed 24,000), and scored below
# AutoGluon's medium preset on all three, no better than its own one-split plan at 60 s (lending_club 0.778 vs
# 0.786 ROC AUC, taxi 0.645 vs 0.656, hotel_rates RMSE +1.4%; benchmarks/RESULTS.md, mid-size tables at 300 s);
# its wins at 300 s came from bags of up to 3,600 training rows.
_MAX_BAG_ROWS = 5_000
_REFIT_SHARE = {"bagged": 0.12, "holdout": 0.25}  # named presets: of the budget, kept to retrain on every row
# A model fitted on one validation split is retrained by refitting every model of its ensemble on every row,
# which can take as long as fitting did (scaled to the rows): the plan keeps that much, fitting and retrain
# sharing what is left as 1 : all / train rows, up to this many training rows. There the retrain gives the
# model 35-40% more rows (the test split and AutoGluon's validation rows), which paid more than the time it
# took from fitting: at 60 s, deliveries RMSE 1.884 -> 1.862, hotel_rates 12.14 -> 12.00, loans_rate 3.704 ->
# 3.667 (retrained, against none with a fixed quarter kept or none kept; benchmarks/RESULTS.md). Above it the
# rows gained are fewer (diamonds, 41,000 rows: 12%) and fitting gets the time; the model is then retrained
# only where fitting leaves time (AutoGluon stops early when its models converge).
_HOLDOUT_RESERVE_MAX_ROWS = 20_000

# Below this many cores, bagged folds are fitted one after another, each with every core: on 2 cores Ray's
# parallel folds took 3.2x as long (its runtime and a fresh worker per fold; benchmarks/ray_scale.py).
PARALLEL_FOLDS_MIN_CORES = 4

# The automatic test split. How well a test split measures a model depends on its count of rows, not on its
# share of the table: 2,000 rows measure accuracy within +/-0.022 (95%, the worst case p = 0.5) whatever the
# table's size, and a yes/no target's rarer answer needs enough rows of its own for ROC AUC. So the split is
# 20% of the rows up to 10,000, then 2,000 rows (and enough for 200 of the rarer answer), never under 5%:
# the rest go to fitting (a 28,000-row table fits on 26,000 rows instead of 22,400).
TEST_SHARE = 0.2
TEST_ROWS = 2_000
TEST_MINORITY_ROWS = 200


def auto_test_size(labelled: int, minority: int | None = None) -> float:
    """The automatic test split's share of `labelled` rows; `minority`: rows of a yes/no target's rarer
    answer (None for other targets)."""
    if labelled <= 0:
        return TEST_SHARE
    rows = TEST_ROWS
    if minority:
        rows = max(rows, math.ceil(TEST_MINORITY_ROWS * labelled / minority))
    return round(max(0.05, min(TEST_SHARE, rows / labelled)), 4)


def free_cores(cores: int, load: float | None) -> float:
    """The cores a job can count on: all of them unless the machine is busy (a one-minute load average over
    1.5 a core: the average lags, so a job that just ended does not count), then a share that falls as the
    load rises. Bagging costs every model k fits: a plan made for 2 idle cores on a machine at load 5 bagged
    8 folds that all ran out of time (issue 29); planned as for 1.2 cores it fits one validation split."""
    busy = _BUSY_LOAD_PER_CORE * cores
    if not load or load <= busy:
        return float(cores)
    return max(0.5, cores * busy / load)


_BUSY_LOAD_PER_CORE = 1.5


def machine_load() -> float | None:
    """The one-minute load average the plan sees (`AUTOML_STUDIO_PLAN_LOAD` overrides it; None where unknown)."""
    if settings.PLAN_LOAD.is_set():
        return settings.PLAN_LOAD.number()
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover - not on Linux
        return None


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
              tuning: bool = False, test_rows: int = 0, load: float | None = None) -> Plan:
    """The plan for `rows` x `columns` (the training rows and input columns) in `budget` seconds, of which
    `spent` are gone already (the job's start, reading and splitting the rows). `load`: the machine's
    one-minute load average when the plan is made (None: idle)."""
    cores = max(1, cores)
    usable = free_cores(cores, load)
    left = budget - spent - finish_seconds(budget, test_rows)
    if preset != "auto":
        kind = "holdout" if preset == "medium_quality" else "bagged"
        refit = _reserve(budget, kind, refit_all_rows)
        fit = max(5, int(left - refit))
        return Plan(preset, budget, fit, refit, None, None, None,
                    f"{_named(preset)} preset as AutoGluon defines it; {fit} s to fit" + _refit_words(refit) + ".")

    cells = rows * max(1, columns)
    bag_capacity = _BAG_CELLS_PER_CORE_S * usable * budget
    fits_memory = table_mb * 12 + 500 < 0.6 * memory_mb
    bag_rows = _BAG_ROWS_PER_CORE_S * usable * budget
    bag = (budget >= 30 and rows <= min(_MAX_BAG_ROWS, bag_rows) and cells <= bag_capacity and fits_memory
           and not tuning)
    if bag:
        # AutoGluon's repeated bagging would cut the first pass to 42% of the time: more folds instead
        folds = 8 if cells * 4 <= bag_capacity and rows <= 20_000 else 5
        stack = 1 if budget >= _STACK_MIN_BUDGET_S and cells * 4 <= bag_capacity else 0
        # a second layer only with AutoGluon's check that it does not overfit (DyStack: a quarter of the budget
        # on a held-out fit first). At 300 s titanic stacked without it scored 0.8125, with it 0.8370
        # (benchmarks/RESULTS.md, quality at 300 s)
        dystack: bool | str = "auto" if stack else False
        refit = _bag_reserve(left, folds, rows, test_rows, refit_all_rows)
        fit = max(5, int(left - refit))
        what = f"{folds}-fold bagging (its folds fit this budget, and every row is validated out of fold)"
        what += ", stacked in 2 layers where AutoGluon's DyStack check finds it does not overfit" if stack else (
            "; no stacking (a second layer needs 300 s or more)" if budget < _STACK_MIN_BUDGET_S else
            "; no stacking (too many rows for a second layer in this budget)")
    else:
        folds, stack, dystack = 0, 0, False
        refit = _holdout_reserve(left, rows, test_rows, refit_all_rows and rows <= _HOLDOUT_RESERVE_MAX_ROWS)
        fit = max(5, int(left - refit))
        why = ("tuning trials need the whole budget" if tuning else
               "the budget is under 30 s" if budget < 30 else
               "too little memory for the folds" if not fits_memory else
               f"bagging pays up to {_MAX_BAG_ROWS:,} rows; on more, one split that fits every model family "
               f"scored better" if _MAX_BAG_ROWS < rows <= bag_rows and cells <= bag_capacity else
               f"{usable * budget:.0f}-core-seconds are too few to bag {rows:,} rows × {columns} "
               f"column{'s' if columns != 1 else ''}"
               + ("" if cells > bag_capacity or rows <= bag_rows else
                  ": each model would be fitted once per fold, and fewer model families would finish"))
        what = f"one validation split, no bagging ({why})"
    words = _refit_words(refit) if refit or not refit_all_rows else \
        (", retrained on every row only if fitting ends early enough (the rows are many: the budget goes to "
         "fitting)")
    busy = f" (busy: load {load:.1f}, planned as for {usable:.1f} free)" if usable < cores else ""
    reason = (f"Auto: {rows:,} rows × {columns} column{'s' if columns != 1 else ''}, {budget} s on {cores} "
              f"cores{busy}: {what}; {fit} s to fit{words}.")
    return Plan("auto", budget, fit, refit, folds, stack, dystack, reason)


def refit_estimate(best_fit_seconds: float, bagged_folds: int, train_rows: int, all_rows: int) -> float:
    """Seconds to retrain the chosen model (and its base models) on every row: one model per bag on
    all rows, a fold's fit (a k-th of the bag's, on (k-1)/k of the training rows) scaled to every row; a
    model fitted on a validation split, its own fit scaled to every row."""
    k = bagged_folds
    fitted_rows = max(1, train_rows) * ((k - 1) if k > 1 else 1)  # every fold's rows, summed over the folds
    per_row = best_fit_seconds / fitted_rows
    return 1.0 + per_row * all_rows


def _bag_reserve(left: float, folds: int, rows: int, test_rows: int, refit_all_rows: bool) -> int:
    """Seconds kept to retrain a bagged model on every row, sized from what the retrain costs
    (`refit_estimate`): at most the whole fitting time, spent by one bag, retrained as one model, so the fit
    and the retrain share what is left as 1 : all / (train x (k-1)). A fixed 12% of 60 s (7 s) was too
    little for the 5-fold bag of a 6,400-row table, whose retrain then never ran (issue 30)."""
    if not refit_all_rows:
        return 0
    share = (rows + test_rows) / (max(1, rows) * (folds - 1))
    return max(3, math.ceil(1 + (left - 1) * share / (1 + share)))


def _holdout_reserve(left: float, rows: int, test_rows: int, refit_all_rows: bool) -> int:
    """Seconds kept to retrain a model fitted on one validation split on every row: at most its whole fit
    again, scaled to every row (`refit_estimate` with one fold), so fit and retrain share what is left as
    1 : all / train."""
    if not refit_all_rows:
        return 0
    share = (rows + test_rows) / max(1, rows)
    return max(3, math.ceil(1 + (left - 1) * share / (1 + share)))


def _reserve(budget: int, kind: str, refit_all_rows: bool) -> int:
    return max(3, round(_REFIT_SHARE[kind] * budget)) if refit_all_rows else 0


def _refit_words(refit: int) -> str:
    return f", {refit} s kept to retrain on every row" if refit else ", no retraining on every row"


def _named(preset: str) -> str:
    from automl.data.problem import preset_label

    return preset_label(preset)
