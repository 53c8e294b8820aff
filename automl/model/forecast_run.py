"""The run contract of a forecast (issue 32): which columns are what, how rows become AutoGluon's series frame,
and the signed model read back once verified.

A forecast run's folder holds the same signed files as a table's where they mean the same (the predictor,
`metrics.json`, `model.json`; `run_files.SIGNED` covers them) and its results beside them (the backtest's
forecasts and per-series errors, the forecast past the end of the data). Training, prediction, evaluation,
the CLI and the pages all turn rows into series through `series_frame` here, so a file given to predict is
read as training read the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from automl.data.markdown import code
from automl.errors import RunNotReadyError, SchemaMismatchError, TaskKindError
from automl.model.run_files import FORECAST, SIGNED, RunFiles
from automl.model.signing import copy_verified, signing_key
from automl.store import atomic, private
from automl.store.workspace import Workspace

__all__ = ["FORECAST", "SeriesSpec", "ForecastRun", "series_frame", "split_future", "future_frame",
           "load_forecast_run", "load_forecaster", "is_forecast", "BACKTEST", "SERIES_ERRORS", "FORECAST_FILE",
           "WINDOWS_FILE"]

BACKTEST = "backtest.parquet"   # each test window's forecast (mean, quantiles) beside the actual, per series
SERIES_ERRORS = "series_errors.parquet"  # per series: mean absolute error of the model and of the baseline
FORECAST_FILE = "forecast.parquet"       # the forecast past the end of the training data (no known covariates)
WINDOWS_FILE = "windows.json"            # the backtest in numbers and words
_ITEM, _TIME = "item_id", "timestamp"
_ONE = "series"  # the id of the only series when the table has no series column


def is_forecast(run_or_config: Any) -> bool:
    """Whether a run (a `RunInfo`, a `ForecastRun`, or its config as a dict) is a forecast."""
    config = run_or_config if isinstance(run_or_config, Mapping) else getattr(run_or_config, "config", {})
    return (config or {}).get("task") == FORECAST or getattr(run_or_config, "problem_type", None) == FORECAST


@dataclass(frozen=True)
class SeriesSpec:
    """What each column of the table is to the forecast."""

    time_column: str
    value_column: str
    horizon: int
    series_column: str | None = None
    known: tuple[str, ...] = ()      # known in advance (prices, promotions, holidays): given for the future too
    static: tuple[str, ...] = ()     # describe a series, one value per series (region, store size)
    frequency: str | None = None     # pandas' name, as AutoGluon read it (set once trained)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "SeriesSpec":
        return cls(time_column=config["time_column"], value_column=config["label"], horizon=int(config["horizon"]),
                   series_column=config.get("series_column"), known=tuple(config.get("known") or ()),
                   static=tuple(config.get("static") or ()), frequency=config.get("frequency"))

    @property
    def columns(self) -> list[str]:
        """The columns a file given to predict must have."""
        return [c for c in (self.series_column, self.time_column, self.value_column, *self.known, *self.static) if c]


def _typed(df: pd.DataFrame, spec: SeriesSpec) -> pd.DataFrame:
    """The spec's columns, checked and typed as training read them: times as dates, the value as a number."""
    lacking = [c for c in spec.columns if c not in df.columns]
    if lacking:
        raise SchemaMismatchError(f"The rows lack the column(s) {', '.join(code(c) for c in lacking)} the forecast "
                                  "was trained with.")
    frame = df[spec.columns].copy()
    if not pd.api.types.is_datetime64_any_dtype(frame[spec.time_column]):
        times = pd.to_datetime(frame[spec.time_column], errors="coerce", format="mixed")
        bad = frame[spec.time_column][times.isna() & frame[spec.time_column].notna()]
        if len(bad):
            raise SchemaMismatchError(f"{code(spec.time_column)} holds {str(bad.iloc[0])!r}, which is not a date; "
                                      "give every row a date like the training table's.")
        frame[spec.time_column] = times
    if frame[spec.time_column].isna().any():
        raise SchemaMismatchError(f"{int(frame[spec.time_column].isna().sum()):,} row(s) have no "
                                  f"{code(spec.time_column)}; give every row its date.")
    if not pd.api.types.is_numeric_dtype(frame[spec.value_column]):
        values = pd.to_numeric(frame[spec.value_column], errors="coerce")
        if (values.isna() & frame[spec.value_column].notna()).any():
            raise SchemaMismatchError(f"{code(spec.value_column)} holds text; the value to forecast must be a number.")
        frame[spec.value_column] = values
    frame[_ITEM] = frame[spec.series_column].astype(str) if spec.series_column else _ONE
    return frame.sort_values([_ITEM, spec.time_column], kind="stable")


def split_future(df: pd.DataFrame, spec: SeriesSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """History (up to each series' last known value) and the rows after it (known covariates of the future)."""
    frame = _typed(df, spec)
    times = frame[spec.time_column]
    last = times.where(frame[spec.value_column].notna()).groupby(frame[_ITEM]).transform("max")
    future = times > last
    return frame[~future], frame[future]


def series_frame(df: pd.DataFrame, spec: SeriesSpec):
    """Rows as AutoGluon's long series frame: value and known covariates per time, static features per series."""
    from autogluon.timeseries import TimeSeriesDataFrame

    frame = _typed(df, spec).rename(columns={spec.time_column: _TIME})
    if spec.series_column and frame.duplicated([_ITEM, _TIME]).any():
        raise SchemaMismatchError(f"Some {code(spec.series_column)} have the same {code(spec.time_column)} twice; "
                                  "a forecast needs one value per series and time (aggregate them first).")
    if not spec.series_column and frame.duplicated([_TIME]).any():
        raise SchemaMismatchError(f"Some {code(spec.time_column)} appear twice; a single series needs one value per "
                                  "time (name the column that tells the series apart, or aggregate them).")
    data = TimeSeriesDataFrame.from_data_frame(frame[[_ITEM, _TIME, spec.value_column, *spec.known]])
    if spec.static:
        data.static_features = frame.groupby(_ITEM)[list(spec.static)].first()
    return data


def future_frame(rows: pd.DataFrame, spec: SeriesSpec):
    """The known covariates of the future rows (from `split_future`), as AutoGluon takes them."""
    from autogluon.timeseries import TimeSeriesDataFrame

    frame = _typed(rows, spec).rename(columns={spec.time_column: _TIME})
    return TimeSeriesDataFrame.from_data_frame(frame[[_ITEM, _TIME, *spec.known]])


@dataclass(frozen=True)
class ForecastRun:
    """A forecast run's files, read once."""

    run_id: str
    run_dir: Path
    config: dict[str, Any]
    metrics: dict[str, Any]
    key: bytes = field(default=b"", repr=False, compare=False)

    @property
    def files(self) -> RunFiles:
        return RunFiles(self.run_dir)

    @property
    def spec(self) -> SeriesSpec:
        return SeriesSpec.from_config({**self.config, "frequency": self.metrics.get("frequency")})

    @property
    def model(self) -> str:
        """The model chosen on the validation windows, before the test."""
        return str(self.metrics["best_model"])

    def result(self, name: str) -> Path:
        return self.run_dir / name


def load_forecast_run(ws: Workspace, run_id: str, key_file: str | None = None) -> ForecastRun:
    """The forecast run's snapshot, or why there is none (still training, failed, not a forecast)."""
    run = ws.get_run(run_id)
    files = RunFiles(ws.run_dir(run_id))
    if not is_forecast(run):
        raise TaskKindError(f"Run {run_id} predicts {code(run.label)} for each row of a table; it makes no "
                            "forecast. Pick a forecast run.")
    if run.status not in ("succeeded", "stopped") or not files.model.exists():
        raise RunNotReadyError(f"Run {run_id} is {run.status}; it has no forecast to use. Pick a finished run.")
    return ForecastRun(run_id, files.root, run.config, atomic.read_json(files.metrics) or {},
                       signing_key(ws.secret_key(), key_file))


def load_forecaster(run: ForecastRun):
    """The TimeSeriesPredictor, loaded from a private copy once every signed file's hash matches."""
    from autogluon.timeseries import TimeSeriesPredictor

    folder = private.private_folder("model")
    try:
        copy_verified(run.run_dir, run.key, f"The model of run {run.run_id}", SIGNED, folder)
        predictor = TimeSeriesPredictor.load(str(RunFiles(folder).predictor), require_version_match=False)
    except BaseException:
        private.remove(folder)
        raise
    private.remove_with(predictor, folder)
    return predictor
