"""What to forecast, checked before a job starts (issue 32): each thing that would break a forecast is refused
here in one sentence with its fix, not in the job a minute later. Does not import AutoGluon.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd

from automl.data.markdown import code
from automl.data.timeseries import MIN_POINTS, SeriesShape, describe_series, step_words, time_columns
from automl.errors import ConfigError, TargetError
from automl.model.forecast_run import FORECAST
from automl.model.run_files import RunFiles
from automl.store import atomic, jobs
from automl.store.workspace import RunInfo, Workspace
from automl.training.forecast import choosing_words
from automl.training.forecast_models import MODEL_SET_WORDS, MODEL_SETS

__all__ = ["ForecastConfig", "resolve_forecast", "start_forecast", "forecast_preflight", "MAX_HORIZON",
           "MIN_FORECAST_BUDGET"]

MAX_HORIZON = 1000
MIN_FORECAST_BUDGET = 20


@dataclass(frozen=True)
class ForecastConfig:
    """A forecast to train: the value (`label`) of each series by `time_column`, `horizon` steps ahead."""

    dataset_id: str
    label: str                          # the value to forecast
    time_column: str
    horizon: int
    series_column: str | None = None
    known: tuple[str, ...] = ()         # known in advance for the future too
    static: tuple[str, ...] = ()        # one value per series
    preset: str = "medium"              # a model set (automl.training.forecast_models)
    time_limit: int = 120
    windows: int = 2                    # test windows at the end of every series
    seed: int = 0
    frequency: str | None = None        # found by `resolve_forecast`
    task: str = FORECAST
    problem_type: str = FORECAST
    eval_metric: str = "MASE"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["known"], d["static"] = list(self.known), list(self.static)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ForecastConfig":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        known["known"], known["static"] = tuple(known.get("known") or ()), tuple(known.get("static") or ())
        return cls(**known)


def resolve_forecast(ws: Workspace, config: ForecastConfig) -> tuple[ForecastConfig, SeriesShape]:
    """The config with the frequency found, and the series' shape; one sentence and a fix for what cannot work."""
    df = ws.load_dataset(config.dataset_id)
    dates = time_columns(df)
    if not dates:
        raise ConfigError("This table has no column of dates, so there is nothing to forecast along; a forecast "
                          "needs a date or time in every row.")
    if config.time_column not in dates:
        raise ConfigError(f"{code(config.time_column)} is not a column of dates; choose one of "
                          f"{', '.join(code(c) for c in dates)}.")
    _check_columns(df, config)
    if not 1 <= config.horizon <= MAX_HORIZON:
        raise ConfigError(f"The horizon must be from 1 to {MAX_HORIZON:,} steps ahead.")
    if config.preset not in MODEL_SETS:
        raise ConfigError(f"No forecasting model set {config.preset!r}; choose one of {', '.join(MODEL_SETS)}.")
    if config.time_limit < MIN_FORECAST_BUDGET:
        raise ConfigError(f"The time budget must be at least {MIN_FORECAST_BUDGET} seconds.")
    if not 1 <= config.windows <= 10:
        raise ConfigError("Test windows must be from 1 to 10.")
    shape = describe_series(df, config.time_column, config.series_column, config.label, config.horizon)
    for problem in shape.problems:
        if problem.kind in ("duplicates", "irregular"):
            raise ConfigError(f"{problem.sentence} {problem.fix}")
    steps = shape.step_words
    need = (config.windows + 1) * config.horizon + MIN_POINTS
    if shape.longest < need:
        raise ConfigError(f"The horizon is too long for the history: the longest series has {steps(shape.longest)}, "
                          f"and forecasting {steps(config.horizon)} checked on {config.windows} window(s) of its own "
                          f"past needs at least {steps(need)}; forecast fewer steps ahead or use fewer test windows.")
    if shape.shortest < MIN_POINTS:
        raise ConfigError(f"Some series have fewer than {MIN_POINTS} points (the shortest has "
                          f"{step_words(shape.frequency, shape.shortest)}): too short to learn from. Drop them "
                          "(Clean: keep rows where …), or give them more history.")
    return replace(config, frequency=shape.frequency), shape


def _check_columns(df: pd.DataFrame, config: ForecastConfig) -> None:
    names = {"value to forecast": [config.label], "series column": [config.series_column] if config.series_column
             else [], "known-in-advance column": list(config.known), "series description": list(config.static)}
    for what, columns in names.items():
        for c in columns:
            if c not in df.columns:
                raise ConfigError(f"The {what} {code(c)} is not a column of this table.")
    used = [config.time_column, config.label, config.series_column, *config.known, *config.static]
    twice = sorted({c for c in used if c and used.count(c) > 1})
    if twice:
        raise ConfigError(f"{code(twice[0])} is given two roles; each column is the time, the value, the series, "
                          "known in advance or a description of its series, not two of these.")
    if not pd.api.types.is_numeric_dtype(df[config.label]) or pd.api.types.is_bool_dtype(df[config.label]):
        raise TargetError(f"{code(config.label)} holds text; the value to forecast must be a number.")
    for c in config.known:
        if df[c].isna().any():
            raise ConfigError(f"{code(c)} is missing in some rows; a column known in advance must be known in "
                              "every row (fill it on Clean, or leave it out).")
    if config.static:
        keys = df[config.series_column] if config.series_column else pd.Series(0, index=df.index)
        varies = [c for c in config.static if (df.groupby(keys)[c].nunique(dropna=False) > 1).any()]
        if varies:
            raise ConfigError(f"{code(varies[0])} changes within a series, so it does not describe the series; "
                              "make it known in advance instead, or leave it out.")


def start_forecast(ws: Workspace, config: ForecastConfig) -> RunInfo:
    """Validate, record the run and start its job (queued behind another training, as tables are)."""
    resolved, _ = resolve_forecast(ws, config)
    run_id = jobs.new_job_id("run")
    ws.add_run(run_id, resolved.dataset_id, resolved.to_dict(), job_kind="train")
    atomic.write_json(RunFiles(ws.run_dir(run_id)).config, resolved.to_dict())
    jobs.start(ws, "train", job_id=run_id)
    return ws.get_run(run_id)


def forecast_preflight(ws: Workspace, config: ForecastConfig) -> list[str]:
    """What will happen, in words, before it starts (raises what `resolve_forecast` raises)."""
    import psutil

    _, shape = resolve_forecast(ws, config)
    info = ws.get_dataset(config.dataset_id)
    from automl.training.config import detect_gpus

    test = config.windows * config.horizon
    lines = [shape.in_words(),
             f"{info.rows:,} rows, {shape.series:,} series of {step_words(shape.frequency, shape.shortest)} to "
             f"{step_words(shape.frequency, shape.longest)}.",
             f"Test: the last {step_words(shape.frequency, test)} of every series ({config.windows} window(s) of "
             f"{step_words(shape.frequency, config.horizon)}), kept from the models and forecast as if on that day.",
             f"Models: {MODEL_SET_WORDS[config.preset]} — "
             f"{', '.join(MODEL_SETS[config.preset])}; none downloads anything.",
             f"Choosing: {choosing_words(config.time_limit)}.",
             f"Memory available: {psutil.virtual_memory().available / 2**20:,.0f} MB (the table takes "
             f"{info.rows * max(1, info.cols) * 8 / 2**20:,.1f} MB).",
             "GPU: " + ("the neural networks (DeepAR, PatchTST, TiDE, TFT) train on it."
                        if detect_gpus() else "none; every model trains on the CPU.")]
    lines += [f"Note: {p.sentence} {p.fix}" for p in shape.problems]
    if config.known:
        lines.append(f"Known in advance: {', '.join(code(c) for c in config.known)} — to forecast, give their "
                     "values for the coming steps (rows past the end of the data with the value left empty).")
    return lines
