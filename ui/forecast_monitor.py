"""Monitor for a deployment that serves a forecast (issue 32): the forecasts made through it, each scored once the
actual values of its times come (uploaded here, or `automl-studio actuals NAME FILE`), against the backtest's
error, with an alert when one errs far more; and a challenger retrained on the newer history."""

from __future__ import annotations

import streamlit as st

from automl.data.markdown import code
from automl.errors import AutoMLError
from automl.evaluation.forecast_charts import error_figure
from automl.monitoring.forecast_watch import DEGRADED, add_forecast_actuals, forecast_watch, retrain_forecast
from automl.store.workspace import Workspace
from ui.loaders import read_upload
from ui.state import AppState
from ui.widgets import UPLOAD_TYPES, rounded

__all__ = ["forecast_monitor"]


def forecast_monitor(ws: Workspace, state: AppState, name: str) -> None:
    run = ws.get_run(ws.get_deployment(name).run_id)
    st.caption(f"**{name}** serves the forecast of {code(run.label)} of run `{run.id}`. Each forecast made through "
               "it (Predict through the deployment, or `automl-studio predict NAME FILE`) is kept (the forecast and "
               "its band, never the history it came from) and scored when the actual values of its times come.")
    _actuals(ws, name)
    seen = forecast_watch(ws, name, run.label)
    if seen.table.empty:
        st.info(f"No forecast made through {name} yet. On **Predict**, choose *Predict through* deployment "
                f"\"{name}\", or run `automl-studio predict {name} FILE --out FORECAST.csv`.")
        if st.button(f"Forecast through {name} on Predict", key="monitor.forecast.to_predict"):
            st.session_state["predict.via"] = name
            st.switch_page("pages/predict.py")
    else:
        for alert in seen.alerts:
            st.warning(alert)
        if not seen.alerts and (seen.table["steps with actuals"] > 0).any():
            st.success(f"Every forecast scored so far errs less than {DEGRADED:g} times its backtest's error.")
        if (seen.table["steps with actuals"] > 0).any():
            st.plotly_chart(error_figure(seen.table, seen.backtest_mae, run.label), width="stretch")
        st.dataframe(rounded(seen.table), hide_index=True, width="stretch")
    _retrain(ws, state, name)


def _actuals(ws: Workspace, name: str) -> None:
    upload = st.file_uploader("Actual values that have come in (the series, the time and the value, as in "
                              "training)", type=UPLOAD_TYPES, key=f"monitor.forecast.actuals.{name}")
    if upload is None:
        return
    done = st.session_state.setdefault("monitor.forecast.done", {})
    if done.get(name) != upload.file_id:  # once per upload, not on every redraw
        try:
            report = add_forecast_actuals(ws, name, read_upload(upload))
        except AutoMLError as exc:
            st.error(str(exc))
            return
        done[name] = upload.file_id
        st.session_state[f"monitor.forecast.report.{name}"] = " ".join(report.lines())
    st.success(st.session_state.get(f"monitor.forecast.report.{name}", ""))


def _retrain(ws: Workspace, state: AppState, name: str) -> None:
    with st.expander("Retrain on the newer history (a challenger)"):
        st.caption("The champion's forecast settings trained again on its history with the rows of this file added "
                   "(a newer value of the same series and time replaces the old one). Compare its backtest on "
                   "Evaluate; serve it instead on Deploy.")
        upload = st.file_uploader("Newer history", type=UPLOAD_TYPES, key=f"monitor.forecast.retrain.{name}")
        if upload is not None and st.button("Train the challenger", type="primary",
                                            key=f"monitor.forecast.retrain.start.{name}"):
            try:
                run = retrain_forecast(ws, name, read_upload(upload))
            except AutoMLError as exc:
                st.error(str(exc))
                return
            state.run_id = run.id
            st.success(f"Challenger `{run.id}` is training; follow it on Train.")
            st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
