"""AutoML Studio: page config, navigation over pages/, and the sidebar (workspace, active dataset / run)."""

from __future__ import annotations

import time

import streamlit as st

from automl.data.markdown import md
from ui.flow import PageStopped, running_pages
from ui.gate import require_sign_in
from ui.loaders import workspace
from ui.widgets import sidebar_dataset, sidebar_run
from ui.state import get_state
from ui.timing import timed_run
from ui.warmup import warm_up_once

STARTED = time.time()
st.set_page_config(page_title="AutoML Studio", page_icon=":material/science:", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/table:"),
    st.Page("pages/clean.py", title="Clean", icon=":material/cleaning_services:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
    st.Page("pages/evaluate.py", title="Evaluate", icon=":material/monitoring:"),
    st.Page("pages/explain.py", title="Explain", icon=":material/lightbulb:"),
    st.Page("pages/predict.py", title="Predict", icon=":material/online_prediction:"),
    st.Page("pages/deploy.py", title="Deploy", icon=":material/rocket_launch:"),
    st.Page("pages/monitor.py", title="Monitor", icon=":material/query_stats:"),
]

warm_up_once()  # torch and AutoGluon imported in the background, once per server
state = get_state()
require_sign_in()

page = st.navigation(PAGES)
ws = workspace(state.workspace_root)
with st.sidebar:
    where = st.container()  # filled after the page ran: a table or run it just chose shows at once
try:
    with timed_run(page.title, STARTED), running_pages():  # timing: off unless AUTOML_STUDIO_PAGE_TIMING is set
        page.run()
except PageStopped:  # the page ended early (`stop_page()`, not `st.stop()`): the sidebar is still drawn
    pass
finally:
    with where:  # what the pages are working on, in words; the folder and ids only on demand
        dataset, run = sidebar_dataset(ws, state.dataset_id), sidebar_run(ws, state.run_id)
        if dataset:
            st.caption(f"Table: **{md(dataset)}**")
        if run:
            st.caption(f"Model: **{md(run)}**")
        with st.expander("Where your work is kept"):
            st.caption(f"Folder `{ws.root}` (set `AUTOML_STUDIO_HOME` to use another)."
                       + (f" Table id `{state.dataset_id}`." if state.dataset_id else "")
                       + (f" Run id `{state.run_id}`." if state.run_id else ""))
