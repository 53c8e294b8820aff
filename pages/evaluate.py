"""Evaluate: leaderboard, test-split metrics and charts of a finished run."""

import streamlit as st

from automl import bundle as bundle_mod
from automl import charts, evaluation
from ui.loaders import workspace
from ui.state import get_state
from ui.widgets import select_run

state = get_state()
ws = workspace(state.workspace_root)

st.title("Evaluate")
run = select_run(ws, state, "evaluate")
if run is None:
    st.stop()
bundle = bundle_mod.load_bundle(ws, run.id)
m = bundle.metrics
st.caption(f"Target `{bundle.label}` · {bundle.problem_type} · {m['n_train']:,} training rows, "
           f"{m['n_test']:,} held-out test rows · deployed model: **{m['best_model']}**"
           + (" · training was stopped early" if m.get("stopped_early") else ""))

table = evaluation.metric_table(bundle)
rows = list(table.itertuples())
for start in range(0, len(rows), 5):
    for col, row in zip(st.columns(5), rows[start:start + 5]):
        col.metric(row.metric + (" ★" if row.optimised else ""), f"{row.value:.4f}")
st.caption("★ the metric training optimised. Scores are on the test split, never seen in training.")

left, right = st.columns(2)
preds = evaluation.test_predictions(bundle)
with left:
    if bundle.problem_type in ("binary", "multiclass"):
        matrix = evaluation.confusion_matrix_frame(preds, bundle.class_labels)
        st.plotly_chart(charts.confusion_matrix_figure(matrix), width="stretch")
    else:
        st.plotly_chart(charts.predicted_vs_actual_figure(evaluation.predicted_vs_actual_frame(preds)),
                        width="stretch")
board = evaluation.leaderboard(bundle)
with right:
    st.plotly_chart(charts.leaderboard_figure(board, m["eval_metric"], bool(m.get("lower_is_better"))),
                    width="stretch")
st.subheader("Leaderboard")
st.dataframe(evaluation.leaderboard_table(board, m["eval_metric"]), hide_index=True, width="stretch")
