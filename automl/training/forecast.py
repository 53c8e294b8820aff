"""Fit forecasting models and measure them honestly (issue 32: the core the forecast job will call).

The last `windows` x `horizon` steps of every series are the test: the models never see them while they are
fitted and chosen (AutoGluon's own validation windows come from the rows before). Each test window is then
forecast from the history up to its start, as a forecast made on that day would have been, and scored with
MASE (the error against the series' own seasonal naive error in training) and the weighted quantile loss;
the seasonal naive model, which repeats the last season, is in every model set, so every score comes with
the baseline it must beat, said in words.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from automl.data.timeseries import step_words
from automl.training.forecast_models import hub_offline, model_set

__all__ = ["QUANTILES", "WindowScore", "ForecastFit", "series_frame", "fit_forecast", "BASELINE"]

QUANTILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BASELINE = "SeasonalNaive"


@dataclass(frozen=True)
class WindowScore:
    window: int          # 1 = the earliest test window
    start: pd.Timestamp  # the first forecast step
    mase: float          # the model's, lower is better
    wql: float
    baseline_mase: float  # the seasonal naive model's on the same window
    baseline_wql: float
    coverage_80: float   # share of actual values inside the 10%-90% band


@dataclass
class ForecastFit:
    predictor: Any
    model: str                   # the model chosen on the validation windows (before the test)
    horizon: int
    frequency: str | None        # pandas' name of the series' frequency, as AutoGluon read it
    windows: list[WindowScore]
    leaderboard: pd.DataFrame
    seconds: float

    @property
    def mase(self) -> float:
        return float(np.mean([w.mase for w in self.windows]))

    @property
    def baseline_mase(self) -> float:
        return float(np.mean([w.baseline_mase for w in self.windows]))

    def sentence(self) -> str:
        """The test in words, against repeating the last season."""
        gain = 1 - self.mase / self.baseline_mase if self.baseline_mase else 0.0
        how = (f"errs {gain:.0%} less than" if gain >= 0.005 else
               f"errs {-gain:.0%} more than" if gain <= -0.005 else "errs as much as")
        span = step_words(self.frequency, len(self.windows) * self.horizon)
        return (f"Over the last {span} ({len(self.windows)} windows of {step_words(self.frequency, self.horizon)}), "
                f"which it never saw while it learned, the forecast {how} "
                f"repeating the last season (MASE {self.mase:.3f} against {self.baseline_mase:.3f}); "
                f"{np.mean([w.coverage_80 for w in self.windows]):.0%} of the actual values fell inside its 80% band.")


def series_frame(df: pd.DataFrame, time_column: str, value_column: str, series_column: str | None = None):
    """The table as AutoGluon's long series frame (one series when `series_column` is None)."""
    from autogluon.timeseries import TimeSeriesDataFrame

    frame = df[[c for c in (series_column, time_column, value_column) if c]].copy()
    frame["item_id"] = frame[series_column].astype(str) if series_column else "series"
    frame = frame.rename(columns={time_column: "timestamp"})[["item_id", "timestamp", value_column]]
    return TimeSeriesDataFrame.from_data_frame(frame.sort_values(["item_id", "timestamp"]))


def fit_forecast(df: pd.DataFrame, *, time_column: str, value_column: str, series_column: str | None,
                 horizon: int, path: str | Path, models: str = "medium", time_limit: float = 120,
                 windows: int = 2, frequency: str | None = None, seed: int = 0) -> ForecastFit:
    """Fit the model set `models` on all but the last `windows` x `horizon` steps of each series, choose on
    AutoGluon's validation windows before them, then score each test window (see the module's note)."""
    from autogluon.timeseries import TimeSeriesPredictor

    started = time.monotonic()
    data = series_frame(df, time_column, value_column, series_column)
    cut = windows * horizon
    train = data.slice_by_timestep(None, -cut)
    with hub_offline():
        predictor = TimeSeriesPredictor(prediction_length=horizon, target=value_column, path=str(path),
                                        eval_metric="MASE", quantile_levels=list(QUANTILES), freq=frequency,
                                        verbosity=0)
        predictor.fit(train, hyperparameters=model_set(models), time_limit=time_limit, random_seed=seed)
        model = predictor.model_best
        scores = [_window(predictor, data, model, i, windows, horizon) for i in range(windows)]
        board = predictor.leaderboard(data, extra_metrics=["WQL"])  # score_test: the last test window
    return ForecastFit(predictor, model, horizon, predictor.freq, scores, board, time.monotonic() - started)


def _window(predictor: Any, data: Any, model: str, i: int, windows: int, horizon: int) -> WindowScore:
    """Window `i` (0 = the earliest): the history up to its start, forecast `horizon` steps, against the actuals."""
    end = -(windows - 1 - i) * horizon or None
    upto = data.slice_by_timestep(None, end)
    ours = predictor.evaluate(upto, model=model, metrics=["MASE", "WQL"])
    base = predictor.evaluate(upto, model=BASELINE, metrics=["MASE", "WQL"])
    history = upto.slice_by_timestep(None, -horizon)
    forecast = predictor.predict(history, model=model)
    actual = upto.slice_by_timestep(-horizon, None)[predictor.target].reindex(forecast.index)
    inside = (actual >= forecast["0.1"]) & (actual <= forecast["0.9"])
    start = forecast.index.get_level_values("timestamp").min()
    return WindowScore(i + 1, start, -ours["MASE"], -ours["WQL"], -base["MASE"], -base["WQL"],
                       float(inside[actual.notna()].mean()))
