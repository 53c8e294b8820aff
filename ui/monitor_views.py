"""The Monitor page's panels: true outcomes, and a challenger trained on new rows beside the champion with
Promote and Rollback."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from automl.errors import AutoMLError
from automl.monitoring import retrain
from automl.monitoring.actuals import add_actuals
from automl.serving import deployments
from automl.serving.usage import MIN_SAMPLE_ROWS, SAMPLE_ROWS, WINDOW_S
from automl.store import jobs
from automl.store.workspace import Workspace
from ui.deploy_views import move_deployment
from ui.training_views import training_panel
from ui.widgets import UPLOAD_TYPES

__all__ = ["outcomes_panel", "challenger_panel", "endpoint_waiting"]


def endpoint_waiting(ws: Workspace, name: str) -> str | None:
    """What the deployment's endpoint has answered, while none of it is summarised yet (the page would say
    nothing was scored)."""
    answered = [s for s in ws.list_scorings(name) if s.source == "endpoint"]
    if not answered:
        return None
    rows = sum(s.rows for s in answered)
    requests = sum(int(s.detail.get("requests", 0)) for s in answered)
    return (f"Its endpoint has answered {rows:,} row(s) in {requests:,} request(s) so far. It summarises what it "
            f"answered (drift, answers, estimated performance) every {SAMPLE_ROWS:,} rows, every "
            f"{WINDOW_S / 60:g} minutes once it has {MIN_SAMPLE_ROWS}, and when it stops; each summary shows "
            "here as a batch.")


def outcomes_panel(ws: Workspace, name: str, label: str) -> None:
    """Upload true outcomes: joined by id to the answers of batches scored with that id column."""
    done = st.session_state.pop("monitor.outcomes_done", None)  # the last upload's result, across the redraw
    # open once used, and kept open: a rerun with `expanded` changed would fold it over the chosen file
    if done is not None or st.session_state.get("monitor.outcomes") is not None:
        st.session_state["monitor.outcomes_open"] = True
    if "monitor.id_column" not in st.session_state:  # the id the batches were scored with, when one was
        st.session_state["monitor.id_column"] = next(
            (s.detail["id_column"] for s in reversed(ws.list_scorings(name)) if s.detail.get("id_column")), "")
    with st.expander("Add true outcomes (joined to earlier predictions by id)",
                     expanded=bool(st.session_state.get("monitor.outcomes_open"))):
        for ok, line in done or ():
            (st.success if ok else st.warning)(line)
        st.caption("Score files through this deployment with an id column (Predict: *Keep only this column*, or "
                   f"`predict {name} FILE --out OUT --id-column ID`), or send `\"ids\"` with the endpoint's "
                   "requests; when the outcomes are known, upload them here with the same ids. Each batch's (and "
                   "endpoint period's) metric is then computed on its rows with an outcome.")
        upload = st.file_uploader("Outcomes file", type=UPLOAD_TYPES, key="monitor.outcomes")
        left, right = st.columns(2)
        id_column = left.text_input("Id column", key="monitor.id_column").strip()
        label_column = right.text_input("Outcome column", value=label, key="monitor.label_column").strip()
        if upload is not None and st.button("Add outcomes", key="monitor.add_outcomes", disabled=not id_column):
            try:
                report = add_actuals(ws, name, upload.getvalue(), id_column, label_column or None,
                                     file_name=upload.name)
            except AutoMLError as exc:
                st.error(str(exc))
            else:  # redraw the page: the charts above now show the realised metric
                st.session_state["monitor.outcomes_done"] = [(bool(report.matched), line) for line in report.lines()]
                st.rerun()


def challenger_panel(ws: Workspace, name: str, champion: str) -> None:
    """Train a challenger on new labelled rows, compare it with the champion, promote it (or roll back)."""
    st.subheader("Champion and challenger")
    found = retrain.challengers(ws, name)
    with st.expander("Train a challenger on new rows", expanded=not found):
        st.caption("The challenger is trained with the champion's settings and cleaning steps on a new dataset "
                   "version, then both are scored on new rows neither of them learned from.")
        upload = st.file_uploader("New rows with their outcomes", type=UPLOAD_TYPES, key="monitor.new_rows")
        left, right = st.columns(2)
        budget = left.number_input("Time budget (seconds)", 10, 3600, int(ws.get_run(champion).time_limit or 60),
                                   key="monitor.budget")
        learn = right.radio("Learn from", ["the champion's rows and the new ones", "the new rows alone"],
                            key="monitor.learn_from",
                            help="With the champion's rows the challenger knows everything the champion knew; on "
                                 "the new rows alone it learns only what changed lately, from fewer rows.")
        if upload is not None and st.button("Train a challenger", key="monitor.retrain", type="primary"):
            try:
                run = retrain.start_challenger(ws, name, upload.getvalue(), file_name=upload.name,
                                               time_limit=int(budget), new_rows_only=learn.endswith("alone"))
            except AutoMLError as exc:
                st.error(str(exc))
            else:
                st.success(f"Training challenger {run.id}.")
                found = retrain.challengers(ws, name)
    if not found:
        return
    latest = found[0]
    job = jobs.refresh(ws, latest["run"])
    if job.status in jobs.ACTIVE or job.status == "failed":
        training_panel(ws, latest["run"])
        return
    comparison = latest.get("comparison")
    if comparison is None:
        with st.spinner("Scoring champion and challenger on the same rows…"):
            try:
                comparison = retrain.compare(ws, name, latest["run"])["comparison"]
            except AutoMLError as exc:
                st.error(str(exc))
                return
    current = deployments.get(ws, name)
    _comparison_table(latest, comparison, current.run_id)
    left, right = st.columns(2)
    worse = comparison["better_on_new_rows"] != "challenger"
    if current.run_id != latest["run"]:
        sure = not worse or left.checkbox("Promote it although it scored worse on the new rows",
                                          key=f"monitor.promote_worse.{latest['run']}")
        if left.button(f"Promote challenger {latest['run']}", key="monitor.promote", disabled=not sure,
                       type="secondary" if worse else "primary"):
            move_deployment(lambda: deployments.promote(ws, name, latest["run"]), "now serves")
    previous = next((h.run_id for h in current.history if h.run_id != current.run_id), None)
    promoted_last = bool(current.history) and current.history[0].action == "promote"
    if previous and promoted_last and right.button(f"Roll back to {previous}", key="monitor.rollback"):
        move_deployment(lambda: deployments.rollback(ws, name), "rolled back: it serves")


def _comparison_table(latest: dict, comparison: dict, serving: str) -> None:
    metric = comparison["metric"]

    def role(run: str, was: str) -> str:  # what each model is now, not what it was when the challenger was trained
        return f"{run} ({'served now' if run == serving else 'not served' if was == 'champion' else was})"

    old, new = role(latest["champion"], "champion"), role(latest["run"], "challenger")
    frame = pd.DataFrame([
        {"rows": f"new rows held out ({comparison['new_rows_held_out']['rows']:,})",
         old: comparison["new_rows_held_out"]["champion"], new: comparison["new_rows_held_out"]["challenger"]},
        {"rows": f"original test split ({comparison['original_test_split']['rows']:,})",
         old: comparison["original_test_split"]["champion"], new: comparison["original_test_split"]["challenger"]},
    ])
    st.dataframe(frame, hide_index=True, width="stretch")
    better = comparison["better_on_new_rows"]
    direction = "higher" if comparison["higher_is_better"] else "lower"
    winner = latest["champion"] if better == "champion" else latest["run"]
    learned = comparison.get("learned_from") or latest.get("learned_from")
    if learned:
        st.caption(f"The champion {latest['champion']} learned from its own training rows; the challenger "
                   f"{latest['run']} from " + (f"those ({learned['champion']:,} rows) and {learned['new']:,} new rows."
                                               if learned["champion"] else f"the {learned['new']:,} new rows alone."))
    st.caption(f"{metric}, {direction} is better. On the new rows neither model was fitted on, **{winner}** "
               "is better. The challenger's score there is its measured model's, before retraining on every row; "
               "the champion's on its own test split is the one it was measured with"
               + ("; the challenger learned the champion's rows, so it is not scored on the champion's test split."
                  if comparison["original_test_split"]["challenger"] is None else "."))
