"""The live panel of a training run (a polling fragment): its progress against the budget, its plan, the models
fitted so far, what it did in words once finished, and Stop / Cancel."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from automl.data.markdown import md
from automl.model.names import plain_model_name
from automl.model.run_files import RunFiles
from automl.store import atomic, jobs
from automl.data.problem import preset_label
from automl.store.workspace import Workspace
from automl.training.runs import outcome_lines
from ui.state import AppState
from ui.widgets import STATUS_ICON

__all__ = ["training_panel", "training_leaderboard", "runs_section"]


def training_leaderboard(events: list[dict[str, Any]], metric: str | None) -> pd.DataFrame:
    """Models finished so far, best first, with the validation metric as users read it."""
    done = [e for e in events if e.get("event") == "model_done"]
    column = f"validation {metric or 'score'}"
    frame = pd.DataFrame([{"model": e["model"], "kind": plain_model_name(e["model"]),
                           column: e.get("metric_val", e.get("score_val")), "fit time (s)": e.get("fit_time"),
                           "_score": e.get("score_val")} for e in done])
    if frame.empty:
        return frame
    return frame.sort_values("_score", ascending=False).drop(columns="_score")


def training_panel(ws: Workspace, run_id: str) -> None:
    """Live progress of a training run; polls every 2 s while the run is active, then refreshes the page."""
    job = jobs.refresh(ws, run_id)
    active = job.status in jobs.ACTIVE

    @st.fragment(run_every=2.0 if active else None)
    def panel() -> None:
        current = jobs.refresh(ws, run_id)
        if active and current.status not in jobs.ACTIVE:
            st.rerun()  # the run just ended: redraw the whole page once, without polling
        run = ws.get_run(run_id)
        events = jobs.read_events(ws, current)
        started = current.started_at or current.created_at
        end = current.finished_at or time.time()
        if current.status == "queued":
            end = started
        elapsed = max(0.0, end - started)
        budget = float(run.time_limit or 0) or 1.0
        st.markdown(f"**{STATUS_ICON.get(current.status, '')} {current.status.capitalize()}** · run `{run_id}` · "
                    f"{_elapsed_words(elapsed, budget, current.status)}")
        if current.status == "queued":
            _queue_place(ws, run_id)
        elif current.status in jobs.ACTIVE:
            st.progress(min(elapsed / budget, 1.0), text=_current_step(events))
        plan = next((e["plan"] for e in events if e.get("event") == "stage" and e.get("plan")), None)
        if plan:
            st.caption("Plan: " + plan)
        if current.status in ("succeeded", "stopped"):  # what ran, what was left out and why, in words
            metrics = atomic.read_json(RunFiles(ws.run_dir(run_id)).metrics) or {}
            for line in outcome_lines(events, metrics, bool(run.config.get("refit_all_rows", True))):
                st.markdown(f"- {line}")
        board = training_leaderboard(events, run.eval_metric)
        if not board.empty:
            st.dataframe(board, hide_index=True, width="stretch")
        _failures_and_controls(ws, current, events)
        with st.expander("Training log (last lines)"):
            # the workspace's full path tells a viewer nothing but where the server keeps its files
            st.code(jobs.log_tail(ws, current, 40).replace(str(ws.root), "<workspace>") or "(empty)", language=None)

    panel()


def runs_section(ws: Workspace, state: AppState) -> None:
    """The run in front (the one just started, else a live one, else the newest), live, then every run."""
    runs = ws.list_runs()
    if not runs:
        return
    ids = [r.id for r in runs]
    live = [r.id for r in runs if r.status in jobs.ACTIVE]
    current = state.run_id if state.run_id in ids else (live[0] if live else ids[0])
    st.subheader("Run")
    training_panel(ws, current)
    if ws.get_run(current).status == "succeeded":
        state.run_id = current
        st.page_link("pages/evaluate.py", label="Next: see how good this model is (Evaluate)",
                     icon=":material/arrow_forward:")
    st.subheader("Run history")
    history = pd.DataFrame([{
        "status": r.status, "target": r.label, "type": r.problem_type,
        "metric": r.eval_metric, "test value": r.test_value, "preset": preset_label(r.preset),
        "budget (s)": r.time_limit,
        "started": pd.Timestamp(r.created_at, unit="s").strftime("%Y-%m-%d %H:%M:%S"), "run": r.id,
    } for r in runs])
    st.dataframe(history, hide_index=True, width="stretch")
    picked = st.selectbox("Show run", ids, index=ids.index(current))
    if picked != current:
        state.run_id = picked
        st.rerun()


def _elapsed_words(elapsed: float, budget: float, status: str) -> str:
    """The time used against the budget, which covers the whole run (fitting, scoring the test split and
    retraining on every row), and why it may pass it a little."""
    if status == "queued":
        return f"a {budget:.0f} s budget, not started yet"
    if elapsed <= budget * 1.05:
        return f"{elapsed:.0f} s of a {budget:.0f} s budget"
    return (f"{elapsed:.0f} s for a {budget:.0f} s budget: AutoGluon finishes the model it is fitting before it "
            "stops, and a large table takes longer to score")


def _queue_place(ws: Workspace, run_id: str) -> None:
    line = [j.id for j in jobs.queue(ws)]
    position = line.index(run_id) + 1 if run_id in line else 1
    st.info(f"Waiting in the queue: number {position} of {len(line)}. It starts when the training "
            f"before it ends ({jobs.max_training()} at a time on this machine).")
    if st.button("Remove from the queue", key="train.dequeue"):
        jobs.cancel(ws, run_id)
        st.rerun()


def _failures_and_controls(ws: Workspace, current, events: list[dict[str, Any]]) -> None:
    """Models that did not finish, the run's error, and Stop / Cancel while it runs."""
    failures = [e for e in events if e.get("event") == "model_failed"]
    if failures:
        with st.expander(f"{len(failures)} model(s) left out (the budget ran out, or AutoGluon skipped them): "
                         "the others were trained"):
            for e in failures:
                st.markdown(f"- **{e.get('model') or 'a model'}** — {md(e.get('reason') or 'no reason given')}")
    if current.status == "failed":
        st.error(current.message or "Training failed.")
    if current.status in ("running", "starting"):
        c1, c2, _ = st.columns([2, 2, 3])
        if c1.button("Stop and keep the best so far", key="train.stop",
                     help="Finish the model being fitted, then keep the best model found so far"):
            jobs.request_stop(ws, current.id)
            st.rerun()
        if c2.button("Cancel and discard", key="train.cancel", help="Kill training now; nothing is kept"):
            jobs.cancel(ws, current.id)
            st.rerun()


def _current_step(events: list[dict[str, Any]]) -> str:
    for ev in reversed(events):
        if ev.get("event") == "model_started":
            limit = ev.get("time_limit")
            return f"Training {ev['model']}" + (f" (up to {limit:.0f} s of the budget)…" if limit else "…")
        if ev.get("event") == "stage":
            return {"split": "Preparing data…", "fitting": "Starting AutoGluon…",
                    "evaluating": "Scoring on the test split…",
                    "refitting": "Retraining the chosen model on every row…"}.get(ev.get("stage"), "Working…")
    return "Starting…"
