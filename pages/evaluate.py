"""Evaluate: test-split metrics and the charts for the problem type, the decision threshold, slices."""

import streamlit as st

from automl.data.problem import lower_is_better
from automl.data.markdown import code
from automl.evaluation import charts, curves, importance, summary
from automl.model import bundle as bundle_mod
from automl.model.names import plain_model_name
from automl.store import jobs
from ui import eval_views
from automl.model.run_files import FORECAST
from ui.flow import stop_page
from ui.forecast_views import forecast_evaluation
from ui.gate import require_sign_in
from ui.loaders import evaluation_summary, run_stamp, workspace
from ui.state import get_state
from ui.widgets import job_progress, rounded, select_run

require_sign_in()  # however the app was started, nothing below renders before sign-in

state = get_state()
ws = workspace(state.workspace_root)

st.title("Evaluate")
run = select_run(ws, state, "evaluate")
if run is None:
    stop_page()
if run.problem_type == FORECAST:
    forecast_evaluation(ws, state.workspace_root, run)
    st.divider()
    st.page_link("pages/predict.py", label="Next: the forecast past the end of the data (Predict)",
                 icon=":material/arrow_forward:")
    stop_page()
bundle = bundle_mod.load_bundle(ws, run.id)
m = bundle.metrics
st.caption(f"Target {code(bundle.label)} · {bundle.problem_type} · {m.n_train:,} training rows, "
           f"{m.n_test:,} held-out test rows · model in use: **{plain_model_name(bundle.deployed_model)}** "
           f"({bundle.deployed_model})"
           + (" · training was stopped early" if m.stopped_early else ""))
st.caption(summary.rows_sentence(bundle))

done = st.session_state.pop("evaluate.saved", None)  # a threshold saved by the section below, before the redraw
if done:
    st.success(done)
computed = evaluation_summary(state.workspace_root, run.id, run_stamp(bundle))  # shared by every session
preds, table, baseline = computed["preds"], computed["table"], computed["baseline"]
st.info(computed["verdict"])
guess = ("always the average" if bundle.problem_type == "regression" else f"always {code(computed['majority'])}")
rows = list(table.itertuples())
for start in range(0, len(rows), 4):  # four a row: "Matthews correlation @ 0.27" was cut at five
    for col, row in zip(st.columns(4), rows[start:start + 4], strict=False):
        base = baseline.get(row.key)
        lower_better = lower_is_better(row.key)
        at = f" @ {row.at_threshold:.2f}" if row.at_threshold == row.at_threshold and row.at_threshold else ""
        col.metric(row.metric + (" ★" if row.optimised else "") + at, summary.shown(row.key, row.value),
                   delta=(f"{'+' if row.value >= base else '-'}{summary.shown(row.key, abs(row.value - base))} vs "
                          "guessing") if base is not None else None,
                   delta_color="inverse" if lower_better else "normal",
                   help=f"The simplest guess ({guess}) scores {summary.shown(row.key, base)}." if base is not None
                   else None)
st.caption(f"★ the metric training optimised. Scores are on the test split, never seen in training; each is "
           f"compared with the simplest guess ({guess})."
           + (f" @ {bundle.threshold:.2f}: at the saved decision threshold (the model answers "
              f"{code(m.positive_class)} from that probability)." if bundle.problem_type == "binary"
              and bundle.threshold is not None else ""))
if computed.get("precision"):
    st.caption(computed["precision"])
warning = curves.too_good_to_be_true(dict(zip(table["key"], table["value"], strict=True)), bundle.problem_type)
if warning:
    st.warning(warning)
    st.page_link("pages/data.py", label="See the Data page's alerts", icon=":material/table:")

if bundle.problem_type == "binary":
    eval_views.binary_section(ws, bundle, preds, run, computed["curves"])
elif bundle.problem_type == "multiclass":
    eval_views.multiclass_section(bundle, preds)
else:
    eval_views.regression_section(preds)

st.subheader("By group (slices)")
test_rows = summary.test_rows(bundle)
column = st.selectbox("Compare the groups of", list(test_rows.columns.drop(bundle.label, errors="ignore")),
                      key=f"evaluate.slice.{run.id}", help="For a sensitive column, this is the fairness view.")
slices = curves.slice_table(test_rows, preds, column, bundle.problem_type)
st.dataframe(rounded(slices).assign(share=100 * slices["share"]), hide_index=True, width="stretch",  # share: a percent
             column_config={"share": st.column_config.ProgressColumn("share of test rows", format="%.0f%%",
                                                                    min_value=0, max_value=100)})

eval_views.leaderboard_section(ws, state, bundle, run)

st.subheader("Permutation importance")
importance_jobs = ws.list_jobs(kind="importance", run_id=run.id)
latest = jobs.refresh(ws, importance_jobs[0].id) if importance_jobs else None
busy = latest is not None and latest.status in jobs.ACTIVE
if st.button("Compute permutation importance", key="evaluate.importance", disabled=busy,
             help="Shuffles each column of the test split and measures how much the score drops (background job)."):
    jobs.start(ws, "importance", run_id=run.id, params={"shuffles": 5})
    st.rerun()
if latest is not None and (busy or latest.status == "failed"):
    job_progress(ws, latest.id, "Shuffling columns")
frame = importance.load_importance(ws, run.id)
if frame is not None:
    dominant = curves.dominant_feature(frame)
    if dominant:
        st.warning(dominant)
    st.plotly_chart(charts.permutation_importance_figure(frame, m.eval_metric), width="stretch")
    st.caption("In the columns the model sees (after the cleaning recipe). A bar near zero: the model barely uses "
               "the column; a negative one: shuffling it did not hurt.")

st.divider()
st.page_link("pages/explain.py", label="Next: what drives its predictions (Explain)", icon=":material/arrow_forward:")
st.page_link("pages/deploy.py", label="Or give it a name other programs call (Deploy)", icon=":material/rocket_launch:")
