"""Which columns a forecast uses (issue 32): for each model of a forecast run, how much worse its forecast of
the last test window gets when one column (known in advance, or describing a series) is shuffled across series
and times (AutoGluon's `TimeSeriesPredictor.feature_importance`). Computed in the background, as a table's
permutation importance is (the `importance` job); the value's own past is not a column here: every model
uses it.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from automl.data.markdown import code
from automl.model.forecast_run import load_forecast_run, load_forecaster, series_frame, split_future
from automl.store import atomic, jobs
from automl.store.workspace import JobRecord, Workspace

__all__ = ["run_forecast_importance_job", "load_forecast_importance", "IMPORTANCE_FILE", "importance_words",
           "SHUFFLES"]

IMPORTANCE_FILE = "forecast_importance.parquet"
SHUFFLES = 3
_NONE = 1e-9  # a change of MASE below this is no change: the model does not read the column


def run_forecast_importance_job(ws: Workspace, job: JobRecord, events: jobs.EventLog,
                                should_stop: Callable[[], bool]) -> str:
    run = load_forecast_run(ws, job.run_id)
    predictor = load_forecaster(run)
    history, _ = split_future(ws.load_dataset(run.config["dataset_id"]), run.spec)
    data = series_frame(history, run.spec)
    board = pd.read_parquet(run.files.leaderboard)
    models = [run.model, *[m for m in board["model"] if m != run.model]]
    frames = []
    events.emit("progress", done=0, total=len(models))
    for done, model in enumerate(models, start=1):
        if should_stop():
            return "stopped"
        scores = predictor.feature_importance(data, model=model, num_iterations=SHUFFLES, random_seed=0)
        frames.append(pd.DataFrame({"model": model, "column": scores.index,
                                    "mase_increase": scores["importance"].to_numpy(),
                                    "stdev": scores["stdev"].to_numpy(), "in_use": model == run.model}))
        events.emit("progress", done=done, total=len(models))
    atomic.write_parquet(run.run_dir / IMPORTANCE_FILE, pd.concat(frames, ignore_index=True))
    return "succeeded"


def load_forecast_importance(ws: Workspace, run_id: str) -> pd.DataFrame | None:
    path = ws.run_dir(run_id) / IMPORTANCE_FILE
    return pd.read_parquet(path) if path.exists() else None


def importance_words(frame: pd.DataFrame, model: str) -> list[str]:
    """One line per column for `model`, most important first: "`PetrolPrice`: shuffled, the forecast errs more
    (MASE +0.175): the model uses it." """
    own = frame[frame["model"] == model].sort_values("mase_increase", ascending=False)
    lines = []
    for row in own.itertuples():
        change = row.mase_increase
        if abs(change) < _NONE:
            lines.append(f"{code(row.column)}: no change when shuffled; this model does not use it.")
        elif change > 0:
            lines.append(f"{code(row.column)}: shuffled, the forecast errs more (MASE +{change:.3f}); the model "
                         "relies on it.")
        else:
            lines.append(f"{code(row.column)}: shuffled, the forecast errs less (MASE {change:.3f}); the model "
                         "reads it, but on the last test window it did not help.")
    return lines
