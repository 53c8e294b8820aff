"""Runs: every training run; open one, compare two side by side, delete one, or train again with its settings."""

import streamlit as st

from automl.errors import AutoMLError
from automl.evaluation import summary
from automl.model import bundle as bundle_mod
from automl.training import runs
from ui.flow import stop_page
from ui.gate import require_sign_in
from ui.loaders import workspace
from ui.state import get_state
from ui.widgets import rounded

require_sign_in()  # however the app was started, nothing below renders before sign-in

state = get_state()
ws = workspace(state.workspace_root)

st.title("Runs")
table = runs.run_table(ws)
if table.empty:
    st.info("No run yet. Train a model on the **Train** page.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    stop_page()
st.dataframe(rounded(table).assign(**{"test value": table["test value"].map(runs.score_text)}), hide_index=True,
             width="stretch")
ids = table["run"].tolist()


infos = {r.id: r for r in ws.list_runs()}  # read once: every option's label is drawn from it
# the labels are fixed here, not drawn from names a later line may rebind (Streamlit may call format_func again)
labels = {rid: f"{runs.run_name(infos[rid])} · on {dataset} · {rid}"
          for rid, dataset in zip(table["run"], table["dataset"], strict=True)}
label_of = labels.__getitem__


st.subheader("Open a run")
current = state.run_id if state.run_id in ids else ids[0]
chosen = st.selectbox("Run", ids, index=ids.index(current), format_func=label_of)
state.run_id = chosen
run = infos[chosen]
st.page_link("pages/evaluate.py", label="Evaluate this run", icon=":material/arrow_forward:")
left, mid, right = st.columns(3)
if left.button("Train again with these settings", icon=":material/replay:", key="runs.rerun"):
    try:
        again = runs.rerun(ws, chosen)
    except AutoMLError as exc:
        st.error(str(exc))
    else:
        state.run_id = again.id
        st.switch_page("pages/train.py")
confirm = mid.checkbox("Confirm delete", key=f"runs.confirm.{chosen}")
if right.button("Delete this run", icon=":material/delete:", key="runs.delete", disabled=not confirm,
                help="Removes the run, its model and its files."):
    try:
        runs.delete_run(ws, chosen)
    except AutoMLError as exc:
        st.error(str(exc))
    else:
        state.run_id = None
        st.rerun()
with st.expander("Settings", expanded=False):
    st.json(run.config, expanded=False)
if chosen in bundle_mod.ready_runs(ws):
    board = summary.leaderboard(bundle_mod.load_bundle(ws, chosen))
    st.dataframe(rounded(summary.leaderboard_table(board, run.eval_metric)), hide_index=True, width="stretch")

if len(ids) >= 2:
    st.subheader("Compare two runs")
    a_col, b_col = st.columns(2)
    a = a_col.selectbox("First", ids, index=0, format_func=label_of, key="runs.a")
    b = b_col.selectbox("Second", ids, index=1, format_func=label_of, key="runs.b")
    if a != b:
        only = st.toggle("Only settings that differ", key="runs.only_diff")
        st.dataframe(runs.config_diff(ws, a, b, only_different=only), hide_index=True, width="stretch")
        if not runs.same_test_rows(ws, a, b):
            st.caption("Their test scores come from different rows (another table, split or seed): compare them "
                       "only roughly. Monitor compares a challenger with its champion on the same new rows.")
        ready = set(bundle_mod.ready_runs(ws))
        for col, rid in ((a_col, a), (b_col, b)):
            if rid in ready:
                board = summary.leaderboard(bundle_mod.load_bundle(ws, rid))
                metric = infos[rid].eval_metric
                models = rounded(summary.leaderboard_table(board, metric))
                col.dataframe(models[["model", f"test {summary.metric_name(metric)}"]], hide_index=True,
                              width="stretch")
