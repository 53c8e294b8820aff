"""A forecast run on Evaluate and Predict (issue 32).

Evaluate: the backtest in a sentence against repeating the last season, its numbers (MASE, weighted quantile
loss, how often the 80% band held, the error in the value's own units), each test window, any series' chart of
the window forecasts against what happened, the best and worst series, and the models.
Predict: every series' forecast past the end of its data (mean and 10-90%), a chart per series and the file to
download; with covariates known in advance, a template of the rows to fill, and what-if on them. (Explain is
`ui.forecast_explain`.)
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from automl.data.markdown import code, md
from automl.data.numbers import readable_number
from automl.data.timeseries import step_words
from automl.errors import AutoMLError
from automl.evaluation import forecast as evaluation
from automl.evaluation.forecast_charts import BAND_WORDS, series_figure
from automl.model.forecast_run import ForecastRun, load_forecast_run, split_future
from automl.model.names import plain_model_name
from automl.prediction import forecast as prediction
from automl.store.workspace import RunInfo, Workspace
from ui.loaders import dataset_frame, forecaster, read_upload
from ui.widgets import UPLOAD_TYPES, rounded

__all__ = ["forecast_evaluation", "forecast_prediction", "forecast_header"]


def forecast_header(run: ForecastRun) -> None:
    spec, m = run.spec, run.metrics
    series = (f"{m.get('series', 0):,} series by {code(spec.series_column)}" if spec.series_column
              else "one series")
    st.caption(f"Forecasts {code(spec.value_column)} {step_words(spec.frequency, spec.horizon)} ahead · {series}, "
               f"dated by {code(spec.time_column)} · {m.get('rows', 0):,} rows of history · model in use: "
               f"**{plain_model_name(run.model)}** ({run.model})"
               + (f" · known in advance: {', '.join(code(c) for c in spec.known)}" if spec.known else "")
               + (" · training was stopped early" if m.get("stopped_early") else ""))


def forecast_evaluation(ws: Workspace, root: str, info: RunInfo) -> None:
    run = load_forecast_run(ws, info.id)
    m = run.metrics
    forecast_header(run)
    st.info(m["sentence"])
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("MASE ★", f"{m['mase']:.3f}", delta=f"{_relative(m['mase'], m['baseline_mase'])} vs repeating the season",
              delta_color="inverse",
              help="Mean absolute scaled error: the forecast's error over the error of repeating the last season "
                   f"in the training history. Below 1 beats it; repeating the season scored {m['baseline_mase']:.3f} "
                   "on the same windows.")
    c2.metric("Weighted quantile loss", f"{m['wql']:.3g}", delta=_relative(m["wql"], m["baseline_wql"]),
              delta_color="inverse", help="How well the whole band (10% to 90%) fits, relative to the values' size; "
                                          "lower is better.")
    c3.metric("Inside the 80% band", f"{m['coverage_80']:.0%}",
              help="The share of actual values between the 10% and 90% forecasts; about 80% is a band that keeps "
                   "its promise, far less means it is too narrow.")
    c4.metric(f"Mean error ({md(run.spec.value_column)})", readable_number(m["mae"]),
              delta=f"{readable_number(m['mae'] - m['baseline_mae'])} vs repeating the season", delta_color="inverse")
    st.caption(evaluation.error_words(run) + " ★ the measure the models were chosen by. Every number is from the "
               "test windows at the end of the series, which the models never saw.")
    if abs(m["coverage_80"] - 0.8) > 0.15:
        st.warning(f"The 80% band held {m['coverage_80']:.0%} of the time in the test windows: "
                   + ("too narrow; read its ranges as optimistic." if m["coverage_80"] < 0.8 else
                      "wider than it needs to be; the ranges are cautious."))

    st.subheader("Each test window")
    st.dataframe(rounded(evaluation.windows(run)), hide_index=True, width="stretch",
                 column_config={"inside the 80% band": st.column_config.NumberColumn(format="percent")})

    table = evaluation.series_table(run)
    st.subheader("Forecast against what happened")
    ids = list(table["series"])
    pick = st.selectbox("Series", ids, key=f"evaluate.series.{run.run_id}", index=len(ids) - 1,
                        help="Starts on the series the forecast did worst on, against repeating its season.") \
        if len(ids) > 1 else ids[0]
    history = evaluation.recorded(run, dataset_frame(root, run.config["dataset_id"]))
    shown = history[history["item_id"] == pick]
    windows = evaluation.window_forecasts(run, pick)
    shown = shown[shown["time"] >= _from(shown["time"], windows["time"].min(), 3 * len(windows))]
    st.plotly_chart(series_figure(shown, windows, run.spec.value_column, baseline=True), width="stretch")
    st.caption(f"Each window is forecast from the history before it, as on that day. The shaded {BAND_WORDS} is "
               "where the forecast expects 8 values in 10; the dotted line repeats the last season.")

    st.subheader("By series")
    st.dataframe(rounded(table), hide_index=True, width="stretch",
                 column_config={"error / season's": st.column_config.NumberColumn(
                     help="The forecast's error over repeating the season's: below 1, the forecast does better.")})
    if len(table) > 1:
        best, worst = table.iloc[0], table.iloc[-1]
        st.caption(f"Best: {code(best['series'])}, off by {readable_number(best['forecast error'])} a step on "
                   f"average; worst: {code(worst['series'])}, off by {readable_number(worst['forecast error'])}.")

    st.subheader("Models")
    board = evaluation.leaderboard(run).rename(columns={"test_mase": "test MASE", "val_mase": "validation MASE",
                                                        "fit_time": "fit time (s)", "test_wql": "test WQL"})
    board.insert(1, "kind", board["model"].map(plain_model_name))
    st.dataframe(rounded(board), hide_index=True, width="stretch")
    val = int(run.metrics.get("val_windows") or 1)
    st.caption(f"Chosen by validation MASE, on {val} window(s) before the test: {run.model}. The test column "
               "scores the last test window, for comparison only.")


def _relative(ours: float, baseline: float) -> str:
    """"-12%": how much more (+) or less (-) the forecast errs than the baseline; a difference of 0.000 said
    nothing on a measure whose values are all near 0.05."""
    return f"{ours / baseline - 1:+.0%}" if baseline else "—"


def _from(times: pd.Series, start, points: int):
    """Where a chart starts: `points` steps of history before `start` (a long series drawn whole hides its end)."""
    before = times[times < start].sort_values()
    return before.iloc[-points] if len(before) > points else times.min()


@st.cache_data(show_spinner="Forecasting…", max_entries=16)
def _forecast(root: str, run_id: str, digest: str, _frame: pd.DataFrame) -> pd.DataFrame:
    """The forecast of `_frame` (keyed by `digest`: the rows' content), once per run and rows."""
    from ui.loaders import workspace

    run = load_forecast_run(workspace(root), run_id)
    return prediction.forecast_rows(run, _frame, predictor=forecaster(root, run_id))


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
                          + ",".join(map(str, frame.columns)).encode()).hexdigest()


def forecast_prediction(ws: Workspace, root: str, info: RunInfo, deployment: str | None = None) -> None:
    """Every series' forecast; through a deployment it is kept, to score when the actual values come."""
    run = load_forecast_run(ws, info.id)
    spec = run.spec
    forecast_header(run)
    training = dataset_frame(root, run.config["dataset_id"])
    source = st.radio("Forecast from", ["training", "file"], horizontal=True, key=f"predict.forecast.source.{info.id}",
                      format_func={"training": "the training table's history",
                                   "file": "a newer file (history up to today)"}.get)
    rows = training
    if source == "file":
        upload = st.file_uploader("A file with the same columns", type=UPLOAD_TYPES, key="predict.forecast.file",
                                  help=f"Columns: {', '.join(spec.columns)}. Each series' history; with columns "
                                       "known in advance, then its next rows with those filled and the value empty.")
        if upload is None:
            return
        try:
            rows = read_upload(upload)
        except AutoMLError as exc:
            st.error(str(exc))
            return
    if spec.known:
        rows = _known_rows(run, rows)
        if rows is None:
            return
    digest = _digest(rows)
    try:
        frame = _forecast(root, run.run_id, digest, rows)
    except AutoMLError as exc:
        st.error(str(exc))
        return
    _show(run, rows, frame)
    if deployment:
        from automl.monitoring.forecast_watch import record_forecast

        record_forecast(ws, deployment, run, frame, "app", key=f"{run.run_id}-{digest[:20]}")
        st.caption(f"Kept under deployment **{deployment}**: Monitor scores it when the actual values of these "
                   "times come.")
    if spec.known:
        _what_if(root, run, rows, frame)


def _known_rows(run: ForecastRun, rows: pd.DataFrame) -> pd.DataFrame | None:
    """The history with the coming steps' known values, or None after saying what to add (with a template)."""
    spec = run.spec
    try:
        _, future = split_future(rows, spec)
    except AutoMLError as exc:
        st.error(str(exc))
        return None
    if len(future):
        return rows
    template = prediction.future_template(run, rows)
    st.info(f"This forecast uses {', '.join(code(c) for c in spec.known)}, known in advance: their values for the "
            f"next {step_words(spec.frequency, spec.horizon)} of every series are below, starting from each series' "
            "last values. Change those you know will differ (a promotion, a price), or upload the history with "
            "those rows added.")
    shown = [c for c in spec.columns if c != spec.value_column]
    edited = st.data_editor(prediction.future_template(run, rows, fill_last=True)[shown], hide_index=True,
                            width="stretch", key=f"predict.forecast.future.{run.run_id}",
                            disabled=[c for c in shown if c not in spec.known])
    st.download_button("Download the empty rows as a template", prediction.forecast_csv(template),
                       "future_rows.csv", mime="text/csv", key="predict.forecast.template")
    if edited[list(spec.known)].isna().any().any():
        st.caption("Fill every empty cell of the known columns to see the forecast.")
        return None
    return pd.concat([rows, edited.assign(**{spec.value_column: float("nan")})], ignore_index=True)


def _show(run: ForecastRun, rows: pd.DataFrame, frame: pd.DataFrame) -> None:
    spec = run.spec
    history = evaluation.recorded(run, rows)
    ids = list(dict.fromkeys(history["item_id"]))
    st.subheader("The forecast")
    pick = st.selectbox("Series", ids, key=f"predict.forecast.series.{run.run_id}") if len(ids) > 1 else ids[0]
    shown = history[history["item_id"] == pick]
    ahead = prediction.as_chart(frame, run, pick)
    shown = shown[shown["time"] >= _from(shown["time"], ahead["time"].min(), 4 * spec.horizon)]
    st.plotly_chart(series_figure(shown, ahead, spec.value_column), width="stretch")
    st.caption(f"The line is the forecast (the mean); the shaded {BAND_WORDS} is where 8 values in 10 should fall. "
               f"In the test windows it held {run.metrics['coverage_80']:.0%} of the time.")
    st.dataframe(rounded(frame), hide_index=True, width="stretch")
    st.download_button("Download the forecast (CSV)", prediction.forecast_csv(frame), f"forecast_{run.run_id}.csv",
                       mime="text/csv", type="primary", key="predict.forecast.download")


def _what_if(root: str, run: ForecastRun, rows: pd.DataFrame, frame: pd.DataFrame) -> None:
    """Change the coming steps' known values of one series and see the forecast move (or be told it does not)."""
    spec = run.spec
    _, future = split_future(rows, spec)
    st.subheader("What if?")
    ids = list(dict.fromkeys(future["item_id"]))
    pick = st.selectbox("Series to change", ids, key=f"predict.forecast.whatif.series.{run.run_id}") \
        if len(ids) > 1 else ids[0]
    own = future[future["item_id"] == pick][[c for c in spec.columns if c != spec.value_column]]
    edited = st.data_editor(own.reset_index(drop=True), hide_index=True, width="stretch",
                            key=f"predict.forecast.whatif.{run.run_id}.{pick}",
                            disabled=[c for c in own.columns if c not in spec.known])
    if edited.equals(own.reset_index(drop=True)):
        st.caption(f"Change a value of {', '.join(code(c) for c in spec.known)} above to see the forecast move.")
        return
    changed = rows.copy()
    times = pd.to_datetime(changed[spec.time_column], format="mixed")
    for record in edited.to_dict("records"):
        at = times == pd.Timestamp(record[spec.time_column])
        if spec.series_column:
            at &= changed[spec.series_column].astype(str) == pick
        for c in spec.known:
            changed.loc[at, c] = record[c]
    try:
        moved = _forecast(root, run.run_id, _digest(changed), changed)
    except AutoMLError as exc:
        st.error(str(exc))
        return
    before, after = prediction.as_chart(frame, run, pick), prediction.as_chart(moved, run, pick)
    shift = (after["mean"].to_numpy() - before["mean"].to_numpy())
    if abs(shift).max() < 1e-9 * max(1.0, abs(before["mean"]).max()):
        st.warning(f"The forecast does not move: the model in use ({plain_model_name(run.model)}) does not use "
                   f"{', '.join(code(c) for c in spec.known)}. Models on lagged values (LightGBM) and the neural "
                   "networks use them; a statistical model ignores them.")
        return
    compare = pd.DataFrame({"time": before["time"].dt.strftime("%Y-%m-%d"), "forecast": before["mean"].to_numpy(),
                            "what if": after["mean"].to_numpy(), "change": shift})
    st.dataframe(rounded(compare), hide_index=True, width="stretch")
    st.caption(f"Over the {step_words(spec.frequency, spec.horizon)}, the forecast moves by "
               f"{readable_number(float(shift.sum()))} {code(spec.value_column)} in all.")

