"""Explain: SHAP explanations of the deployed model in the input columns — global, per column, per row —
computed in a background job, and the model report to hand out."""

import logging

import streamlit as st

from automl.data.markdown import md
from automl.data.numbers import readable_number
from automl.cli import report
from automl.model import bundle as bundle_mod
from automl.store import atomic, jobs
from explain import estimate, narrative, plots, shap_values
from automl.model.run_files import FORECAST
from ui.flow import stop_page
from ui.forecast_explain import forecast_explanation
from ui.gate import require_sign_in
from ui.loaders import explain_cost, workspace
from ui.state import get_state
from ui.widgets import job_progress, select_run

log = logging.getLogger(__name__)
require_sign_in()  # however the app was started, nothing below renders before sign-in

state = get_state()
ws = workspace(state.workspace_root)

st.title("Explain")
run = select_run(ws, state, "explain")
if run is None:
    stop_page()
if run.problem_type == FORECAST:
    forecast_explanation(ws, run)
    stop_page()

explain_jobs = ws.list_jobs(kind="explain", run_id=run.id)
latest = jobs.refresh(ws, explain_jobs[0].id) if explain_jobs else None
running = latest is not None and latest.status in jobs.ACTIVE

left, right = st.columns([2, 1])
n_rows = left.number_input("Test rows to explain", min_value=10, max_value=5000, value=shap_values.DEFAULT_ROWS,
                           step=10, key="explain.rows")
right.write("")
bundle = bundle_mod.load_bundle(ws, run.id)
result = shap_values.load_shap(ws, run.id)
if result is None and not running:  # said before anyone presses the button
    try:
        cost = explain_cost(state.workspace_root, run.id, bundle.deployed_model)
    except Exception:  # no estimate is no reason to stop the page
        log.warning("timing the model for an estimate failed", exc_info=True)
    else:
        left.caption(f"Takes {estimate.in_words(estimate.estimated_seconds(cost, int(n_rows)))} on this machine "
                     f"for {int(n_rows):,} rows ({cost.players} column(s) the model uses, timed just now); fewer "
                     "rows take less.")
if right.button("Compute explanations", type="primary", disabled=running, key="explain.start"):
    jobs.start(ws, "explain", run_id=run.id, params={"rows": int(n_rows)})
    st.rerun()  # redraw with the button disabled and the progress bar
if latest is not None and (running or latest.status == "failed"):
    job_progress(ws, latest.id, "Computing SHAP values")

if result is None:
    if not running:
        st.info("No explanations for this run yet. Press **Compute explanations**: it runs in the background.")
    stop_page()

output = result.outputs[0]
if len(result.outputs) > 1:
    output = st.selectbox("Explain the probability of class", result.outputs, key=f"explain.output.{run.id}")
what = f"P({output})" if bundle.problem_type != "regression" else bundle.label
st.caption(f"SHAP values of {len(result.rows)} test rows, in the input columns, measured against "
           f"{result.background_rows} weighted rows that stand for the training data. For every row, the base value "
           f"({readable_number(result.base_values[output])}, the model's average {md(what)} over those rows; the "
           f"test split's average on Evaluate is over other rows, so the two differ a little) plus its SHAP values "
           f"equals the model's output.")
if result.space == "input":
    st.caption(f"Computed on the slow path (every mixed row through AutoGluon's feature pipeline): "
               f"{result.why_input}. The values are the same; only the time differs.")

importance_tab, rows_tab, dependence_tab, one_tab = st.tabs(["Importance", "Every row", "One column", "One row"])
frame = result.values[result.values["output"] == output]
with importance_tab:
    importance = shap_values.importance_frame(shap_values.ShapResult(frame, result.base_values, result.rows,
                                                                     [output]))
    st.plotly_chart(plots.importance_figure(importance), width="stretch")
    for line in narrative.global_sentences(result, output, what):
        st.markdown(f"- {line}")
with rows_tab:
    st.plotly_chart(plots.beeswarm_figure(result, output), width="stretch")
    st.caption("Each dot is a row: right pushes the prediction up, left down; red marks high values of the column.")
with dependence_tab:
    features = list(importance["feature"])
    c1, c2 = st.columns(2)
    feature = c1.selectbox("Column", features, key=f"explain.dep.{run.id}")
    colour = c2.selectbox("Colour by", [None, *[f for f in features if f != feature]], key=f"explain.colour.{run.id}",
                          format_func=lambda c: "— none —" if c is None else c)
    st.plotly_chart(plots.dependence_figure(result, feature, output, colour), width="stretch")
with one_tab:
    shown_columns = list(result.rows.columns[:3])

    def who(i: int) -> str:  # a row said by what it holds, counted from 1 (it read "Row 0", with no word of whom)
        values = result.rows.iloc[i]
        text = [shap_values.plain_value(values[c]) for c in shown_columns]
        return f"{i + 1}: " + ", ".join(f"{c} {t if len(t) <= 30 else t[:29] + '…'}"
                                        for c, t in zip(shown_columns, text, strict=True))

    row = st.selectbox("Explained test row", range(len(result.rows)), format_func=who, key=f"explain.row.{run.id}")
    contributions, row_values = plots.combine_groups(shap_values.row_contributions(result, int(row), output),
                                                     result.rows.iloc[int(row)], bundle.schema.groups)
    st.plotly_chart(plots.waterfall_figure(contributions, result.base_values[output], what,
                                           values=row_values), width="stretch")
    st.caption(narrative.row_sentence(contributions, what))

st.subheader("Hand it out")
path = bundle.files.report
c1, c2 = st.columns(2)
if c1.button("Prepare the model report (HTML)", key="explain.report"):
    with st.spinner("Writing the report…"):
        atomic.write_text(path, report.build_report(bundle, result, report.dataset_summary(ws, bundle)))
if path.exists():
    with open(path, "rb") as fh:
        c1.download_button("Download the report", fh, file_name=f"report-{run.id}.html", mime="text/html",
                           key="explain.download_report", on_click="ignore")
c2.download_button("Download SHAP values (CSV)", shap_values.shap_csv(result),
                   file_name=f"shap-{run.id}.csv", mime="text/csv", key="explain.download_shap", on_click="ignore")

st.divider()
st.page_link("pages/predict.py", label="Next: predict new rows, one or a whole file (Predict)",
             icon=":material/arrow_forward:")
