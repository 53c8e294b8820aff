"""The forecast job (issue 32): runs in the training job's process, as a table's training does, and leaves a
signed forecast run: the predictor, the backtest on the last windows (numbers, words, each window's forecast
beside the actuals, the error per series), the leaderboard, and the forecast past the end of the data.

`model.json` is written last and marks the run's model complete, as for tables.
"""

from __future__ import annotations

import platform
import time
from typing import Callable

import pandas as pd

from automl.model.bundle import sign_run
from automl.model.forecast_run import (
    BACKTEST,
    FORECAST_FILE,
    SERIES_ERRORS,
    WINDOWS_FILE,
    SeriesSpec,
    series_frame,
    split_future,
)
from automl.model.run_files import RunFiles
from automl.store import atomic, jobs
from automl.store.workspace import JobRecord, Workspace
from automl.training.forecast import FIT_SHARE, choosing_words, fit_forecast, series_errors, validation_windows
from automl.training.forecast_config import ForecastConfig
from automl.training.forecast_models import hub_offline

__all__ = ["run_forecast_job"]


def run_forecast_job(ws: Workspace, job: JobRecord, events: jobs.EventLog, should_stop: Callable[[], bool]) -> str:
    began = ws.get_job(job.id).started_at or time.time()
    files = RunFiles(ws.run_dir(job.id))
    config = ForecastConfig.from_dict(atomic.read_json(files.config))
    spec = SeriesSpec(config.time_column, config.label, config.horizon, config.series_column, config.known,
                      config.static, config.frequency)
    history, future = split_future(ws.load_dataset(config.dataset_id), spec)
    events.emit("stage", stage="split", n_train=len(history), n_future=len(future),
                n_test=config.windows * config.horizon)
    fit_budget = max(10.0, (config.time_limit - (time.time() - began)) * FIT_SHARE)
    events.emit("stage", stage="fitting", time_limit=round(fit_budget), preset=config.preset, num_gpus=0,
                plan=f"{config.preset} model set, {fit_budget:.0f} s to fit ({choosing_words(config.time_limit)}), the "
                     f"rest to score {config.windows} test window(s) and forecast")
    started: list[str] = []
    fit = fit_forecast(history, spec=spec, path=files.predictor, models=config.preset, time_limit=fit_budget,
                       windows=config.windows, seed=config.seed, val_windows=validation_windows(config.time_limit),
                       on_model=lambda name: started.append(name) or events.emit("model_started", model=name),
                       should_stop=should_stop)
    for row in fit.leaderboard.itertuples():
        events.emit("model_done", model=row.model, score_val=float(row.score_val), metric_val=-float(row.score_val),
                    fit_time=float(row.fit_time_marginal))  # metric_val: MASE as users read it, lower is better
    for name in dict.fromkeys(started):
        if name not in set(fit.leaderboard["model"]):  # AutoGluon skips a model whose share of the budget ran out
            events.emit("model_failed", model=name, reason="not trained: you stopped the run" if should_stop()
                        else "the time budget ran out, or it failed (see the log)")
    events.emit("stage", stage="evaluating")
    backtest = fit.backtest
    atomic.write_parquet(ws.run_dir(job.id) / BACKTEST, backtest)
    atomic.write_parquet(ws.run_dir(job.id) / SERIES_ERRORS, series_errors(backtest))
    atomic.write_parquet(files.leaderboard, _board(fit.leaderboard))
    if not config.known:  # with covariates known in advance, the future needs their values: Predict asks for them
        with hub_offline():
            ahead = fit.predictor.predict(series_frame(history, spec), model=fit.model)
        atomic.write_parquet(ws.run_dir(job.id) / FORECAST_FILE, ahead.reset_index())
    mae = float((backtest["actual"] - backtest["mean"]).abs().mean())
    base_mae = float((backtest["actual"] - backtest["baseline"]).abs().mean())
    atomic.write_json(ws.run_dir(job.id) / WINDOWS_FILE, {"windows": [w.to_dict() for w in fit.windows],
                                                          "sentence": fit.sentence()})
    metrics = {"problem_type": "forecast", "eval_metric": "MASE", "lower_is_better": True,
               "best_model": fit.model, "frequency": fit.frequency, "horizon": config.horizon,
               "windows": len(fit.windows), "val_windows": fit.val_windows,
               "mase": fit.mase, "baseline_mase": fit.baseline_mase,
               "wql": fit.wql, "baseline_wql": fit.baseline_wql, "coverage_80": fit.coverage_80,
               "mae": mae, "baseline_mae": base_mae, "sentence": fit.sentence(),
               "series": int(history["item_id"].nunique()), "rows": len(history),
               "fit_seconds": round(fit.seconds, 1), "wall_seconds": round(time.time() - began, 1),
               "stopped_early": bool(should_stop()), "versions": _versions()}
    atomic.write_json(files.metrics, metrics)
    ws.set_run_result(job.id, -fit.mase, fit.mase, "MASE")
    atomic.write_json(files.model, {"best_model": fit.model, "created_at": time.time()})
    sign_run(ws, job.id)
    events.emit("stage", stage="done", test_score=-fit.mase, best_model=fit.model)
    return "stopped" if should_stop() else "succeeded"


def _board(board: pd.DataFrame) -> pd.DataFrame:
    """AutoGluon's leaderboard as the run keeps it: MASE and WQL as errors (lower is better), seconds."""
    out = pd.DataFrame({"model": board["model"], "test_mase": -board["score_test"], "val_mase": -board["score_val"],
                        "fit_time": board["fit_time_marginal"]})
    if "WQL" in board:
        out["test_wql"] = -board["WQL"]
    return out.sort_values("val_mase").reset_index(drop=True)


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"python": platform.python_version(),
            **{p: version(p) for p in ("autogluon.timeseries", "pandas")}}
