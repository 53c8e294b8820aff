"""Clean: build a recipe of cleaning steps with a before/after preview; it is replayed on every prediction."""

import streamlit as st

from automl.data import datasets
from automl.data.cleaning import preview
from automl.data.markdown import code
from automl.data.steps import STEP_TYPES
from automl.errors import AutoMLError
from ui.flow import stop_page
from ui.gate import require_sign_in
from ui.loaders import dataset_frame, workspace
from ui.state import get_state
from ui.step_forms import step_form
from ui.widgets import require_dataset

require_sign_in()  # however the app was started, nothing below renders before sign-in

PREVIEW_ROWS = 50_000

state = get_state()
ws = workspace(state.workspace_root)

st.title("Clean")
dataset = require_dataset(ws, state, "clean")
if dataset is None:
    stop_page()
st.caption("AutoGluon already handles missing values and categories, so cleaning is optional: the recipe starts "
           "empty. Each step is learned on the training split only and replayed, identically, on every row you "
           "predict later.")
if dataset.meta.get("parent"):
    st.info(f"This is a cleaned version: it already carries {len(dataset.meta['recipe']['steps'])} step(s). "
            "Steps added here come after them.")

df = dataset_frame(state.workspace_root, dataset.id)
columns = [str(c) for c in df.columns]
draft = datasets.load_draft(ws, dataset.id)
suggested = datasets.chosen_target(ws, dataset)
label = st.selectbox("Target column (kept out of steps that only make sense for inputs)", [None, *columns],
                     index=[None, *columns].index(suggested) if suggested in columns else 0,
                     format_func=lambda c: "— none —" if c is None else c, key=f"clean.label.{dataset.id}",
                     on_change=lambda: datasets.set_target(ws, dataset.id,
                                                           st.session_state[f"clean.label.{dataset.id}"]))

st.subheader("Recipe")
if not len(draft):
    st.caption("No steps yet.")
for i, step in enumerate(draft.steps):
    with st.container(border=True):
        text, up, down, edit, remove = st.columns([8, 1, 1, 1, 1])
        text.markdown(f"**{i + 1}.** {step.describe()}")
        if up.button("", icon=":material/arrow_upward:", key=f"clean.up.{i}", disabled=i == 0, help="Move up"):
            datasets.save_draft(ws, dataset.id, draft.moved(i, -1))
            st.rerun()
        if down.button("", icon=":material/arrow_downward:", key=f"clean.down.{i}", disabled=i == len(draft) - 1,
                       help="Move down"):
            datasets.save_draft(ws, dataset.id, draft.moved(i, 1))
            st.rerun()
        if edit.button("", icon=":material/edit:", key=f"clean.edit.{i}", help="Edit"):
            state.editing_step = i
            st.rerun()
        if remove.button("", icon=":material/delete:", key=f"clean.remove.{i}", help="Remove"):
            datasets.save_draft(ws, dataset.id, draft.without(i))
            state.editing_step = None
            st.rerun()
if st.button("Undo", icon=":material/undo:", key="clean.undo", disabled=not datasets.can_undo(ws, dataset.id)):
    datasets.undo_draft(ws, dataset.id)
    state.editing_step = None
    st.rerun()

editing = state.editing_step if state.editing_step is not None and state.editing_step < len(draft) else None
st.subheader("Edit step" if editing is not None else "Add a step")
initial = draft.steps[editing] if editing is not None else None
if initial is not None:
    kind = initial.kind
    st.markdown(f"Step {editing + 1}: **{STEP_TYPES[kind].title}**")
else:
    kind = st.selectbox("Step", list(STEP_TYPES), key="clean.kind", format_func=lambda k: STEP_TYPES[k].title)
new_step = step_form(kind, columns, key=f"clean.form.{kind}.{editing}", initial=initial)
if editing is not None:
    save, cancel = st.columns([1, 6])
    if save.button("Save step", type="primary", key="clean.save"):
        steps = list(draft.steps)
        steps[editing] = new_step.unfitted()
        datasets.save_draft(ws, dataset.id, type(draft)(tuple(steps)))
        state.editing_step = None
        st.rerun()
    if cancel.button("Cancel", key="clean.cancel_edit"):
        state.editing_step = None
        st.rerun()
elif st.button("Add step", type="primary", key="clean.add"):
    datasets.save_draft(ws, dataset.id, draft.with_step(new_step))
    st.rerun()

if not len(draft):
    stop_page()

st.subheader("Before / after")
sample = df if len(df) <= PREVIEW_ROWS else df.sample(PREVIEW_ROWS, random_state=0)
try:
    result = preview(draft, sample, label)
except (AutoMLError, KeyError, ValueError, TypeError) as exc:
    st.error(f"The recipe cannot run on this data: {exc}")
    stop_page()
c1, c2, c3, c4 = st.columns(4)
c1.metric("Rows", f"{result.rows_after:,}", delta=(result.rows_after - result.rows_before) or None)
c2.metric("Columns added", len(result.added))
c3.metric("Columns removed", len(result.removed))
c4.metric("Columns changed", len(result.changed))
if len(df) > PREVIEW_ROWS:
    st.caption(f"Preview on {PREVIEW_ROWS:,} sampled rows of {len(df):,}.")
for what, cols in (("Added", result.added), ("Removed", result.removed), ("Changed", result.changed)):
    if cols:
        st.markdown(f"**{what}:** " + ", ".join(code(c) for c in cols))
if not result.sample.empty:
    st.caption("Some changed rows:")
    st.dataframe(result.sample, width="stretch")

st.subheader("Use it")
left, right = st.columns(2)
left.download_button("Download the recipe (JSON)", draft.to_json(), file_name=f"recipe-{dataset.id}.json",
                     mime="application/json", key="clean.download", on_click="ignore")
if right.button("Save as a new dataset version", type="primary", key="clean.save_version",
                help="Train on the version: its recipe is fitted on the training split and kept with the model."):
    try:
        version = datasets.save_version(ws, dataset.id, draft, label)
    except (AutoMLError, KeyError, ValueError, TypeError) as exc:
        st.error(f"The recipe cannot run on this data: {exc}")
    else:
        state.dataset_id = version.id
        st.success(f"Saved {version.name} ({version.rows:,} rows × {version.cols} columns). Train on it next.")
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
