"""Monitor: a deployment's scored batches over time — drift per column, performance (estimated, then
realised once outcomes arrive), volume, the answers — its alerts, and a challenger to promote."""

import streamlit as st

from automl.errors import AutoMLError
from automl.monitoring import charts
from automl.monitoring.watch import watch
from automl.training.runs import run_name
from ui.flow import stop_page
from ui.gate import require_sign_in
from ui.loaders import workspace
from ui.monitor_views import challenger_panel, endpoint_waiting, outcomes_panel
from ui.state import get_state

require_sign_in()  # however the app was started, nothing below renders before sign-in

state = get_state()
ws = workspace(state.workspace_root)

st.title("Monitor")
names = [d.name for d in ws.list_deployments()]
if not names:
    st.info("Nothing to monitor yet: deploy a run first, then score files through the deployment (Predict, or "
            "`automl-studio predict NAME FILE`).")
    st.page_link("pages/deploy.py", label="Go to Deploy", icon=":material/rocket_launch:")
    stop_page()
name = st.selectbox("Deployment", names, key="monitor.deployment")


def _served(run_id: str) -> str:
    try:
        return f"the model {run_name(ws.get_run(run_id))} (`{run_id}`)"
    except AutoMLError:
        return f"run `{run_id}`"


try:
    seen = watch(ws, name)
except AutoMLError as exc:
    st.error(str(exc))
    stop_page()
st.caption(f"**{name}** serves {_served(seen.champion)}. Each batch file scored through it is compared with the "
           "training data column by column; only these summaries are kept, never the rows.")
if not seen.batches:
    st.info("No batch scored through this deployment yet. On **Predict**, choose *Predict through* "
            f"deployment \"{name}\" and upload a file, or run `automl-studio predict {name} FILE --out OUT`.")
    if waiting := endpoint_waiting(ws, name):
        st.info(waiting)
    st.page_link("pages/predict.py", label="Go to Predict", icon=":material/online_prediction:")
    challenger_panel(ws, name, seen.champion)
    stop_page()

st.subheader(f"Alerts ({len(seen.alerts)})")
if seen.alerts:
    for alert in reversed(seen.alerts):  # newest first
        st.warning(f"**{alert.kind.capitalize()}** — {alert.message}")
else:
    st.success("No alerts: every column stays close to the training data, performance holds and volumes are as "
               "usual.")
st.plotly_chart(charts.drift_heatmap(seen), width="stretch")
if seen.performance:
    st.plotly_chart(charts.performance_figure(seen), width="stretch")
    st.caption("The estimate is made when a batch is scored, from the model's probabilities calibrated on the test "
               "split; it sees drift in the inputs but not a change in how outcomes follow from them. The realised "
               "value needs the true outcomes.")
elif seen.baseline:
    st.caption(f"Performance per batch appears here: estimated when a batch is scored (classifiers), realised once "
               f"outcomes are added below. On the test split: {seen.baseline['metric']} "
               f"{seen.baseline['value']:.3f}.")
outcomes_panel(ws, name, ws.get_run(seen.champion).label)
left, right = st.columns(2)
left.plotly_chart(charts.volume_figure(seen), width="stretch")
right.plotly_chart(charts.answers_figure(seen), width="stretch")
st.caption("When a column drifts or performance falls, check the source of the data, or train a challenger on "
           "recent labelled rows below and promote it (Rollback undoes it).")
challenger_panel(ws, name, seen.champion)
