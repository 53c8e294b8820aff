"""Monitor: a deployment's scored batches over time — drift per column, performance (estimated, then
realised once outcomes arrive), volume, the answers — its alerts, and a challenger to promote."""

import streamlit as st

from automl.data.problem import metric_name
from automl.errors import AutoMLError
from automl.monitoring import charts
from automl.monitoring.watch import watch
from automl.training.runs import run_name
from ui.flow import stop_page
from ui.gate import require_sign_in
from ui.loaders import workspace
from ui.deploy_views import moved_message
from automl.model.run_files import FORECAST
from ui.forecast_monitor import forecast_monitor
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
name = st.selectbox("Deployment", names, key="monitor.deployment",
                    index=names.index(state.deployment) if state.deployment in names else 0)
state.deployment = name
if ws.get_run(ws.get_deployment(name).run_id).problem_type == FORECAST:
    forecast_monitor(ws, state, name)
    stop_page()


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
moved_message()
st.caption(f"**{name}** serves {_served(seen.champion)}. Each batch file scored through it is compared with the "
           "training data column by column; only these summaries are kept, never the rows.")
if not seen.batches:
    st.info("No batch scored through this deployment yet. On **Predict**, choose *Predict through* "
            f"deployment \"{name}\" and upload a file, or run `automl-studio predict {name} FILE --out OUT`.")
    if waiting := endpoint_waiting(ws, name):
        st.info(waiting)
    if st.button(f"Score a file through {name} on Predict", icon=":material/online_prediction:",
                 key="monitor.to_predict"):
        st.session_state["predict.via"] = name  # Predict opens on this deployment, not on "a run"
        st.switch_page("pages/predict.py")
    challenger_panel(ws, name, seen.champion)
    stop_page()

if seen.headline:
    st.markdown(f"#### {seen.headline}")
st.subheader(f"Alerts ({len(seen.alerts)})")
if seen.alerts:
    for alert in reversed(seen.alerts):  # newest first
        st.warning(f"**{alert.kind.capitalize()}** — {alert.message}")
else:
    st.success("No alerts: every column stays close to the training data, performance holds and volumes are as "
               "usual.")
st.plotly_chart(charts.drift_heatmap(seen), width="stretch")
if seen.performance:
    shown = [m for m in seen.tracked if any(p["metric"] == m for p in seen.performance)] or \
        sorted({p["metric"] for p in seen.performance})
    falls = [a for a in seen.alerts if a.kind == "performance" and a.column in shown]
    newest = max((a.batch for a in falls), default=0)  # in the newest batch where one fell, the one that fell most
    fell = max((a for a in falls if a.batch == newest), key=lambda a: a.drop, default=None)
    fell = fell.column if fell else None
    metric = st.selectbox("Metric", shown, index=shown.index(fell) if fell else 0, format_func=metric_name,
                          key=f"monitor.metric.{name}",
                          help="The metric training optimised comes first; the others judge the model's decisions "
                               "(at its saved threshold). Shown first: the one that fell most in the newest batch "
                               "where one fell.")
    st.plotly_chart(charts.performance_figure(seen, metric), width="stretch")
    if (calibration := charts.calibration_figure(seen)) is not None:
        st.plotly_chart(calibration, width="stretch")
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
