"""Explain: global SHAP importance of a run's model, computed in a background job."""

import streamlit as st

from automl import jobs
from explain import plots, shap_values
from ui.loaders import workspace
from ui.state import get_state
from ui.widgets import job_progress, select_run

state = get_state()
ws = workspace(state.workspace_root)

st.title("Explain")
run = select_run(ws, state, "explain")
if run is None:
    st.stop()

explain_jobs = ws.list_jobs(kind="explain", run_id=run.id)
latest = jobs.refresh(ws, explain_jobs[0].id) if explain_jobs else None
running = latest is not None and latest.status in jobs.ACTIVE

n_rows = st.number_input("Test rows to explain", min_value=10, max_value=2000, value=shap_values.DEFAULT_ROWS,
                         step=10, key="explain.rows")
if st.button("Compute explanations", type="primary", disabled=running, key="explain.start"):
    jobs.start(ws, "explain", run_id=run.id, params={"rows": int(n_rows)})
    st.rerun()  # redraw with the button disabled and the progress bar
if latest is not None and (running or latest.status == "failed"):
    job_progress(ws, latest.id, "Computing SHAP values")

result = shap_values.load_shap(ws, run.id)
if result is None:
    if not running:
        st.info("No explanations for this run yet. Press **Compute explanations**: it runs in the background.")
    st.stop()

importance = shap_values.importance_frame(result)
st.plotly_chart(plots.importance_figure(importance), width="stretch")
output = result.outputs[0] if len(result.outputs) == 1 else "each class's probability"
for line in plots.importance_sentences(importance, output):
    st.markdown(f"- {line}")
st.caption(f"SHAP values of {len(result.rows)} test rows; base value(s): "
           + ", ".join(f"{k} = {v:.4g}" for k, v in result.base_values.items())
           + ". Each row's base value plus its SHAP values equals the model's output for it.")
