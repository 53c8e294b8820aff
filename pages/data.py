"""Data: upload or pick a sample; the stored datasets; preview and column profile of the active one."""

import streamlit as st

from automl import ingest, samples
from automl.errors import AutoMLError
from ui.loaders import dataset_frame, dataset_profile, workspace
from ui.state import get_state

state = get_state()
ws = workspace(state.workspace_root)

st.title("Data")
left, right = st.columns([3, 2])
with left:
    upload = st.file_uploader("Upload a table (CSV, TSV, TXT or Parquet)", type=["csv", "tsv", "txt", "parquet"],
                              key="data.upload")
    if upload is not None and upload.file_id != state.last_upload:
        try:
            df, report = ingest.read_table(upload.getvalue(), name=upload.name)
            info = ws.add_dataset(df, upload.name, {"ingest": report.to_dict()})
        except AutoMLError as exc:
            st.error(str(exc))
        else:
            state.dataset_id = info.id
            st.success(f"Stored {upload.name}: {info.rows:,} rows × {info.cols} columns.")
            for note in report.notes:
                st.caption(note)
        state.last_upload = upload.file_id
with right:
    key = st.selectbox("…or pick a sample", list(samples.SAMPLES), key="data.sample",
                       format_func=lambda k: f"{samples.SAMPLES[k].file} — {samples.SAMPLES[k].blurb}")
    if st.button("Use this sample", key="data.use_sample"):
        state.dataset_id = samples.add_sample(ws, key).id

datasets = ws.list_datasets()
if not datasets:
    st.info("No dataset yet: upload a file or pick a sample above.")
    st.stop()

ids = [d.id for d in datasets]
if state.dataset_id not in ids:
    state.dataset_id = ids[0]
active = st.radio("Datasets in this workspace", ids, index=ids.index(state.dataset_id),
                  format_func=lambda i: next(f"{d.name} · {d.rows:,} rows × {d.cols} cols · {d.id}"
                                             for d in datasets if d.id == i))
state.dataset_id = active

df = dataset_frame(state.workspace_root, active)
st.subheader("Preview")
st.dataframe(df.head(100), width="stretch", height=280)
st.subheader("Columns")
st.dataframe(dataset_profile(state.workspace_root, active), hide_index=True, width="stretch",
             column_config={"missing_pct": st.column_config.NumberColumn("missing %", format="%.1f")})
st.page_link("pages/train.py", label="Next: train a model on this dataset", icon=":material/model_training:")
