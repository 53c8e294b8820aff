"""Explain for a forecast run (issue 32): which columns known in advance or describing a series each model uses
(a background `importance` job), or why there is nothing to rank."""

from __future__ import annotations

import streamlit as st

from automl.data.markdown import code
from automl.evaluation.forecast_importance import SHUFFLES, importance_words, load_forecast_importance
from automl.model.forecast_run import load_forecast_run
from automl.model.names import plain_model_name
from automl.store import jobs
from automl.store.workspace import RunInfo, Workspace
from ui.forecast_views import forecast_header
from ui.widgets import job_progress, rounded

__all__ = ["forecast_explanation"]


def forecast_explanation(ws: Workspace, info: RunInfo) -> None:
    """Which columns the forecast uses, per model (a background job), or why there is nothing to rank."""
    run = load_forecast_run(ws, info.id)
    forecast_header(run)
    spec = run.spec
    columns = [*spec.known, *spec.static]
    if not columns:
        st.info(f"This forecast reads only each series' own past values of {code(spec.value_column)}: no other "
                "column goes into it, so there is nothing to rank. Its patterns (trend, season) are in its chart on "
                "**Evaluate**. To see whether prices, promotions or holidays matter, train a forecast with them as "
                "columns known in advance.")
        return
    found = ws.list_jobs(kind="importance", run_id=run.run_id)
    latest = jobs.refresh(ws, found[0].id) if found else None
    busy = latest is not None and latest.status in jobs.ACTIVE
    st.markdown(f"Which of {', '.join(code(c) for c in columns)} each model uses: each column is shuffled across "
                f"series and times ({SHUFFLES} times) and the last test window forecast again; the more the error "
                "grows, the more the model relies on it.")
    if st.button("Find which columns matter", type="primary", disabled=busy, key="explain.forecast.start"):
        jobs.start(ws, "importance", run_id=run.run_id)
        st.rerun()
    if latest is not None and (busy or latest.status == "failed"):
        job_progress(ws, latest.id, "Shuffling columns", unit="models")
    frame = load_forecast_importance(ws, run.run_id)
    if frame is None:
        return
    models = list(dict.fromkeys(frame["model"]))
    pick = st.selectbox("Model", models, key=f"explain.forecast.model.{run.run_id}",
                        format_func=lambda m: f"{m} (in use)" if m == run.model else m)
    for line in importance_words(frame, pick):
        st.markdown(f"- {line}")
    own = frame[frame["model"] == pick][["column", "mase_increase", "stdev"]]
    st.dataframe(rounded(own.rename(columns={"mase_increase": "MASE increase when shuffled"})), hide_index=True,
                 width="stretch")
    unused = frame.groupby("model")["mase_increase"].apply(lambda s: bool((s.abs() < 1e-9).all()))
    if unused.get(run.model, False):
        readers = [m for m in models if not unused.get(m, True)]
        st.warning(f"The model in use ({plain_model_name(run.model)}) does not use any of these columns"
                   + ("; none of the models does." if not readers else f"; {readers[0]} does." if len(readers) == 1
                      else f"; {', '.join(readers)} do."))
