"""Deploy: give a run a name other programs call (a deployment), serve it as an HTTP endpoint, move it."""

import streamlit as st

from automl.errors import AutoMLError
from automl.serving import deployments
from ui.deploy_views import (compact_panel, default_name, deployments_table, endpoint_panel, move_panel,
                             moved_message)
from ui.flow import stop_page
from ui.gate import require_sign_in
from ui.loaders import workspace
from ui.state import get_state
from ui.widgets import select_run

require_sign_in()  # however the app was started, nothing below renders before sign-in

state = get_state()
ws = workspace(state.workspace_root)

st.title("Deploy")
st.caption("A deployment is a name that serves one run: programs call the name, and you can point it at a "
           "better run later (or back) without changing them. Its endpoint answers predictions over HTTP.")
run = select_run(ws, state, "deploy", best_first=True)  # the better run first, not the newest
if run is None:
    stop_page()

st.subheader("Deploy this run")
name = st.text_input("Deployment name (lowercase letters, digits, - and _)", value=default_name(run),
                     key="deploy.name")
if st.button("Deploy", key="deploy.create"):
    try:
        created = deployments.deploy(ws, run.id, name.strip())
    except AutoMLError as exc:
        st.error(str(exc))
    else:
        st.success(f"{created.name} serves run {created.run_id}.")

if run.problem_type != "forecast":
    st.subheader("Compact model")
    compact_panel(ws, run)

found = deployments.list_deployments(ws)
if not found:
    stop_page()
st.subheader("Deployments")
moved_message()
st.dataframe(deployments_table(found), hide_index=True, width="stretch")
names = [d.name for d in found]
chosen = st.selectbox("Deployment", names, key="deploy.chosen",
                      index=names.index(name.strip()) if name.strip() in names else 0)
move_panel(ws, chosen, run)
st.subheader("Endpoint")
endpoint_panel(ws, chosen)
