"""Monitor: a deployment's scored batches over time — drift per column, volume, the answers — and alerts."""

import streamlit as st

from automl.errors import AutoMLError
from automl.monitoring import charts
from automl.monitoring.watch import watch
from ui.gate import require_sign_in
from ui.loaders import workspace
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
    st.stop()
name = st.selectbox("Deployment", names, key="monitor.deployment")
try:
    seen = watch(ws, name)
except AutoMLError as exc:
    st.error(str(exc))
    st.stop()
st.caption(f"**{name}** serves run `{seen.champion}`. Each batch file scored through it is compared with the "
           "training data column by column; only these summaries are kept, never the rows.")
if not seen.batches:
    st.info("No batch scored through this deployment yet. On **Predict**, choose *Predict through* "
            f"deployment \"{name}\" and upload a file, or run `automl-studio predict {name} FILE --out OUT`.")
    st.page_link("pages/predict.py", label="Go to Predict", icon=":material/online_prediction:")
    st.stop()

st.subheader(f"Alerts ({len(seen.alerts)})")
if seen.alerts:
    for alert in reversed(seen.alerts):  # newest first
        st.warning(f"**{alert.kind.capitalize()}** — {alert.message}")
else:
    st.success("No alerts: every column stays close to the training data and volumes are as usual.")
st.plotly_chart(charts.drift_heatmap(seen), width="stretch")
left, right = st.columns(2)
left.plotly_chart(charts.volume_figure(seen), width="stretch")
right.plotly_chart(charts.answers_figure(seen), width="stretch")
st.caption("When a column drifts, predictions on it are less reliable: check the source of the data, or retrain "
           "on recent rows and promote the new run on the Deploy page (Rollback undoes it).")
st.page_link("pages/deploy.py", label="Deploy: promote or roll back", icon=":material/rocket_launch:")
