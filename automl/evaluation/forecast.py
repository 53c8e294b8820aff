"""A forecast run's backtest, read for the pages, the CLI and the report (issue 32): the test windows in numbers
and words, the error per series, each window's forecast beside the actuals, and the figure of one series."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from automl.data.numbers import readable_number
from automl.model.forecast_run import BACKTEST, FORECAST_FILE, SERIES_ERRORS, WINDOWS_FILE, ForecastRun
from automl.store import atomic

__all__ = ["backtest", "series_table", "windows", "leaderboard", "future", "summary", "series_figure",
           "error_words"]


def backtest(run: ForecastRun) -> pd.DataFrame:
    return pd.read_parquet(run.result(BACKTEST))


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


def future(run: ForecastRun) -> pd.DataFrame | None:
    """The forecast past the end of the training data, when training could make it (no known covariates)."""
    path = run.result(FORECAST_FILE)
    return pd.read_parquet(path) if path.exists() else None


def error_words(run: ForecastRun) -> str:
    """The error in the value's own units, said: "On average the forecast is off by 1,230 arrivals (repeating
    the last season: 1,610)."""
    m = run.metrics
    return (f"On average the forecast is off by {readable_number(m['mae'])} {run.spec.value_column} per step "
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


def series_figure(history: pd.DataFrame, time_column: str, value_column: str, forecast: pd.DataFrame,
                  title: str, actual: pd.DataFrame | None = None) -> go.Figure:
    """One series: its history, the forecast (the mean) with the 10%-90% band, and, for a backtest, what
    actually happened in the forecast window."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=history[time_column], y=history[value_column], mode="lines", name="history",
                             line=dict(color="#4c78a8")))
    x = forecast[time_column]
    fig.add_trace(go.Scatter(x=x, y=forecast["high"], mode="lines", line=dict(width=0), showlegend=False,
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=forecast["low"], mode="lines", line=dict(width=0), fill="tonexty",
                             fillcolor="rgba(245,133,24,0.25)", name="10%–90% band"))
    fig.add_trace(go.Scatter(x=x, y=forecast["forecast"], mode="lines+markers", name="forecast",
                             line=dict(color="#f58518", dash="dash")))
    if actual is not None:
        fig.add_trace(go.Scatter(x=actual[time_column], y=actual[value_column], mode="markers", name="actual",
                                 marker=dict(color="#222", size=7)))
    fig.update_layout(title=title, xaxis_title=time_column, yaxis_title=value_column, height=380,
                      margin=dict(t=50, l=60, r=20, b=40), legend=dict(orientation="h", y=-0.2))
    return fig
