"""Widgets shared by pages: dataset / run pickers, the sidebar's words, a job's progress, the cluster box.
(The live training panel is `ui.training_views`.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from automl.errors import AutoMLError
from automl.model import bundle as bundle_mod
from automl.model import rollback
from automl.model.run_files import FORECAST
from automl.store import jobs
from automl.store.workspace import RunInfo, Workspace
from automl.training.runs import run_name
from ui.state import AppState

__all__ = ["require_dataset", "select_run", "job_progress", "cluster_choice", "alert_list", "rounded",
           "sidebar_dataset", "sidebar_run", "STATUS_ICON", "UPLOAD_TYPES"]

# What the uploaders take: every format the one reader (`automl.data.ingest`) reads, for training and prediction.
UPLOAD_TYPES = ["csv", "tsv", "txt", "tab", "xlsx", "parquet", "jsonl", "ndjson", "json", "gz", "bz2", "zip"]

# Material icons render in markdown on every machine (emoji need an emoji font).
STATUS_ICON = {"queued": ":material/schedule:", "starting": ":material/hourglass_top:",
               "running": ":material/directions_run:",
               "stopping": ":material/pan_tool:", "succeeded": ":material/check_circle:",
               "stopped": ":material/stop_circle:", "failed": ":material/error:",
               "cancelled": ":material/cancel:", "unknown": ":material/help:"}


def require_dataset(ws: Workspace, state: AppState, page: str):
    """The active dataset, or None after telling the user to pick one on the Data page."""
    datasets = ws.list_datasets()
    if not datasets:
        st.info("No dataset yet. Upload a file or pick a sample on the **Data** page.")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/table:")
        return None
    ids = [d.id for d in datasets]
    current = state.dataset_id if state.dataset_id in ids else ids[0]
    choice = st.selectbox("Dataset", ids, index=ids.index(current), key=f"{page}.dataset",
                          format_func=lambda i: next(f"{d.name} ({d.rows:,} rows × {d.cols} cols)"
                                                     for d in datasets if d.id == i))
    state.dataset_id = choice
    return next(d for d in datasets if d.id == choice)


def select_run(ws: Workspace, state: AppState, page: str, ready_only: bool = True,
               best_first: bool = False) -> RunInfo | None:
    """Pick a run; with `ready_only`, only runs whose model is complete. With nothing chosen before: the
    deployed run, else (`best_first`, Deploy) the best-scoring run for the newest run's target, else the
    newest. A forecast run is returned as it is: the pages show it through `ui.forecast_views`."""
    runs = ws.list_runs()
    if ready_only:
        ready = set(bundle_mod.ready_runs(ws, forecasts=True))
        runs = [r for r in runs if r.id in ready]
    if not runs:
        st.info("No finished run yet. Train a model on the **Train** page first.")
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
        return None
    ids = [r.id for r in runs]
    deployed = [d.run_id for d in ws.list_deployments() if d.run_id in ids]
    # the run chosen before (kept in the address across a refresh), else the deployed one, else the newest
    current = state.run_id if state.run_id in ids else (deployed[0] if deployed else
                                                        _best(runs) if best_first else ids[0])
    choice = st.selectbox("Run", ids, index=ids.index(current), key=f"{page}.run",
                          format_func=lambda i: _run_label(next(r for r in runs if r.id == i)))
    state.run_id = choice
    chosen = next(r for r in runs if r.id == choice)
    if chosen.problem_type == FORECAST:  # each page shows a forecast its own way (ui.forecast_views)
        return chosen
    rollback.recover(ws, choice)  # a shrink or refit of it that died half-way: its old model comes back first
    return chosen


def sidebar_dataset(ws: Workspace, dataset_id: str | None) -> str | None:
    """The active table in words (name and size), or None."""
    if not dataset_id:
        return None
    try:
        d = ws.get_dataset(dataset_id)
    except AutoMLError:
        return None
    return f"{d.name} ({d.rows:,} rows)"


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """A table's decimal columns rounded to what a reader needs: 3 significant digits at the column's usual
    size (`1,656`, not `1655.6446`; `0.827`; `16.9`). For display only: charts take the frame as it is."""
    out = frame.copy()
    for column in out.columns:
        s = out[column]
        if pd.api.types.is_float_dtype(s) and s.notna().any():
            size = float(s.abs().median()) or float(s.abs().max()) or 1.0
            digits = 3 - int(np.ceil(np.log10(size))) if size >= 1 else 3 - int(np.floor(np.log10(size))) - 1
            out[column] = s.round(max(0, digits))
    return out


def sidebar_run(ws: Workspace, run_id: str | None) -> str | None:
    """The active run in words (target, preset, when, score, status) and whether it is deployed, or None."""
    if not run_id:
        return None
    try:
        run = ws.get_run(run_id)
    except AutoMLError:
        return None
    serving = [d.name for d in ws.list_deployments() if d.run_id == run_id]
    where = f"deployed as {', '.join(serving)}" if serving else "not deployed"
    return f"{run_name(run)} · {where}"  # target, preset and budget, when, score: two runs never read the same


def _best(runs: list[RunInfo]) -> str:
    """The best-scoring of the runs that predict what the newest run predicts, by its metric."""
    from automl.monitoring.estimate import higher_is_better

    newest = runs[0]
    peers = [r for r in runs if (r.label, r.eval_metric) == (newest.label, newest.eval_metric)
             and r.test_value is not None]
    if not peers:
        return newest.id
    pick = max if higher_is_better(newest.eval_metric or "") else min
    return pick(peers, key=lambda r: r.test_value).id


def _run_label(run: RunInfo) -> str:
    return f"{run_name(run)} · {run.id}"  # the id last: what logs and the CLI know it by


def job_progress(ws: Workspace, job_id: str, what: str, unit: str = "rows") -> None:
    """Progress of a non-training job (e.g. SHAP); polls while active, refreshes the page when it ends."""
    job = jobs.refresh(ws, job_id)
    active = job.status in jobs.ACTIVE

    @st.fragment(run_every=1.5 if active else None)
    def panel() -> None:
        current = jobs.refresh(ws, job_id)
        if active and current.status not in jobs.ACTIVE:
            st.rerun()
        progress = [e for e in jobs.read_events(ws, current) if e.get("event") == "progress"]
        if current.status in jobs.ACTIVE:
            if current.status == "queued":
                st.progress(0.0, text=f"{what}: waiting for the job before it on this run to finish…")
            elif progress:
                done, total = progress[-1]["done"], progress[-1]["total"]
                st.progress(done / max(total, 1), text=f"{what}: {done} of {total} {unit}")
            else:
                st.progress(0.0, text=f"{what}: starting (loading the model)…")
            if st.button("Cancel", key=f"job.cancel.{job_id}"):
                jobs.cancel(ws, job_id)
                st.rerun()
        elif current.status == "failed":
            st.error(current.message or f"{what} failed.")

    panel()


_ALERT_TITLES = {"constant": "Constant", "id_like": "Identifier", "high_cardinality": "Too many categories",
                 "duplicate_rows": "Duplicate rows", "mostly_missing": "Mostly missing",
                 "imbalance": "Imbalanced target", "leakage": "Possible leak"}


def alert_list(ws: Workspace, info, alerts) -> None:
    """Each alert with its evidence and its one-click fix (exclude / include the column for training)."""
    from automl.data import datasets

    if not alerts:
        st.success("No alerts: no constant, identifier, leaking or mostly-missing columns, no duplicate rows.")
        return
    excluded = set(datasets.excluded_columns(info))
    for i, alert in enumerate(alerts):
        with st.container(border=True):
            text_col, action_col, fix_col = st.columns([5, 1, 1])
            step = datasets.alert_step(alert)
            if step is not None and fix_col.button("Fix in Clean", key=f"data.alert.{i}.fix",
                                                   help=f"Add the step '{step.describe()}' to this dataset's recipe"):
                datasets.save_draft(ws, info.id, datasets.load_draft(ws, info.id).with_step(step))
                st.switch_page("pages/clean.py")
            text_col.markdown(f"**{_ALERT_TITLES.get(alert.kind, alert.kind)}** · {alert.message}")
            if alert.action == "exclude" and alert.column:
                if alert.column in excluded:
                    text_col.caption("Left out of training.")
                    if action_col.button("Include", key=f"data.alert.{i}.include"):
                        datasets.set_excluded(ws, info.id, sorted(excluded - {alert.column}))
                        st.rerun()
                elif action_col.button("Exclude", key=f"data.alert.{i}.exclude", type="primary",
                                       help="Leave this column out of training (the Train page starts from this)"):
                    datasets.set_excluded(ws, info.id, sorted(excluded | {alert.column}))
                    st.rerun()
            elif alert.action == "choose_metric":
                if info.meta.get("metric") == "balanced_accuracy":
                    text_col.caption("Training will optimise balanced accuracy.")
                elif action_col.button("Use balanced accuracy", key=f"data.alert.{i}.metric"):
                    ws.update_dataset_meta(info.id, metric="balanced_accuracy")
                    st.rerun()


def cluster_choice(key: str, label: str) -> str:
    """The operator's Ray cluster (`AUTOML_STUDIO_RAY_ADDRESS`, or `automl-studio ui --ray`) as a box to tick;
    "" when none is configured or it is not ticked. A page never takes an address its user types: the server
    would connect wherever it was told, and a job would ship the rows and the model there."""
    from automl.cluster import configured_address

    address = configured_address()
    if not address:
        return ""
    use = st.checkbox(f"{label} at {address}", value=True, key=key,
                      help="The cluster this server's operator configured. A cluster of several machines needs the "
                           "workspace on storage they all reach.")
    return address if use else ""


def series_card(shape) -> None:
    """The Data page's word on a table with dates (`automl.data.timeseries.SeriesShape`, or None: nothing):
    what the series are, and what would break a forecast of them, each with its fix."""
    if shape is None:
        return
    st.subheader("Time series")
    st.markdown(shape.in_words())
    for problem in shape.problems:
        st.warning(f"{problem.sentence} **Fix:** {problem.fix}")
    if not shape.problems:
        st.caption(f"One value per series and time, no gaps: shortest series {shape.step_words(shape.shortest)}, "
                   f"longest {shape.step_words(shape.longest)}.")
    st.caption("To forecast it, choose **Forecast a value over time** on the Train page.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
