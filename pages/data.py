"""Data: upload or pick a sample; what was read and fixed; columns, alerts with their fixes, distributions."""

from pathlib import Path

import streamlit as st

from automl.data import datasets, samples
from automl.data.markdown import code, md
from automl.data.profile import profile_frame
from automl.data.spreadsheet import safe_csv
from automl.errors import AutoMLError
from automl.evaluation import charts
from ui.flow import stop_page
from ui.gate import require_sign_in
from automl.data.associations import MAX_COLUMNS
from ui.loaders import dataset_associations, dataset_frame, dataset_profile, dataset_series, workspace
from ui.state import get_state
from ui.widgets import UPLOAD_TYPES, alert_list, series_card

require_sign_in()  # however the app was started, nothing below renders before sign-in

state = get_state()
ws = workspace(state.workspace_root)

st.title("Data")
left, right = st.columns([3, 2])
with left:
    upload = st.file_uploader("Upload a table: CSV, TSV, TXT, Excel, Parquet or JSON lines (also .gz, .bz2, .zip)",
                              type=UPLOAD_TYPES, key="data.upload")
    if upload is not None and upload.file_id != state.last_upload:
        bar = st.progress(0.0, text=f"Reading {upload.name}…")
        try:
            info, report = datasets.import_table(ws, upload, name=upload.name,
                                                 on_progress=lambda f: bar.progress(f, text=f"Reading {upload.name}…"))
        except AutoMLError as exc:
            st.error(str(exc))
        else:
            state.dataset_id = info.id
            st.success(f"Stored {md(report.source)}: {info.rows:,} rows × {info.cols} columns.")
        finally:
            bar.empty()
        state.last_upload = upload.file_id
with right:
    key = st.selectbox("…or pick a sample", list(samples.SAMPLES), key="data.sample",
                       format_func=lambda k: f"{samples.SAMPLES[k].file} — {samples.SAMPLES[k].blurb}")
    if st.button("Use this sample", key="data.use_sample"):
        state.dataset_id = samples.add_sample(ws, key).id

all_datasets = ws.list_datasets()
if not all_datasets:
    st.info("No dataset yet: upload a file or pick a sample above.")
    stop_page()

ids = [d.id for d in all_datasets]
if state.dataset_id not in ids:
    state.dataset_id = ids[0]
active = st.radio("Datasets in this workspace", ids, index=ids.index(state.dataset_id),
                  format_func=lambda i: next(f"{d.name} · {d.rows:,} rows × {d.cols} cols · {d.id}"
                                             for d in all_datasets if d.id == i))
state.dataset_id = active
info = ws.get_dataset(active)
profile = dataset_profile(state.workspace_root, active)
df = dataset_frame(state.workspace_root, active)

missing_cells = sum(c.missing for c in profile.columns)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Rows", f"{profile.rows:,}")
c2.metric("Columns", len(profile.columns))
c3.metric("Missing cells", f"{100 * missing_cells / max(1, profile.rows * len(profile.columns)):.1f}%")
c4.metric("Duplicate rows", f"{profile.duplicate_rows:,}")
notes = info.meta.get("ingest", {}).get("notes", [])
with st.expander(f"How the file was read ({len(notes)} note(s))", expanded=bool(notes)):
    ingest = info.meta.get("ingest", {})
    st.caption(f"Format {ingest.get('format', '?')}"
               + (f", delimiter {ingest['delimiter']!r}" if ingest.get("delimiter") else "")
               + (f", encoding {ingest['encoding']}" if ingest.get("encoding") else ""))
    for note in notes:
        st.markdown(f"- {note}")

st.subheader("Alerts")
columns = [c.name for c in profile.columns]
suggested = datasets.chosen_target(ws, info)
target = st.selectbox("Target column: what to predict (adds the imbalance and leakage checks; Clean and Train "
                      "start from it)", [None, *columns],
                      index=([None, *columns].index(suggested) if suggested in columns else 0),
                      format_func=lambda c: "— none —" if c is None else c, key=f"data.target.{active}",
                      on_change=lambda: datasets.set_target(ws, active, st.session_state[f"data.target.{active}"]))
with st.spinner("Checking the data…"):
    alerts = datasets.load_alerts(ws, active, target)
alert_list(ws, info, alerts)
series_card(dataset_series(state.workspace_root, active, target))

st.subheader("Preview")
st.dataframe(df.head(100), width="stretch", height=280)
st.download_button("Download the table (CSV)", data=lambda: safe_csv(df), file_name=f"{Path(info.name).stem}.csv",
                   mime="text/csv", key=f"data.download.{active}",
                   help="Every row as stored. Text that a spreadsheet would run as a formula (=, +, -, @) is written "
                        "with a leading ' so that it stays text.")
st.subheader("Columns")
st.dataframe(profile_frame(profile), hide_index=True, width="stretch",
             column_config={"missing_pct": st.column_config.NumberColumn("missing %", format="%.1f")})

st.subheader("Distributions")
kinds = {c.name: c.type for c in profile.columns}
# the target when chosen, else the first column the alerts do not call an id (a bar of height 1 per row)
id_like = {a.column for a in alerts if a.kind == "id_like"}
first = next((c for c in columns if c not in id_like), columns[0])
chosen = st.selectbox("Column", columns, index=columns.index(target if target in columns else first),
                      key=f"data.dist.{active}")
st.plotly_chart(charts.column_distribution_figure(df[chosen], kinds[chosen],
                                                  title=("Target: " if chosen == target else "") + f"{chosen}"),
                width="stretch")
if st.toggle("Show how columns go together (association heatmap)", key="data.assoc"):
    matrix = dataset_associations(state.workspace_root, active)
    st.plotly_chart(charts.association_figure(matrix), width="stretch")
    left_out = [c for c in columns if c not in matrix.columns]
    if left_out:  # never silently: which columns the heatmap does not show, and why
        st.caption(f"{len(matrix.columns)} of {len(columns)} columns shown. Left out: "
                   + ", ".join(code(c) for c in left_out[:12]) + (f" and {len(left_out) - 12} more" if
                                                                  len(left_out) > 12 else "")
                   + f" (identifiers, free text, columns with one value, and any past the first {MAX_COLUMNS} "
                   "that can be compared).")
st.page_link("pages/train.py", label="Next: train a model on this dataset", icon=":material/model_training:")

with st.expander("Delete this dataset"):
    versions = [d.name for d in all_datasets if d.meta.get("parent") == active]
    st.caption("Removes its rows, profile and draft recipe from the workspace"
               + (f", and its cleaned versions ({', '.join(versions)})" if versions else "")
               + ". Models trained on it keep working (they keep the rows they were tested on) but cannot be "
                 "trained again.")
    sure = st.checkbox("Yes, delete it", key=f"data.confirm_delete.{active}")
    if st.button("Delete dataset", icon=":material/delete:", key="data.delete", disabled=not sure):
        deleted = datasets.delete_dataset(ws, active)
        state.dataset_id = None
        dataset_frame.clear()
        dataset_profile.clear()
        st.success(f"Deleted {len(deleted)} dataset(s).")
        st.rerun()
