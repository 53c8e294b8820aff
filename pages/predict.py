"""Predict: one row in a form (prefilled with a typical row), or a whole CSV to download."""

import hashlib

import pandas as pd
import streamlit as st

from automl import bundle as bundle_mod
from automl import atomic, prediction
from automl.errors import AutoMLError
from automl.schema import typical_row
from ui.loaders import predictor, workspace
from ui.state import get_state
from ui.widgets import select_run

state = get_state()
ws = workspace(state.workspace_root)

st.title("Predict")
run = select_run(ws, state, "predict")
if run is None:
    st.stop()
bundle = bundle_mod.load_bundle(ws, run.id)
st.caption(f"Predicts `{bundle.label}` ({bundle.problem_type}) with {bundle.metrics['best_model']}.")

one, batch = st.tabs(["One row", "Batch (CSV)"])
with one:
    typical = typical_row(bundle.schema)
    with st.form(f"predict.form.{run.id}"):
        values = {}
        cols = st.columns(3)
        for i, feature in enumerate(bundle.schema["features"]):
            name, default = feature["name"], typical[feature["name"]]
            with cols[i % 3]:
                if feature["kind"] == "numeric":
                    help_text = f"Training range {feature.get('min'):g} to {feature.get('max'):g}"
                    values[name] = st.number_input(name, value=float(default), help=help_text,
                                                   key=f"predict.{run.id}.{name}")
                else:
                    options = list(feature.get("categories") or [])
                    if not options or feature["kind"] == "text":
                        values[name] = st.text_input(name, value=str(default or ""), key=f"predict.{run.id}.{name}")
                    else:
                        idx = options.index(str(default)) if str(default) in options else 0
                        values[name] = st.selectbox(name, options, index=idx, key=f"predict.{run.id}.{name}")
        submitted = st.form_submit_button("Predict", type="primary")
    if submitted:
        model = predictor(state.workspace_root, run.id)
        result, _ = prediction.predict_frame(model, bundle, pd.DataFrame([values]))
        st.metric(f"Predicted {bundle.label}", str(result["prediction"].iloc[0]))
        proba = result.filter(like="proba_")
        if not proba.empty:
            probs = proba.iloc[0].rename(lambda c: c.removeprefix("proba_"))
            st.bar_chart(probs.rename("probability"), horizontal=True)

with batch:
    upload = st.file_uploader("CSV of rows to predict (same columns as the training data)", type=["csv"],
                              key=f"predict.batch.{run.id}")
    if upload is not None:
        # one folder per (upload, model): a rerun (e.g. the download click) reuses the scored file
        job_id = "predict-" + hashlib.sha256(f"{upload.file_id}:{run.id}".encode()).hexdigest()[:16]
        folder = ws.prediction_dir(job_id)
        source, target, notes = folder / "input.csv", folder / "output.csv", folder / "report.json"
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            source.write_bytes(upload.getvalue())
            bar = st.progress(0.0, text="Scoring…")
            try:
                report = prediction.predict_csv(predictor(state.workspace_root, run.id), bundle, source, target,
                                                on_progress=lambda n: bar.progress(0.5, text=f"{n:,} rows scored"))
            except AutoMLError as exc:
                st.error(str(exc))
            else:
                atomic.write_json(notes, report.lines())
            bar.empty()
        if target.exists():
            for line in atomic.read_json(notes, []):
                st.caption(line)
            st.dataframe(pd.read_csv(target, nrows=20), hide_index=True, width="stretch")
            st.download_button("Download predictions (CSV)", target.read_bytes(), file_name=f"predictions-{run.id}.csv",
                               mime="text/csv", key="predict.download", on_click="ignore")
