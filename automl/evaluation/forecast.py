"""A forecast run's backtest, read for the CLI (and the pages to come; issue 32): the test windows in numbers and
words, the error per series, each window's forecast beside the actuals."""

from __future__ import annotations

from typing import Any

import pandas as pd

from automl.data.markdown import code
from automl.data.numbers import readable_number
from automl.model.forecast_run import BACKTEST, SERIES_ERRORS, WINDOWS_FILE, ForecastRun, split_future
from automl.store import atomic

__all__ = ["backtest", "series_table", "windows", "leaderboard", "summary", "error_words", "recorded",
           "window_forecasts"]


def backtest(run: ForecastRun) -> pd.DataFrame:
    return pd.read_parquet(run.result(BACKTEST))


def recorded(run: ForecastRun, df: pd.DataFrame) -> pd.DataFrame:
    """What each series recorded (read as training read it): `item_id`, `time`, `value`."""
    history, _ = split_future(df, run.spec)
    return pd.DataFrame({"item_id": history["item_id"], "time": history[run.spec.time_column],
                         "value": history[run.spec.value_column]})


def window_forecasts(run: ForecastRun, series: str) -> pd.DataFrame:
    """One series' backtest, for its chart: `window`, `time`, `mean`, `low`, `high`, `actual`, `baseline`."""
    frame = backtest(run)
    return frame[frame["item_id"] == series].rename(columns={"timestamp": "time"})


def series_table(run: ForecastRun) -> pd.DataFrame:
    """Per series, best first: the mean absolute error of the forecast and of repeating the last season."""
    table = pd.read_parquet(run.result(SERIES_ERRORS))
    return table.rename(columns={"model_error": "forecast error", "baseline_error": "error repeating the season",
                                 "mean_actual": "mean value", "relative": "error / season's"})


def windows(run: ForecastRun) -> pd.DataFrame:
    """One row per test window: when it starts, MASE and WQL of the forecast and of the baseline, coverage."""
    rows = (atomic.read_json(run.result(WINDOWS_FILE)) or {}).get("windows", [])
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["start"] = pd.to_datetime(frame["start"]).dt.strftime("%Y-%m-%d")
    return frame.rename(columns={"mase": "MASE", "baseline_mase": "MASE repeating the season", "wql": "WQL",
                                 "baseline_wql": "WQL repeating the season", "coverage_80": "inside the 80% band"})


def leaderboard(run: ForecastRun) -> pd.DataFrame:
    return pd.read_parquet(run.files.leaderboard)


def error_words(run: ForecastRun) -> str:
    """The error in the value's own units, said: "On average the forecast is off by 1,230 arrivals (repeating
    the last season: 1,610)."""
    m = run.metrics
    return (f"On average the forecast is off by {readable_number(m['mae'])} {code(run.spec.value_column)} per step "
            f"(repeating the last season: {readable_number(m['baseline_mae'])}).")


def summary(run: ForecastRun) -> dict[str, Any]:
    """Everything `evaluate` reports, as JSON-ready values."""
    m = run.metrics
    keys = ("mase", "baseline_mase", "wql", "baseline_wql", "coverage_80", "mae", "baseline_mae", "best_model",
            "frequency", "horizon", "series", "rows", "fit_seconds", "wall_seconds", "sentence")
    return {"run_id": run.run_id, "task": "forecast", "label": run.spec.value_column,
            **{k: m.get(k) for k in keys}, "budget_seconds": run.config.get("time_limit"),
            "windows": windows(run).to_dict("records"),
            "series_errors": series_table(run).to_dict("records"),
            "leaderboard": leaderboard(run).to_dict("records")}

