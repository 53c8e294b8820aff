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

__all__ = ["forecast_rows", "QUANTILE_COLUMNS", "forecast_columns", "save_forecast", "forecast_csv",
           "future_template", "as_chart"]

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
    return pd.DataFrame(frame[forecast_columns(run)])  # a plain frame, not AutoGluon's subclass


def future_template(run: ForecastRun, df: pd.DataFrame, fill_last: bool = False) -> pd.DataFrame:
    """The rows a forecast with covariates known in advance asks for: each series' next `horizon` times after its
    last value, the known columns empty to fill (`fill_last`: each series' last values, to change), the value
    empty. Appended to the history, it can be forecast."""
    spec = run.spec
    history, _ = split_future(df, spec)
    last = history.groupby("item_id").agg(**{"_last": (spec.time_column, "max")})
    if spec.series_column:
        last[spec.series_column] = history.drop_duplicates("item_id").set_index("item_id")[spec.series_column]
    rows = []
    for _, row in last.iterrows():
        times = pd.date_range(row["_last"], periods=spec.horizon + 1, freq=spec.frequency)[1:]
        part = pd.DataFrame({spec.time_column: times})
        if spec.series_column:
            part.insert(0, spec.series_column, row[spec.series_column])
        rows.append(part)
    frame = pd.concat(rows, ignore_index=True)
    frame[spec.value_column] = float("nan")
    latest = history.drop_duplicates("item_id", keep="last").set_index(spec.series_column or "item_id")
    for c in spec.known:  # numbers stay numbers (an editor then takes numbers), each empty unless filled
        empty = float("nan") if pd.api.types.is_numeric_dtype(history[c]) else None
        frame[c] = empty
        if fill_last:
            frame[c] = frame[spec.series_column].map(latest[c]) if spec.series_column else latest[c].iloc[0]
    for c in spec.static:  # a series' description is known already: carried from its history
        frame[c] = frame[spec.series_column].map(latest[c]) if spec.series_column else latest[c].iloc[0]
    times = frame[spec.time_column]
    if (times == times.dt.normalize()).all():
        frame[spec.time_column] = times.dt.strftime("%Y-%m-%d")
    return frame[spec.columns]


def as_chart(frame: pd.DataFrame, run: ForecastRun, series: str) -> pd.DataFrame:
    """One series of a forecast file (`forecast_rows`) as the chart reads it: `time`, `mean`, `low`, `high`."""
    spec = run.spec
    part = frame if not spec.series_column else frame[frame[spec.series_column].astype(str) == series]
    return pd.DataFrame({"time": pd.to_datetime(part[spec.time_column]), "mean": part["forecast"],
                         "low": part["p10"], "high": part["p90"]})


def forecast_csv(frame: pd.DataFrame) -> bytes:
    """A forecast file's bytes, formula-safe, for a download button."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "forecast.csv"
        save_forecast(frame, path)
        return path.read_bytes()


def save_forecast(frame: pd.DataFrame, path: str | Path) -> None:
    """The forecast as a CSV file, through the one formula-safe writer."""
    with CsvWriter(Path(path)) as writer:
        writer.put(frame)
