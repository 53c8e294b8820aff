"""Forecasting with a run (issue 32): every series of a table, past the end of its history.

The table is read as training read it (`automl.model.forecast_run`): history up to each series' last known
value; with covariates known in advance, the rows after it give their values for the coming steps. The answer
is one row per series and future time: the forecast (the mean) and its quantiles, 10% to 90%.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from automl.data.markdown import code
from automl.data.timeseries import step_words
from automl.errors import SchemaMismatchError
from automl.model.forecast_run import ForecastRun, future_frame, load_forecaster, series_frame, split_future
from automl.prediction.writer import CsvWriter
from automl.training.forecast_models import hub_offline

__all__ = ["forecast_rows", "QUANTILE_COLUMNS", "forecast_columns", "save_forecast"]

QUANTILE_COLUMNS = {f"0.{i}": f"p{i}0" for i in range(1, 10)}  # AutoGluon's names -> the file's


def forecast_columns(run: ForecastRun) -> list[str]:
    """The columns of a forecast file, in order."""
    spec = run.spec
    return [c for c in (spec.series_column, spec.time_column) if c] + ["forecast", *QUANTILE_COLUMNS.values()]


def forecast_rows(run: ForecastRun, df: pd.DataFrame, predictor: Any = None, model: str | None = None) -> pd.DataFrame:
    """The forecast of every series of `df` for the run's horizon past its last known value (by the run's model,
    or `model` of its leaderboard)."""
    spec = run.spec
    history, future = split_future(df, spec)
    if history.empty:
        raise SchemaMismatchError(f"No row has a value of {code(spec.value_column)}: a forecast starts from the "
                                  "history of each series.")
    known = None
    if spec.known:
        counts = future.groupby("item_id").size().reindex(history["item_id"].unique(), fill_value=0)
        short = counts[counts < spec.horizon]
        if len(short):
            raise SchemaMismatchError(
                f"This forecast uses {', '.join(code(c) for c in spec.known)}, known in advance: add "
                f"{step_words(spec.frequency, spec.horizon)} of rows after the last value of each series, with those "
                f"columns filled and {code(spec.value_column)} left empty ({len(short):,} series lack them"
                + (f", e.g. {short.index[0]!r})." if spec.series_column else ")."))
        known = future_frame(future, spec)
    predictor = predictor if predictor is not None else load_forecaster(run)
    try:
        with hub_offline():
            out = predictor.predict(series_frame(history, spec), known_covariates=known, model=model or run.model)
    except ValueError as exc:  # AutoGluon's own check of the rows (a step off the frequency, covariates missing)
        raise SchemaMismatchError(f"The rows cannot be forecast as given: {exc}") from exc
    return _as_file(out.reset_index(), run, history)


def _as_file(out: pd.DataFrame, run: ForecastRun, history: pd.DataFrame) -> pd.DataFrame:
    spec = run.spec
    frame = out.rename(columns={"mean": "forecast", "timestamp": spec.time_column, **QUANTILE_COLUMNS})
    if spec.series_column:  # the series' own values (numbers stay numbers), not AutoGluon's strings
        names = history.drop_duplicates("item_id").set_index("item_id")[spec.series_column]
        frame[spec.series_column] = frame["item_id"].map(names)
    times = frame[spec.time_column]
    if (times == times.dt.normalize()).all():  # dates without a time of day, written as dates
        frame[spec.time_column] = times.dt.strftime("%Y-%m-%d")
    return frame[forecast_columns(run)]


def save_forecast(frame: pd.DataFrame, path: str | Path) -> None:
    """The forecast as a CSV file, through the one formula-safe writer."""
    with CsvWriter(Path(path)) as writer:
        writer.put(frame)
