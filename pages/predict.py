"""Predict: one row (what-if, with its explanation), or a whole CSV streamed through the model."""

import json
import logging
from pathlib import Path

import pandas as pd
import streamlit as st

from automl.data.markdown import code, md
from automl.data.numbers import readable_number
from automl.errors import AutoMLError
from automl.model import bundle as bundle_mod
from automl.model import prediction, rollback
from automl.model.names import plain_model_name
from automl.monitoring.record import record_batch
from automl.serving import deployments
from automl.store import atomic, batches, jobs
from automl.training.runs import run_name
from explain import narrative, plots, shap_values
from ui.flow import stop_page
from ui.gate import require_sign_in
from ui.loaders import local_explanation, predictor, scored_file_summary, workspace
from ui.predict_views import DRIFT_HELP, drift_table, reset_form, what_if_form
from ui.state import NO_DEPLOYMENT, get_state
from ui.widgets import UPLOAD_TYPES, cluster_choice, job_progress, select_run

require_sign_in()  # however the app was started, nothing below renders before sign-in

log = logging.getLogger(__name__)
state = get_state()
ws = workspace(state.workspace_root)

st.title("Predict")
names = [d.name for d in ws.list_deployments()]
if names and "predict.via" not in st.session_state:  # the choice made before (a refresh), else the first deployment
    st.session_state["predict.via"] = (None if state.deployment == NO_DEPLOYMENT else
                                       state.deployment if state.deployment in names else names[0])
via = st.selectbox("Predict through", [None, *names], key="predict.via",
                   format_func=lambda n: "a run (choose below)" if n is None else f"deployment \"{n}\"",
                   help="Through a deployment, predictions use the run it points at now, and every batch and "
                        "form row is recorded under it for monitoring.") if names else None
if names:
    state.deployment = via
if via:
    run = ws.get_run(ws.get_deployment(via).run_id)
    rollback.recover(ws, run.id)  # as choosing a run does: a change of its model that died half-way is undone
    st.caption(f"Deployment **{via}** serves run `{run.id}` ({md(run.label)}); what you score here is recorded "
               "under it.")
else:
    run = select_run(ws, state, "predict")
if run is None:
    stop_page()
bundle = bundle_mod.load_bundle(ws, run.id)
try:
    model = predictor(state.workspace_root, run.id)  # verified (again, if any file changed since)
except AutoMLError as exc:
    st.error(str(exc))
    stop_page()
st.caption(f"Predicts {code(bundle.label)} ({bundle.problem_type}) with the model of {md(run_name(run))}: "
           f"{plain_model_name(bundle.deployed_model)} ({bundle.deployed_model})"
           + (f", after replaying its {len(bundle.recipe)}-step cleaning recipe." if len(bundle.recipe) else "."))



def shown(value) -> str:
    """A prediction as a reader wants it: a number rounded to what the data supports, a class as it is."""
    if bundle.problem_type != "regression":
        return md(value)
    return readable_number(value)


def _plain(value):
    """A cell as a plain Python value (None when missing), so the cached explanation's key is stable."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def explain_row(values: dict, predicted) -> None:
    """The row's waterfall and its sentence (cached per row and model)."""
    try:
        local = local_explanation(state.workspace_root, run.id, bundle.deployed_model,
                                  json.dumps(values, sort_keys=True, default=str))
    except Exception as exc:  # the prediction stands without its explanation
        log.exception("explaining a row failed")
        st.warning(f"This row's explanation could not be computed ({type(exc).__name__}: {exc}).")
        return
    output = str(predicted) if bundle.problem_type == "multiclass" else local.outputs[0]
    contributions, row_values = plots.combine_groups(shap_values.row_contributions(local, 0, output),
                                                     local.rows.iloc[0], bundle.schema.groups)
    what = f"P({output})" if bundle.problem_type != "regression" else bundle.label
    st.plotly_chart(plots.waterfall_figure(contributions, local.base_values[output], what,
                                           values=row_values), width="stretch")
    st.caption(narrative.row_sentence(contributions, what, prediction.unseen_values(bundle, values)))


def summary_of_predictions(target: Path) -> None:
    """How many rows got each answer (classifiers), or the spread of the predicted values (regression)."""
    stat = target.stat()
    facts = scored_file_summary(str(target), stat.st_size, stat.st_mtime_ns, bundle.problem_type == "regression")
    if facts["unusual"]:
        st.warning(f"{facts['unusual']:,} row(s) hold a value training never saw (outside its range, or new): "
                   f"the file marks each in its `{prediction.UNUSUAL_COLUMN}` column. Their predictions are "
                   "less reliable.")
    rows = facts["rows"]
    if bundle.problem_type == "regression":
        st.markdown(f"**{rows:,} rows predicted** · {md(bundle.label)} from {readable_number(facts['min'])} to "
                    f"{readable_number(facts['max'])}, median {readable_number(facts['median'])}")
        return
    st.markdown(f"**{rows:,} rows predicted** · " + " · ".join(
        f"{md(c)}: {n:,} ({100 * n / rows:.0f}%)" for c, n in facts["counts"].items()))


def score_on_cluster(folder, upload, address: str, explain_k: int, id_column, via) -> None:
    """Score the upload on a Ray cluster in a job of its own; its progress until the predictions are in."""
    if explain_k:
        st.error("Reasons per row are not available on a Ray cluster: set them to 0, or clear the cluster.")
        return
    started = folder.root / "ray_job.json"
    job_id = (atomic.read_json(started, {}) or {}).get("job")
    if job_id is None:
        folder.input.write_bytes(upload.getvalue())
        job = jobs.start(ws, "ray_batch", run_id=run.id, params={
            "input": str(folder.input), "output": str(folder.output), "report": str(folder.report),
            "address": address, "id_column": id_column, "deployment": via, "file_name": upload.name,
            "rows": max(1, upload.getvalue().count(b"\n") - 1)})
        atomic.write_json(started, {"job": job.id})
        job_id = job.id
    job_progress(ws, job_id, "Scoring on the Ray cluster")


one, batch = st.tabs(["One row (what-if)", "Batch (CSV)"])
with one:
    st.caption("Change any value: the prediction and its explanation follow. Starts from a typical row.")
    form, answer = st.columns([3, 2], gap="large")
    with form:
        values = what_if_form(bundle, run.id)
    if st.button("Back to a typical row", key=f"predict.reset.{run.id}"):
        reset_form(bundle, run.id)
        st.rerun()
    row = pd.DataFrame([values])
    result, report = prediction.predict_frame(model, bundle, row)
    predicted = result["prediction"].iloc[0]
    if via:  # once per distinct row, not on every rerun of the page
        seen = json.dumps([via, run.id, values], sort_keys=True, default=str)
        if st.session_state.get("predict.recorded_row") != seen:
            deployments.record(ws, via, run.id, "form", 1)
            st.session_state["predict.recorded_row"] = seen
    with answer:  # beside the form, at its top: the answer is seen without scrolling
        st.metric(f"Predicted {md(bundle.label)}", shown(predicted))
        proba = result.filter(like="proba_")
        if not proba.empty:
            shares = proba.iloc[0].rename(lambda c: c.removeprefix("proba_"))
            st.markdown(" · ".join(f"**{md(c)}** {100 * p:.0f}%"
                                   for c, p in shares.sort_values(ascending=False).items()))
            st.bar_chart(shares.rename("probability"), horizontal=True, height=60 + 30 * len(shares))
        if bundle.problem_type == "binary" and bundle.threshold is not None:
            st.caption(f"The model answers {code(bundle.metrics.positive_class)} from a probability of "
                       f"{bundle.threshold:.2f} (the decision threshold {bundle.threshold_source}), not 0.50.")
        for line in report.lines()[1:]:
            st.warning(line)
        explain_row(values, predicted)

with batch:
    upload = st.file_uploader("File of rows to predict (the training columns; others are ignored). It is read "
                              "exactly as the training file was: same encodings, number formats and missing "
                              "markers.", type=UPLOAD_TYPES, key=f"predict.batch.{run.id}")
    c1, c2 = st.columns(2)
    explain_k = c1.number_input("Reasons per row (0 = none; slower)", 0, 10, 0, key="predict.explain_k")
    if "predict.id_column" not in st.session_state:  # Streamlit forgets a widget's value when it is not drawn
        st.session_state["predict.id_column"] = st.session_state.get("predict.id_column_kept", "")
    id_column = c2.text_input("Keep only this column beside the predictions (optional, e.g. an id)",
                              key="predict.id_column",
                              help="Through a deployment, each row's answer is also kept by this id (for the "
                                   "retention period) so that its true outcome can be added on Monitor."
                              ).strip() or None
    st.session_state["predict.id_column_kept"] = id_column or ""
    ray_address = cluster_choice("predict.ray", "Score on the Ray cluster (for large files)")
    st.caption(f"An uploaded file and its predictions are kept {batches.retention_days():g} days "
               "(AUTOML_STUDIO_RETENTION_DAYS), and deleted with the run." if batches.retention_days() else
               "Uploaded files and their predictions are kept until the run is deleted.")
    if upload is not None:
        # one folder per (upload, model, options): a rerun (e.g. the download click) reuses the scored file
        token = f"{upload.file_id}:{explain_k}:{id_column}:{via}:{ray_address}"
        suffixes = "".join(Path(upload.name).suffixes[-2:]).lower()
        folder = batches.batch_folder(ws, run.id, token, suffixes if all(
            s[1:] in UPLOAD_TYPES for s in Path(suffixes).suffixes) else ".csv")
        source, target, notes = folder.input, folder.output, folder.report
        if not target.exists() and ray_address:
            score_on_cluster(folder, upload, ray_address, int(explain_k), id_column, via)
        elif not target.exists():
            source.write_bytes(upload.getvalue())
            total = max(1, upload.getvalue().count(b"\n") - 1)
            bar = st.progress(0.0, text="Scoring…")
            try:
                report = prediction.predict_csv(
                    model, bundle, source, target,
                    reasons=shap_values.top_reasons_for(model, bundle, int(explain_k)) if explain_k else None,
                    id_column=id_column, chunk_rows=2_000 if explain_k else prediction.BATCH_ROWS, name=upload.name,
                    on_progress=lambda n: bar.progress(min(1.0, n / total), text=f"{n:,} of ~{total:,} rows"))
            except AutoMLError as exc:
                st.error(str(exc))
            else:
                atomic.write_json(notes, {"lines": report.lines(), "drift": report.drift, "rows": report.rows})
                record_batch(ws, via, bundle, report, file=upload.name, unreadable=report.coerced_to_missing)
            bar.empty()
        if target.exists():
            saved = atomic.read_json(notes, {}) or {}
            for line in saved.get("lines", []):
                st.caption(line)
            if saved.get("drift"):
                with st.expander("Drift against the training data"):
                    st.dataframe(drift_table(saved["drift"]), hide_index=True, width="stretch",
                                 column_config=DRIFT_HELP)
            summary_of_predictions(target)
            preview = pd.read_csv(target, nrows=20)
            first = [c for c in preview.columns if c in ("prediction", prediction.UNUSUAL_COLUMN)
                     or c.startswith(("proba_", "reason_"))]
            st.dataframe(preview[first + [c for c in preview.columns if c not in first]], hide_index=True,
                         width="stretch")
            with open(target, "rb") as fh:
                st.download_button("Download predictions (CSV)", fh, file_name=f"predictions-{run.id}.csv",
                                   mime="text/csv", key="predict.download", on_click="ignore")
            scored_rows = int(saved.get("rows", 1))
            number = st.number_input(f"Explain a row of this file (1 to {scored_rows:,})", 1, max(1, scored_rows), 1,
                                     key=f"predict.batch_row.{token}")
            try:
                picked = prediction.read_csv_row(source, int(number), bundle)
            except AutoMLError as exc:
                st.error(str(exc))
            else:
                picked_values = {name: _plain(picked.get(name)) for name in bundle.schema.names}
                scored, _ = prediction.predict_frame(model, bundle,
                                                     pd.DataFrame([picked_values]))
                st.metric(f"Row {int(number):,}: predicted {md(bundle.label)}", shown(scored["prediction"].iloc[0]))
                explain_row(picked_values, scored["prediction"].iloc[0])
