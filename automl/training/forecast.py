"""Fit forecasting models and measure them honestly (issue 32: the core the forecast job calls).

The last `windows` x `horizon` steps of every series are the test: the models never see them while they are
fitted and chosen (AutoGluon's own validation windows come from the rows before). Each test window is then
forecast from the history up to its start, as a forecast made on that day would have been, and scored with
MASE (the error against the series' own seasonal naive error in training) and the weighted quantile loss;
the seasonal naive model, which repeats the last season, is in every model set, so every score comes with
the baseline it must beat, said in words. The window forecasts are kept beside the actuals (`backtest`) for
the charts and the per-series table.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from automl.data.timeseries import step_words
from automl.model.forecast_run import SeriesSpec, series_frame
from automl.training.forecast_models import hub_offline, model_set

__all__ = ["QUANTILES", "WindowScore", "ForecastFit", "fit_forecast", "BASELINE", "series_errors", "gain_words",
           "FIT_SHARE", "AUTO_WINDOWS_FROM_S", "choosing_words", "validation_windows"]

QUANTILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BASELINE = "SeasonalNaive"
# From this fitting budget on, the models are compared on AutoGluon's automatic validation windows (up to 5, a
# refit every 2); below it on one: at 15 s the extra windows left 1 of the fast set's 4 models trained (seatbelts).
AUTO_WINDOWS_FROM_S = 60.0
FIT_SHARE = 0.7  # of a job's budget left when fitting starts; the rest scores the test windows and forecasts


def validation_windows(budget: float) -> int | str:
    """AutoGluon's `num_val_windows` for a job of `budget` seconds: its automatic choice when the fitting share
    is at least `AUTO_WINDOWS_FROM_S`, else one window."""
    return "auto" if budget * FIT_SHARE >= AUTO_WINDOWS_FROM_S else 1


def choosing_words(budget: float) -> str:
    """How the models of a job of `budget` seconds will be compared, in words."""
    if validation_windows(budget) == "auto":
        return ("the models compared, and weighted into an ensemble, on several windows before the test (up to 5 "
                "when the series are few, as far as the history allows), so that none wins on one lucky window")
    return (f"the models compared on one window before the test; a budget of "
            f"{math.ceil(AUTO_WINDOWS_FROM_S / FIT_SHARE)} s or more compares them on several")


@dataclass(frozen=True)
class WindowScore:
    window: int          # 1 = the earliest test window
    start: pd.Timestamp  # the first forecast step
    mase: float          # the model's, lower is better
    wql: float
    baseline_mase: float  # the seasonal naive model's on the same window
    baseline_wql: float
    coverage_80: float   # share of actual values inside the 10%-90% band

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "start": self.start.isoformat()}


def gain_words(ours: float, baseline: float) -> str:
    """"errs 23% less than" / "errs 5% more than" / "errs as much as"."""
    gain = 1 - ours / baseline if baseline else 0.0
    return (f"errs {gain:.0%} less than" if gain >= 0.005 else
            f"errs {-gain:.0%} more than" if gain <= -0.005 else "errs as much as")


@dataclass
class ForecastFit:
    predictor: Any
    model: str                   # the model chosen on the validation windows (before the test)
    horizon: int
    frequency: str | None        # pandas' name of the series' frequency, as AutoGluon read it
    windows: list[WindowScore]
    leaderboard: pd.DataFrame
    seconds: float
    backtest: pd.DataFrame | None = None  # per window, series and time: actual, the model's mean and band, baseline
    val_windows: int = 1                 # the validation windows the models were compared and weighted on

    @property
    def mase(self) -> float:
        return float(np.mean([w.mase for w in self.windows]))

    @property
    def baseline_mase(self) -> float:
        return float(np.mean([w.baseline_mase for w in self.windows]))

    @property
    def wql(self) -> float:
        return float(np.mean([w.wql for w in self.windows]))

    @property
    def baseline_wql(self) -> float:
        return float(np.mean([w.baseline_wql for w in self.windows]))

    @property
    def coverage_80(self) -> float:
        return float(np.mean([w.coverage_80 for w in self.windows]))

    def sentence(self) -> str:
        """The test in words, against repeating the last season."""
        span = step_words(self.frequency, len(self.windows) * self.horizon)
        return (f"Over the last {span} ({len(self.windows)} windows of {step_words(self.frequency, self.horizon)}), "
                f"which it never saw while it learned, the forecast {gain_words(self.mase, self.baseline_mase)} "
                f"repeating the last season (MASE {self.mase:.3f} against {self.baseline_mase:.3f}); "
                f"{self.coverage_80:.0%} of the actual values fell inside its 80% band.")


def fit_forecast(df: pd.DataFrame, *, time_column: str | None = None, value_column: str | None = None,
                 series_column: str | None = None, horizon: int | None = None, spec: SeriesSpec | None = None,
                 path: str | Path, models: str = "medium", time_limit: float = 120, windows: int = 2,
                 frequency: str | None = None, seed: int = 0, val_windows: int | str | None = None,
                 on_model: Callable[[str], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> ForecastFit:
    """Fit the model set `models` on all but the last `windows` x `horizon` steps of each series, choose and
    weight them on AutoGluon's validation windows before those (`val_windows`; None: "auto" from
    `AUTO_WINDOWS_FROM_S` seconds on, where AutoGluon picks how many from the number and length of the series, up
    to 5, as its best-quality preset does: one window let a lucky model win on short series, see
    benchmarks/RESULTS.md; one window below), then score each test window (see the module's note).
    `on_model` hears the name of each model as AutoGluon starts it; once `should_stop` says so, the model
    being fitted finishes and no other starts: the best of those fitted is kept, as for tables."""
    from autogluon.timeseries import TimeSeriesPredictor

    spec = spec or SeriesSpec(time_column, value_column, int(horizon), series_column)  # type: ignore[arg-type]
    started = time.monotonic()
    data = series_frame(df, spec)
    cut = windows * spec.horizon
    train = data.slice_by_timestep(None, -cut)
    if val_windows is None:
        val_windows = "auto" if time_limit >= AUTO_WINDOWS_FROM_S else 1  # time_limit: the fitting share
    with hub_offline(), _models_heard(on_model), _stoppable(should_stop):
        predictor = TimeSeriesPredictor(prediction_length=spec.horizon, target=spec.value_column, path=str(path),
                                        eval_metric="MASE", quantile_levels=list(QUANTILES),
                                        freq=frequency or spec.frequency, known_covariates_names=list(spec.known),
                                        verbosity=2 if on_model else 0)
        predictor.fit(train, hyperparameters=model_set(models), time_limit=time_limit, random_seed=seed,
                      num_val_windows=val_windows, refit_every_n_windows="auto" if val_windows == "auto" else 1)
    if not predictor.model_names():
        raise RuntimeError(f"No forecasting model finished within the {time_limit:g} s budget; give it more time.")
    model = predictor.model_best
    with tempfile.TemporaryDirectory() as folder, hub_offline():
        baseline = _baseline(predictor, train, folder)
        scores, frames = zip(*(_window(predictor, baseline, data, model, i, windows, spec) for i in range(windows)),
                             strict=True)
    board = predictor.leaderboard(data, extra_metrics=["WQL"])  # score_test: the last test window
    return ForecastFit(predictor, model, spec.horizon, predictor.freq, list(scores), board,
                       time.monotonic() - started, pd.concat(frames, ignore_index=True), _val_windows(predictor))


def _val_windows(predictor: Any) -> int:
    """How many validation windows AutoGluon compared the models on (it picks them with `"auto"`)."""
    try:
        return int(sum(predictor._learner.load_trainer().num_val_windows))  # noqa: SLF001 - no public reader
    except Exception:  # noqa: BLE001 - a number for the page only
        return 1


def _baseline(predictor: Any, train: Any, folder: str) -> Any:
    """The seasonal naive forecast every score is said against: the fitted one when the model set kept it, else
    fitted here on its own (no validation, no time limit: it only repeats the last season), so that a budget
    that ran out before it never leaves a run without its yardstick."""
    from autogluon.timeseries import TimeSeriesPredictor

    if BASELINE in predictor.model_names():
        return predictor
    alone = TimeSeriesPredictor(prediction_length=predictor.prediction_length, target=predictor.target, path=folder,
                                eval_metric="MASE", quantile_levels=list(QUANTILES), freq=predictor.freq,
                                known_covariates_names=list(predictor.known_covariates_names), verbosity=0)
    return alone.fit(train, hyperparameters={BASELINE: {}}, skip_model_selection=True, enable_ensemble=False)


def _window(predictor: Any, baseline_predictor: Any, data: Any, model: str, i: int, windows: int,
            spec: SeriesSpec) -> tuple[WindowScore, pd.DataFrame]:
    """Window `i` (0 = the earliest): the history up to its start, forecast `horizon` steps, against the actuals."""
    horizon = spec.horizon
    end = -(windows - 1 - i) * horizon or None
    upto = data.slice_by_timestep(None, end)
    ours = predictor.evaluate(upto, model=model, metrics=["MASE", "WQL"])
    base = baseline_predictor.evaluate(upto, model=BASELINE, metrics=["MASE", "WQL"])
    history = upto.slice_by_timestep(None, -horizon)
    future = upto.slice_by_timestep(-horizon, None)
    known = future[list(spec.known)] if spec.known else None
    forecast = predictor.predict(history, model=model, known_covariates=known)
    baseline = baseline_predictor.predict(history, model=BASELINE, known_covariates=known)
    actual = future[predictor.target].reindex(forecast.index)
    inside = (actual >= forecast["0.1"]) & (actual <= forecast["0.9"])
    start = forecast.index.get_level_values("timestamp").min()
    frame = pd.DataFrame({"window": i + 1, "actual": actual, "mean": forecast["mean"], "low": forecast["0.1"],
                          "high": forecast["0.9"], "baseline": baseline["mean"].reindex(forecast.index)},
                         index=forecast.index).reset_index()
    return (WindowScore(i + 1, start, -ours["MASE"], -ours["WQL"], -base["MASE"], -base["WQL"],
                        float(inside[actual.notna()].mean())), frame)


def series_errors(backtest: pd.DataFrame) -> pd.DataFrame:
    """Per series over every test window: the mean absolute error of the model and of repeating the last
    season, in the value's own units, best series first."""
    err = backtest.assign(model_error=(backtest["actual"] - backtest["mean"]).abs(),
                          baseline_error=(backtest["actual"] - backtest["baseline"]).abs())
    table = err.groupby("item_id")[["model_error", "baseline_error", "actual"]].mean()
    table = table.rename(columns={"actual": "mean_actual"})
    table["relative"] = table["model_error"] / table["baseline_error"].replace(0, np.nan)
    return table.sort_values("relative").reset_index().rename(columns={"item_id": "series"})


class _Heard(logging.Handler):
    """Tells `on_model` each model AutoGluon starts (its log line "Training timeseries model NAME.")."""

    def __init__(self, on_model: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.on_model = on_model

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Training timeseries model "):
            self.on_model(message.removeprefix("Training timeseries model ").split(".")[0].strip())


@contextmanager
def _stoppable(should_stop: Callable[[], bool] | None) -> Iterator[None]:
    """While fitting: each model AutoGluon is about to train is skipped once `should_stop()` is true (its own
    loop has no stop but the time limit; the ensemble is then fitted over the models already trained).
    The job runs in a process of its own, so replacing the trainer's method for the fit touches nobody else."""
    if should_stop is None:
        yield
        return
    from autogluon.timeseries.trainer.trainer import TimeSeriesTrainer

    from unittest import mock

    original = TimeSeriesTrainer._train_and_save  # noqa: SLF001 - AutoGluon's loop has no stop but the time limit

    def guarded(self, train_data, model, *args, **kwargs):
        if should_stop():
            logging.getLogger(__name__).info("Stop asked: %s is not trained.", model.name)
            return []
        return original(self, train_data, model, *args, **kwargs)

    with mock.patch.object(TimeSeriesTrainer, "_train_and_save", guarded):
        yield


@contextmanager
def _models_heard(on_model: Callable[[str], None] | None) -> Iterator[None]:
    logger = logging.getLogger("autogluon.timeseries")
    handler = _Heard(on_model) if on_model else None
    if handler:
        logger.addHandler(handler)
    try:
        yield
    finally:
        if handler:
            logger.removeHandler(handler)
