"""Home: what the app does, and the samples to start from."""

import streamlit as st

from automl.data import samples
from ui.gate import require_sign_in
from ui.loaders import workspace
from ui.state import get_state

require_sign_in()  # however the app was started, nothing below renders before sign-in

state = get_state()
ws = workspace(state.workspace_root)

def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


st.title("AutoML Studio")
st.markdown(
    "Upload a table, and AutoML Studio trains and tunes models that predict one of its columns from the others "
    "(with AutoGluon, on a GPU when there is one). Then it shows how good they are, explains what drives their "
    "predictions, and predicts new rows — one at a time here or a whole CSV in batch."
)
n_datasets, n_runs = len(ws.list_datasets()), len(ws.list_runs())
st.caption("Nothing here yet: upload a table or pick a sample below." if not n_datasets else
           f"Your workspace holds {_count(n_datasets, 'table')} and {_count(n_runs, 'trained model run')}.")

st.page_link("pages/data.py", label="Upload your own data", icon=":material/upload_file:")

st.subheader("Start from a sample")
cols = st.columns(len(samples.SAMPLES))
for col, (key, sample) in zip(cols, samples.SAMPLES.items(), strict=True):
    with col:
        st.markdown(f"**{sample.file}** — {sample.task}")
        st.caption(f"{sample.blurb} " + (f"Forecasts `{sample.label}`." if sample.task == "forecast" else
                                         f"Predicts `{sample.label}`."))
        if st.button(f"Use {key}", key=f"home.sample.{key}"):
            state.dataset_id = samples.add_sample(ws, key).id
            st.switch_page("pages/data.py")

st.subheader("Steps")
STEPS = [
    ("pages/data.py", "Data", "upload a table (CSV, Excel, Parquet, JSON lines…); see its columns, alerts and fixes"),
    ("pages/clean.py", "Clean", "(optional) a recipe of cleaning steps, replayed on every prediction"),
    ("pages/train.py", "Train", "pick the column to predict and a time budget; watch models finish live"),
    ("pages/evaluate.py", "Evaluate", "how good the model is against the simplest guess, with charts"),
    ("pages/explain.py", "Explain", "which columns drive the predictions (SHAP), and a report to hand out"),
    ("pages/predict.py", "Predict", "one row in a form, or a whole file to download"),
    ("pages/deploy.py", "Deploy", "a name and an HTTP endpoint other programs call"),
    ("pages/monitor.py", "Monitor", "how what a deployment scores drifts from training, and a challenger to promote"),
]
for number, (path, title, what) in enumerate(STEPS, start=1):
    st.page_link(path, label=f"{number}. {title} — {what}")
