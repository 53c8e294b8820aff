"""Train: choose the target and budget, start training in its own process, follow it live."""

import json

import pandas as pd
import streamlit as st

from automl.data import datasets
from automl.data.problem import (DEFAULT_METRIC, METRICS, PRESETS, PROBLEM_TYPES, infer_problem_type, metric_name)
from automl.errors import AutoMLError
from automl.training.config import MODEL_FAMILIES, TrainConfig, start_training
from ui.flow import stop_page
from ui.gate import require_sign_in
from ui.forecast_train import TASK_WORDS, forecast_form
from ui.loaders import dataset_frame, dataset_series, gpus, preflight_check, workspace
from ui.state import get_state
from ui.training_views import runs_section
from ui.widgets import cluster_choice, require_dataset

require_sign_in()  # however the app was started, nothing below renders before sign-in

state = get_state()
ws = workspace(state.workspace_root)

st.title("Train")
dataset = require_dataset(ws, state, "train")
if dataset is None:
    stop_page()
df = dataset_frame(state.workspace_root, dataset.id)
draft = datasets.load_draft(ws, dataset.id)
if len(draft):
    st.warning(f"The Clean page holds a recipe of {len(draft)} step(s) for this dataset that is not saved as a "
               "dataset version: training here uses the table without it. Save it on Clean (**Save as a new "
               "dataset version**), then train on the version.")
    st.page_link("pages/clean.py", label="Go to Clean", icon=":material/cleaning_services:")
if dataset.meta.get("parent"):
    st.caption(f"A cleaned version: its recipe ({len(dataset.meta['recipe']['steps'])} step(s)) is fitted on the "
               "training split only, kept with the model and replayed on every prediction.")
shape = dataset_series(state.workspace_root, dataset.id, None)  # None: no column of dates
if shape is not None:
    task = st.radio("What to learn", list(TASK_WORDS), format_func=TASK_WORDS.get, horizontal=True,
                    key=f"train.task.{dataset.id}", index=1 if dataset.meta.get("task") == "forecast" else 0,
                    on_change=lambda: ws.update_dataset_meta(
                        dataset.id, task=st.session_state[f"train.task.{dataset.id}"]))
    if task == "forecast":
        forecast_form(ws, state, dataset, df, shape)
        runs_section(ws, state)
        stop_page()
columns = [str(c) for c in df.columns]
suggested = datasets.chosen_target(ws, dataset)
label = st.selectbox("Column to predict (target)", columns, key=f"train.label.{dataset.id}",
                     index=columns.index(suggested) if suggested in columns else None,
                     placeholder="Choose the column the model should predict",
                     on_change=lambda: datasets.set_target(ws, dataset.id,
                                                           st.session_state[f"train.label.{dataset.id}"]))
if label is None:  # no guess: the last column is as often an id or a date as the answer
    st.info("Choose the column to predict: the one holding the answer you want for new rows.")
    stop_page()

y = df[label].dropna()
inferred = infer_problem_type(y) if y.nunique() >= 2 else None
c1, c2 = st.columns(2)
with c1:
    if inferred:
        st.markdown(f"Problem type inferred: **{inferred.problem_type}** — {inferred.reason}")
    choice = st.radio("Problem type", ["inferred", *PROBLEM_TYPES], horizontal=True, key="train.problem_type")
    problem_type = (inferred.problem_type if inferred else "binary") if choice == "inferred" else choice
    metric_names = list(METRICS[problem_type])
    preferred = dataset.meta.get("metric")
    metric = st.selectbox("Metric to optimise", metric_names, key=f"train.metric.{dataset.id}.{problem_type}",
                          index=metric_names.index(preferred if preferred in metric_names
                                                   else DEFAULT_METRIC[problem_type]),
                          format_func=metric_name,
                          help="\n".join(f"- **{metric_name(k)}**: {v}" for k, v in METRICS[problem_type].items()))
    st.caption(METRICS[problem_type][metric])
with c2:
    preset = st.radio("Quality", list(PRESETS), format_func=lambda k: PRESETS[k]["label"], horizontal=True,
                      key="train.preset")
    st.caption(PRESETS[preset]["help"])
    time_limit = st.number_input("Time budget (seconds)", min_value=10, max_value=24 * 3600, value=60, step=10,
                                 key="train.time_limit")
    test_size = st.select_slider(
        "Held-out test split", ["auto", *(round(0.05 * k, 2) for k in range(1, 11))], "auto", key="train.test_split",
        format_func=lambda v: "Automatic" if v == "auto" else f"{100 * v:.0f}%",
        help="Rows kept aside before training, to measure the model honestly. Automatic: 20% up to 10,000 "
             "rows, then 2,000 rows (what a measurement needs does not grow with the table); the pre-flight "
             "check says how many.")
    refit_all_rows = st.checkbox("Then retrain on every row", value=True, key="train.refit",
                                 help="Once the test split has measured the model, retrain it with the same "
                                      "configuration on all rows (test split included) for predictions. The "
                                      "test score stays the honest estimate. Time for it comes out of the budget.")
options = [c for c in columns if c != label]
exclude = st.multiselect("Columns to leave out", options, key=f"train.exclude.{dataset.id}.{label}",
                         default=[c for c in datasets.suggested_exclusions(ws, dataset, label) if c in options],
                         help="Starts from your choice on the Data page, else from its identifier and leakage "
                              "alerts for this target.")
with st.expander("Advanced"):
    families = st.multiselect("Model families (empty: the preset's choice)", list(MODEL_FAMILIES),
                              format_func=lambda k: MODEL_FAMILIES[k], key="train.families")
    gpu = st.radio("GPU", ["auto", "on", "off"], horizontal=True, key="train.gpu",
                   help="auto uses a GPU when one is visible; on fails without one; off forces CPU.")
    numeric = [c for c in options if pd.api.types.is_numeric_dtype(df[c]) and c not in exclude]
    weight = st.selectbox("Sample weight column (optional)", [None, *numeric], key=f"train.weight.{dataset.id}",
                          format_func=lambda c: "— none —" if c is None else c,
                          help="A column saying how much each row counts in training; it is not an input.")
    trials = st.number_input("Hyperparameter tuning: trials per model family (0 = off)", 0, 200, 0,
                             key="train.trials")
    seed = st.number_input("Random seed (test split)", value=0, step=1, key="train.seed")
    ray_address = cluster_choice("train.ray", "Fit on the Ray cluster")

config = TrainConfig(
    dataset_id=dataset.id, label=label, problem_type=None if choice == "inferred" else choice,
    eval_metric=metric, preset=preset, time_limit=int(time_limit),
    test_size=None if test_size == "auto" else float(test_size),
    exclude=tuple(exclude), gpu=gpu, seed=int(seed), model_families=tuple(families), sample_weight=weight,
    tuning_trials=int(trials), refit_all_rows=bool(refit_all_rows), ray_address=ray_address or "")
with st.container(border=True):
    st.markdown("**Pre-flight check**")
    try:
        check = preflight_check(state.workspace_root, json.dumps(config.to_dict()),
                                tuple(gpus()) if gpu != "off" else ())
    except AutoMLError as exc:
        st.error(str(exc))
    else:
        for line in check.lines():
            st.markdown(f"- {line}")
        for warning in check.warnings:
            st.warning(warning)

if st.button("Train", type="primary", key="train.start"):
    try:
        run = start_training(ws, config)
    except AutoMLError as exc:
        st.error(str(exc))
    else:
        state.run_id = run.id

runs_section(ws, state)
