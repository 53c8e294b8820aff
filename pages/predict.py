"""Predict: one row (what-if, with its explanation), or a whole CSV streamed through the model."""

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from automl.data.markdown import code, md
from automl.errors import AutoMLError
from automl.model import bundle as bundle_mod
from automl.model import rollback
from automl.model.names import plain_model_name
from automl.prediction.rows import predict_frame, read_csv_row
from automl.serving import deployments
from automl.store import batches
from automl.training.runs import run_name
from automl.model.run_files import FORECAST
from ui.flow import stop_page
from ui.forecast_views import forecast_prediction
from ui.gate import require_sign_in
from ui.batch_views import score_here, score_on_cluster, scored_file
from ui.loaders import predictor, workspace
from ui.predict_views import explain_row, plain, reset_form, shown, what_if_form
from ui.state import NO_DEPLOYMENT, get_state
from ui.widgets import UPLOAD_TYPES, cluster_choice, select_run

require_sign_in()  # however the app was started, nothing below renders before sign-in

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
if run.problem_type == FORECAST:
    forecast_prediction(ws, state.workspace_root, run, deployment=via)
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
    result, report = predict_frame(model, bundle, row)
    predicted = result["prediction"].iloc[0]
    if via:  # once per distinct row, not on every rerun of the page
        seen = json.dumps([via, run.id, values], sort_keys=True, default=str)
        if st.session_state.get("predict.recorded_row") != seen:
            deployments.record(ws, via, run.id, "form", 1)
            st.session_state["predict.recorded_row"] = seen
    with answer:  # beside the form, at its top: the answer is seen without scrolling
        st.metric(f"Predicted {md(bundle.label)}", shown(bundle, predicted))
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
        explain_row(state.workspace_root, run.id, bundle, values, predicted)

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
        if not folder.output.exists() and ray_address:
            score_on_cluster(ws, run.id, folder, upload, ray_address, int(explain_k), id_column, via)
        elif not folder.output.exists():
            score_here(ws, bundle, model, folder, upload, int(explain_k), id_column, via)
        if folder.output.exists():
            scored_rows = scored_file(bundle, folder, run.id)
            number = st.number_input(f"Explain a row of this file (1 to {scored_rows:,})", 1, max(1, scored_rows), 1,
                                     key=f"predict.batch_row.{token}")
            try:
                picked = read_csv_row(folder.input, int(number), bundle)
            except AutoMLError as exc:
                st.error(str(exc))
            else:
                picked_values = {name: plain(picked.get(name)) for name in bundle.schema.names}
                scored, _ = predict_frame(model, bundle, pd.DataFrame([picked_values]))
                st.metric(f"Row {int(number):,}: predicted {md(bundle.label)}",
                          shown(bundle, scored["prediction"].iloc[0]))
                explain_row(state.workspace_root, run.id, bundle, picked_values, scored["prediction"].iloc[0])
