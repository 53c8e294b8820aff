"""The Train page's forecast form (issue 32): the value to forecast, its series, how far ahead in the calendar's
words, the columns known in advance and those that describe a series, the model set and budget, the pre-flight
check in words, and the button that starts the job. The choices are kept with the dataset, so a refresh or a
later visit opens the same form."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from automl.data import datasets
from automl.data.timeseries import SeriesShape, step_unit, step_words, time_columns, usual_horizon
from automl.errors import AutoMLError
from automl.store.workspace import DatasetInfo, Workspace
from automl.training.forecast_config import (MAX_HORIZON, MIN_FORECAST_BUDGET, ForecastConfig, start_forecast)
from automl.training.forecast_models import MODEL_SET_WORDS
from ui.loaders import forecast_check, series_shape
from ui.state import AppState

__all__ = ["forecast_form", "TASK_WORDS"]

TASK_WORDS = {"table": "Predict a column for each row",
              "forecast": "Forecast a value over time (sales, demand, visitors…)"}
_META = "forecast"  # the dataset's meta key holding the last forecast set up for it


def _numbers(df: pd.DataFrame, skip: set[str]) -> list[str]:
    return [c for c in df.columns if c not in skip and pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c])]


def _pick(options: list, wanted, fallback=None):
    return options.index(wanted) if wanted in options else (options.index(fallback) if fallback in options else 0)


def forecast_form(ws: Workspace, state: AppState, dataset: DatasetInfo, df: pd.DataFrame,
                  shape: SeriesShape) -> None:
    """Set up a forecast of `dataset` (whose date columns `shape` read) and start it."""
    saved = dataset.meta.get(_META) or {}
    key = f"forecast.{dataset.id}"
    times = time_columns(df)
    time_column = st.selectbox("Date column", times, key=f"{key}.time",
                               index=_pick(times, saved.get("time_column"), shape.time_column),
                               help="The time of each row; each series has at most one row per time.")
    numbers = _numbers(df, {time_column})
    if not numbers:
        st.error("No column of this table holds numbers, so there is no value to forecast.")
        return
    target = datasets.chosen_target(ws, dataset)
    value = st.selectbox("Value to forecast", numbers, key=f"{key}.value",
                         index=_pick(numbers, saved.get("label"), target if target in numbers else shape.value_column))
    kinds = [c for c in df.columns if c not in (time_column, value) and not pd.api.types.is_float_dtype(df[c])
             and not pd.api.types.is_datetime64_any_dtype(df[c])]
    found = shape.series_column if shape.time_column == time_column else None
    series_options = [None, *kinds]
    series = st.selectbox("Column naming each series (a store, product, region)", series_options,
                          key=f"{key}.series",
                          index=_pick(series_options, saved.get("series_column", found), found),
                          format_func=lambda c: "— the whole table is one series —" if c is None else c)
    seen = series_shape(state.workspace_root, dataset.id, time_column, series, value)
    unit = step_unit(seen.frequency)
    c1, c2 = st.columns(2)
    with c1:
        windows = int(saved.get("windows") or 2)
        first = usual_horizon(seen.frequency, seen.longest, windows)
        horizon = st.number_input(f"How far ahead ({unit})", min_value=1, max_value=MAX_HORIZON, step=1,
                                  value=int(saved.get("horizon") or first), key=f"{key}.horizon")
        st.caption(f"Forecast the next {step_words(seen.frequency, int(horizon))} of every series.")
    with c2:
        preset = st.radio("Models", list(MODEL_SET_WORDS), format_func=lambda k: MODEL_SET_WORDS[k].split(":")[0],
                          horizontal=True, key=f"{key}.preset",
                          index=_pick(list(MODEL_SET_WORDS), saved.get("preset"), "medium"))
        st.caption(MODEL_SET_WORDS[preset])
        time_limit = st.number_input("Time budget (seconds)", min_value=MIN_FORECAST_BUDGET, max_value=24 * 3600,
                                     step=10, value=int(saved.get("time_limit") or 120), key=f"{key}.budget")
    others = [c for c in df.columns if c not in (time_column, value, series)]
    known = st.multiselect("Known in advance for the coming steps (prices, promotions, holidays…)", others,
                           default=[c for c in saved.get("known", []) if c in others], key=f"{key}.known",
                           help="Columns whose future values you will have when you ask for a forecast. To "
                                "forecast, add rows after the end of each series with these filled and the value "
                                "left empty.")
    static = st.multiselect("Describe each series (one value per series: region, category…)",
                            [c for c in others if c not in known],
                            default=[c for c in saved.get("static", []) if c in others and c not in known],
                            key=f"{key}.static")
    with st.expander("Advanced"):
        windows = int(st.number_input("Test windows at the end of every series", 1, 5, windows, key=f"{key}.windows",
                                      help="Each is forecast as if on the day it starts, from the history before "
                                           "it, and scored; more windows give a steadier measure but keep more "
                                           "of the end of every series from the models."))
        seed = int(st.number_input("Random seed", value=int(saved.get("seed") or 0), step=1, key=f"{key}.seed"))
    config = ForecastConfig(dataset.id, value, time_column, int(horizon), series, tuple(known), tuple(static),
                            preset, int(time_limit), windows, seed)
    choice = config.to_dict()
    if saved != choice:  # kept with the dataset: a refresh opens this form as it was left
        ws.update_dataset_meta(dataset.id, **{_META: choice})
    ready = _preflight(state.workspace_root, choice)
    if st.button("Train the forecast", type="primary", key=f"{key}.start", disabled=not ready):
        try:
            run = start_forecast(ws, config)
        except AutoMLError as exc:
            st.error(str(exc))
        else:
            state.run_id = run.id


def _preflight(root: str, choice: dict) -> bool:
    """The check in words; False (and the one sentence) when the forecast cannot be trained as set up."""
    with st.container(border=True):
        st.markdown("**Pre-flight check**")
        try:
            lines = forecast_check(root, json.dumps(choice))
        except AutoMLError as exc:
            st.error(str(exc))
            return False
        for line in lines:
            st.markdown(f"- {line}")
    return True
