"""The last step of training: the measured model retrained on every row (the test split given back), and
the check that it is still the model the test split measured.

AutoGluon's `refit_full` retrains the best model and its base models on all rows with the settings the
bagged fits found (a neural network's epochs, the trees' rounds). The retrained model has learned the test
rows, so it should score at least as well on them as the measured model did without having seen them. One
that scores worse there is not the measured configuration with more data: AutoGluon's refit of a fastai
neural network on `hpc_data.csv` (30 s) scored 0.715 accuracy on the rows it was trained on, where the
bagged model it replaced scored 0.795 on the test split and 0.829 on all rows. Such a model is not used:
predictions stay with the measured model, and the run says why.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from automl.model.scoring import RunMetrics, score
from automl.store import jobs
from automl.training.config import TrainConfig
from automl.training.plan import SAVE_S, refit_estimate

__all__ = ["refit_all_rows", "refit_falls_short", "REFIT_TOLERANCE"]

log = logging.getLogger(__name__)
REFIT_TOLERANCE = 0.01  # the retrained model may score this share below the measured one on rows it learned
CHECK_ROWS = 20_000     # test rows the check scores at most (a sample beyond): seconds, not minutes, on a big table


def refit_all_rows(predictor: Any, train_rows: int, extra: pd.DataFrame, test: pd.DataFrame,
                   measured: RunMetrics, config: TrainConfig, spent: float,
                   events: jobs.EventLog) -> tuple[str | None, int, str, float | None]:
    """Retrain the best model (and its base models) on every row, with the configuration the test split
    measured (`refit_full`, the test rows `extra` as extra data), when the time left in the budget allows
    it, and keep it if it holds on the test rows (`test`, the label included). Returns the retrained model
    (None if none is used), the rows the model predictions use was trained on, why not when it is not, and
    the retrained model's metric on the test rows (as people read it; None if it was not measured)."""
    best = predictor.model_best
    board = predictor.leaderboard(silent=True).set_index("model")
    folds = int(predictor._trainer.model_graph.nodes[_first_base(predictor, best)].get("num_children") or 1)  # noqa: SLF001
    needed = refit_estimate(float(board.loc[best, "fit_time"]), folds, train_rows, train_rows + len(extra))
    left = config.time_limit - spent - SAVE_S  # the test split is scored already: only saving is left
    if needed > left:
        return None, train_rows, (f"Not retrained on every row: about {needed:.0f} s were needed and "
                                  f"{max(0, left):.0f} s of the budget were left."), None
    events.emit("stage", stage="refitting", rows=train_rows + len(extra), estimate=round(needed))
    try:
        # AutoGluon then predicts with the retrained model by default, and can clone it for a bundle
        refitted = predictor.refit_full(model=best, set_best_to_refit_full=True, train_data_extra=extra)
    except Exception as exc:  # the measured model stays usable; say why
        log.exception("refit on every row failed")
        predictor.set_model_best(best, save_trainer=True)
        return None, train_rows, f"Retraining on every row failed ({type(exc).__name__}); " \
                                 "predictions use the model the test split measured.", None
    final = refitted.get(best)
    if not final:
        return None, train_rows, "AutoGluon did not retrain this model on every row.", None
    label = config.label
    check = test if len(test) <= CHECK_ROWS else test.sample(CHECK_ROWS, random_state=0)
    on_test = score(predictor, check.drop(columns=[label]), check[label], config.problem_type, model=final)
    value = on_test.values.get(measured.eval_metric)
    why = refit_falls_short(measured, on_test.scores.get(measured.eval_metric), value)
    if why:
        log.warning("the model retrained on every row is not used: %s", why)
        predictor.set_model_best(best, save_trainer=True)
        # gone, so that no later choice or refit (Evaluate) can pick a model that has learned the test rows
        retrained = sorted({new for old, new in refitted.items() if new != old})
        predictor.delete_models(models_to_delete=retrained, allow_delete_cascade=True, dry_run=False)
        return None, train_rows, why, value
    return final, train_rows + len(extra), "", value


def refit_falls_short(measured: RunMetrics, refit_score: float | None, refit_value: float | None) -> str | None:
    """Why the retrained model is not used (it scores worse on the test rows it learned from than the
    measured model did on them unseen, by more than `REFIT_TOLERANCE`), or None. Scores are AutoGluon's
    (higher is better); values as people read them."""
    from automl.data.problem import metric_name
    from automl.training.runs import score_text

    bar = measured.test_score
    if bar is None or refit_score is None or refit_score >= bar - REFIT_TOLERANCE * max(abs(bar), 1e-12):
        return None
    name = metric_name(measured.eval_metric)
    return (f"Retrained on every row, but the retrained model scored {name} {score_text(refit_value)} on the test "
            f"rows it had learned from, worse than the measured model's {score_text(measured.value)} on them "
            "unseen; predictions use the model the test split measured.")


def _first_base(predictor: Any, model: str) -> str:
    """A bagged base model of `model` (itself when it has none), whose folds tell how it was validated."""
    bases = predictor._trainer.get_minimum_model_set(model)  # noqa: SLF001 - the model and its ancestors
    return next((m for m in bases if m != model), model)
