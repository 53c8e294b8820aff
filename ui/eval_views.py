"""The Evaluate page's sections, one function each (the page itself only picks which to show)."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import streamlit as st

from automl.data.markdown import code
from automl.errors import AutoMLError
from automl.evaluation import charts, curves, summary
from automl.evaluation.compact import compact_choice
from automl.evaluation.thresholds import OBJECTIVES, metrics_at_threshold
from automl.model import choice, threshold
from automl.model.bundle import Bundle
from automl.model.names import plain_model_name
from automl.store import atomic, jobs
from automl.store.workspace import RunInfo, Workspace
from ui.loaders import predictor, threshold_suggestion
from ui.state import AppState
from ui.timing import timed_run
from ui.widgets import job_progress, rounded

__all__ = ["binary_section", "multiclass_section", "regression_section", "leaderboard_section"]


def binary_section(ws: Workspace, bundle: Bundle, preds: pd.DataFrame, run: RunInfo, computed: dict) -> None:
    """Decision threshold (tuned, saved), confusion matrix at it, ROC, PR, calibration, gain, KS: a fragment,
    so moving the threshold redraws this section only (the curves come computed, `computed`)."""
    st.fragment(_threshold_section)(ws, bundle, preds, run, computed)


def _threshold_section(ws: Workspace, bundle: Bundle, preds: pd.DataFrame, run: RunInfo, computed: dict) -> None:
    with timed_run("Evaluate: threshold section", time.time()):  # benchmarks/page_speed.py times a drag
        _threshold_controls(ws, bundle, preds, run, computed)


def _threshold_controls(ws: Workspace, bundle: Bundle, preds: pd.DataFrame, run: RunInfo, computed: dict) -> None:
    """One panel: the threshold in use first; the criterion it was tuned for as the default; a suggestion on
    validation rows that moves the slider; one button that saves the slider's threshold."""
    positive = bundle.metrics.positive_class
    y, p = curves.binary_arrays(preds, positive)
    st.subheader("Decision threshold")
    saved = bundle.threshold
    st.markdown(f"**In use: {saved:.2f}** ({bundle.threshold_source})." if saved is not None else
                "**In use: AutoGluon's own decision** (the more probable class, as at 0.50).")
    slider_key = f"evaluate.threshold.{run.id}"
    c1, c2, c3 = st.columns([2, 2, 3])
    tuned_for = _tuned_for(bundle)
    objective = c1.selectbox("Tune it for", list(OBJECTIVES), index=OBJECTIVES.index(tuned_for) if tuned_for else 0,
                             key=f"evaluate.objective.{run.id}", format_func=lambda o: o.replace("_", " "),
                             help="The criterion the threshold in use was tuned for comes first.")
    _suggestion(ws, bundle, objective, _objective_params(c2, objective), c2, slider_key)
    chosen = c3.slider(f"Threshold: predict {code(positive)} when its probability is at least", 0.01, 0.99,
                       float(saved if saved is not None else 0.5), 0.01, key=slider_key)
    at = metrics_at_threshold(y, p, chosen)
    c3.caption(f"On the test split at this threshold: precision {at['precision']:.3f} · recall "
               f"{at['recall']:.3f} · F1 {at['f1']:.3f} · accuracy {at['accuracy']:.3f}")
    if c3.button("Use this threshold for every prediction", key="evaluate.save_threshold", type="primary"):
        _save(ws, bundle, chosen, objective)
    _binary_charts(bundle, preds, y, p, chosen, at, computed)


def _tuned_for(bundle: Bundle) -> str | None:
    """The criterion (an `OBJECTIVES` key) the saved threshold was tuned for, when it says."""
    said = bundle.threshold_chosen_by
    for objective in sorted(OBJECTIVES, key=len, reverse=True):  # "balanced_accuracy" before "accuracy"
        if said.startswith(objective) or f"for {objective.replace('_', ' ')}" in said:
            return objective
    return None


def _objective_params(col, objective: str) -> dict:
    params = {}
    if objective == "precision_at_recall":
        params["min_recall"] = col.slider("at a recall of at least", 0.05, 1.0, 0.8, 0.05, key="evaluate.recall")
    elif objective == "cost":
        params["cost_fp"] = col.number_input("Cost of a false positive", 0.0, value=1.0, key="evaluate.cost_fp")
        params["cost_fn"] = col.number_input("Cost of a false negative", 0.0, value=5.0, key="evaluate.cost_fn")
    return params


def _suggestion(ws: Workspace, bundle: Bundle, objective: str, params: dict, col, slider_key: str) -> None:
    """AutoGluon's suggestion for `objective` on validation rows, and a button that moves the slider to it
    (saving stays the one button under the slider)."""
    val_file = bundle.files.validation_predictions
    suggested = threshold_suggestion(str(ws.root), bundle.run_id, bundle.deployed_model, objective,
                                     json.dumps(params, sort_keys=True),
                                     val_file.stat().st_mtime if val_file.exists() else 0.0)
    if suggested is None:
        col.caption("No validation predictions are kept for this model (a run from an older version), so no "
                    "threshold is suggested: tuning it on the test split would make its scores look better "
                    "than they are.")
        return
    value = round(float(suggested["threshold"]), 2)
    col.caption(f"Suggested: **{suggested['threshold']:.3f}**, tuned on {suggested['rows']:,} {suggested['source']} "
                "rows the model was not fitted on (not the test split)."
                + (f" Cost there: {suggested['cost']:,.0f}." if objective == "cost" else ""))
    col.button(f"Move the slider to {value:.2f}", key="evaluate.take_suggested",
               on_click=lambda: st.session_state.__setitem__(slider_key, value),
               help="Then look at the charts at that threshold, and save it with the button under the slider.")


def _save(ws: Workspace, bundle: Bundle, value: float, objective: str) -> bool:
    try:
        threshold.save_threshold(ws, bundle, value, objective)
    except AutoMLError as exc:
        st.error(str(exc))
        return False
    st.session_state["evaluate.saved"] = (f"Saved: predictions of this model now say "
                                          f"{code(bundle.metrics.positive_class)} from a probability of {value:.2f}.")
    st.rerun()  # the whole page: its metric cards are at the saved threshold
    return True


def _binary_charts(bundle: Bundle, preds: pd.DataFrame, y, p, chosen: float, at: dict, computed: dict) -> None:
    positive = bundle.metrics.positive_class
    other = next(c for c in bundle.class_labels if str(c) != str(positive))
    at_preds = preds.assign(prediction=np.where(p >= chosen, np.asarray(positive, dtype=object),
                                                np.asarray(other, dtype=object)))
    left, right = st.columns(2)
    left.plotly_chart(charts.confusion_matrix_figure(summary.confusion_matrix_frame(at_preds, bundle.class_labels),
                                                     title=f"Confusion matrix at threshold {chosen:.2f}"),
                      width="stretch")
    roc, auc = computed["roc"]
    fpr = at["fp"] / max(1, at["fp"] + at["tn"])
    right.plotly_chart(charts.roc_figure(roc, auc, (fpr, at["recall"])), width="stretch")
    pr, ap = computed["pr"]
    left.plotly_chart(charts.pr_figure(pr, ap, float(y.mean())), width="stretch")
    right.plotly_chart(charts.calibration_figure(computed["calibration"]), width="stretch")
    left.plotly_chart(charts.gain_figure(computed["gain"]), width="stretch")
    right.metric("KS statistic", f"{computed['ks']:.3f}",
                 help="The largest gap between how positives and negatives are scored (0 = none, 1 = perfect).")


def multiclass_section(bundle: Bundle, preds: pd.DataFrame) -> None:
    matrix = summary.confusion_matrix_frame(preds, bundle.class_labels)
    left, right = st.columns(2)
    left.plotly_chart(charts.confusion_matrix_figure(matrix), width="stretch")
    right.plotly_chart(charts.confusion_matrix_figure(matrix, normalise=True), width="stretch")
    per_class = curves.per_class_table(preds, bundle.class_labels)
    left, right = st.columns(2)
    left.plotly_chart(charts.per_class_figure(per_class), width="stretch")
    roc, areas = curves.ovr_roc(preds, bundle.class_labels)
    right.plotly_chart(charts.ovr_roc_figure(roc, areas), width="stretch")
    st.dataframe(per_class, hide_index=True, width="stretch")


def regression_section(preds: pd.DataFrame) -> None:
    residuals = curves.residual_frame(preds)
    left, right = st.columns(2)
    left.plotly_chart(charts.predicted_vs_actual_figure(summary.predicted_vs_actual_frame(preds)), width="stretch")
    right.plotly_chart(charts.residuals_figure(residuals), width="stretch")
    left.plotly_chart(charts.residual_histogram(residuals), width="stretch")
    right.plotly_chart(charts.error_by_decile_figure(curves.error_by_decile(residuals)), width="stretch")



def leaderboard_section(ws: Workspace, state: AppState, bundle: Bundle, run: RunInfo) -> None:
    """Leaderboard, Pareto chart, the model in use, and shrinking it for deployment."""
    m = bundle.metrics
    board = summary.leaderboard(bundle)
    st.subheader("Leaderboard")
    left, right = st.columns(2)
    left.plotly_chart(charts.leaderboard_figure(board, m.eval_metric, m.lower_is_better),
                      width="stretch")
    right.plotly_chart(charts.pareto_figure(summary.leaderboard_table(board, m.eval_metric).rename(
        columns={f"test {summary.metric_name(m.eval_metric)}": "metric_test", "ms per 1,000 rows": "ms_per_1000_rows",
                 "size (MB)": "size_mb"}), m.eval_metric, m.lower_is_better), width="stretch")
    st.dataframe(rounded(summary.leaderboard_table(board, m.eval_metric)), hide_index=True, width="stretch")
    why = summary.chosen_on_validation(board)
    if why:
        st.caption(why)
    models = board["model"].tolist()
    in_use = bundle.measured_model  # a model retrained on every row is listed as the one it was retrained from
    compact = compact_choice(board, in_use, m.eval_metric, m.lower_is_better, bundle.trained_on_all_rows)
    if compact is not None:
        st.info(compact.sentence(), icon="⚡")
        if st.button(f"Use {plain_model_name(compact.model)} for every prediction", key="evaluate.compact"):
            _use_model(ws, state, bundle, run, compact.model)
    if bundle.deployed_model.startswith("LightGBM"):
        st.caption("The model in use is a LightGBM: on Deploy, **Make a compact model** exports it to score with "
                   "numpy and onnxruntime only (no AutoGluon), with the same answers, checked before it is written; "
                   "text columns' word counts are the one input it cannot carry.")
    c1, c2 = st.columns([3, 1])
    chosen_model = c1.selectbox("Model every prediction uses", models, index=models.index(in_use)
                                if in_use in models else 0, key=f"evaluate.deploy.{run.id}",
                                help="A smaller or faster model can be worth a little accuracy; the Pareto chart shows "
                                     "the trade-off.")
    c1.caption(plain_model_name(chosen_model) + (" — in use, retrained on every row" if chosen_model == in_use
                                                   and bundle.trained_on_all_rows else ""))
    c2.write("")
    if c2.button("Use this model", key="evaluate.deploy", disabled=chosen_model == in_use):
        _use_model(ws, state, bundle, run, chosen_model)

    if bundle.trained_on_all_rows:
        st.caption("The model in use was retrained on every row when it was trained, so it cannot be refitted "
                   "again, and AutoGluon cannot shrink a retrained model.")
        return
    b1, b2 = st.columns(2)
    _model_action(b1, ws, bundle, run, "shrink", "Shrink for deployment",
                  "Keep only the models the one in use needs: smaller and often faster, same predictions.")
    _model_action(b2, ws, bundle, run, "refit", "Refit on all training rows",
                  "Retrain the model in use on every training row, validation rows included; it is then scored "
                  "again on the untouched test split.")



def _use_model(ws: Workspace, state: AppState, bundle: Bundle, run: RunInfo, model: str) -> None:
    with st.spinner("Scoring the test split with it…"):
        try:
            choice.choose_model(ws, bundle, predictor(state.workspace_root, run.id), model)
        except AutoMLError as exc:
            st.error(str(exc))
        else:
            st.rerun()


def _model_action(col, ws: Workspace, bundle: Bundle, run: RunInfo, name: str, label: str, help_text: str) -> None:
    """A button that starts a job changing the model in use (shrink / refit, on a copy, swapped in when
    done), its progress, then its before / after footprint."""
    result = atomic.read_json(getattr(bundle.files, name))
    previous = ws.list_jobs(kind=name, run_id=run.id)
    active = previous and previous[0].status in jobs.ACTIVE
    with col:
        if st.button(label, key=f"evaluate.{name}", help=help_text, disabled=bool(active)):
            previous = [jobs.start(ws, name, run_id=run.id)]
            active = True
        if previous and (active or previous[0].status == "failed"):
            job_progress(ws, previous[0].id, label, unit="steps")
    if result:
        st.caption(f"{label}: before and after")
        st.dataframe(pd.DataFrame([{"": "before", **result["before"]}, {"": "after", **result["after"]}]),
                     hide_index=True, width="stretch")
