"""The Predict page's batch tab: a file scored here (with progress) or on a Ray cluster (in a job), and what
came of it: the report's lines, drift, what the answers add up to, a preview and the download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from automl.data.markdown import md
from automl.data.numbers import readable_number
from automl.errors import AutoMLError
from automl.model.bundle import Bundle
from automl.monitoring.batch import score_batch
from automl.prediction.files import BATCH_ROWS
from automl.prediction.rows import UNUSUAL_COLUMN
from automl.store import atomic, jobs
from automl.store.batches import BatchFolder
from automl.store.workspace import Workspace
from explain import shap_values
from ui.loaders import scored_file_summary
from ui.predict_views import DRIFT_HELP, drift_table
from ui.widgets import job_progress

__all__ = ["score_here", "score_on_cluster", "scored_file"]


def _rows_in(upload: Any) -> int:
    return max(1, upload.getvalue().count(b"\n") - 1)  # an estimate for the progress bar


def score_here(ws: Workspace, bundle: Bundle, model: Any, folder: BatchFolder, upload: Any, explain_k: int,
               id_column: str | None, via: str | None) -> None:
    """Score the upload in this process, with a progress bar; the report goes beside the scored file."""
    folder.input.write_bytes(upload.getvalue())
    total = _rows_in(upload)
    bar = st.progress(0.0, text="Scoring…")
    try:
        score_batch(ws, bundle, folder.input, folder.output, deployment=via, predictor=model,
                    reasons=shap_values.top_reasons_for(model, bundle, explain_k) if explain_k else None,
                    id_column=id_column, chunk_rows=2_000 if explain_k else BATCH_ROWS, name=upload.name,
                    report_path=folder.report,
                    on_progress=lambda n: bar.progress(min(1.0, n / total), text=f"{n:,} of ~{total:,} rows"))
    except AutoMLError as exc:
        st.error(str(exc))
    bar.empty()


def score_on_cluster(ws: Workspace, run_id: str, folder: BatchFolder, upload: Any, address: str, explain_k: int,
                     id_column: str | None, via: str | None) -> None:
    """Score the upload on a Ray cluster in a job of its own; its progress until the predictions are in."""
    if explain_k:
        st.error("Reasons per row are not available on a Ray cluster: set them to 0, or clear the cluster.")
        return
    started = folder.root / "ray_job.json"
    job_id = (atomic.read_json(started, {}) or {}).get("job")
    if job_id is None:
        folder.input.write_bytes(upload.getvalue())
        job = jobs.start(ws, "ray_batch", run_id=run_id, params={
            "input": str(folder.input), "output": str(folder.output), "report": str(folder.report),
            "address": address, "id_column": id_column, "deployment": via, "file_name": upload.name,
            "rows": _rows_in(upload)})
        atomic.write_json(started, {"job": job.id})
        job_id = job.id
    job_progress(ws, job_id, "Scoring on the Ray cluster")


def scored_file(bundle: Bundle, folder: BatchFolder, run_id: str) -> int:
    """The scored file: its report, drift, what the answers add up to, the first rows and the download.
    Returns how many rows it holds."""
    saved = atomic.read_json(folder.report, {}) or {}
    for line in saved.get("lines", []):
        st.caption(line)
    if saved.get("drift"):
        with st.expander("Drift against the training data"):
            st.dataframe(drift_table(saved["drift"]), hide_index=True, width="stretch", column_config=DRIFT_HELP)
    _summary(bundle, folder.output)
    preview = pd.read_csv(folder.output, nrows=20)
    first = [c for c in preview.columns if c in ("prediction", UNUSUAL_COLUMN) or c.startswith(("proba_", "reason_"))]
    st.dataframe(preview[first + [c for c in preview.columns if c not in first]], hide_index=True, width="stretch")
    with open(folder.output, "rb") as fh:
        st.download_button("Download predictions (CSV)", fh, file_name=f"predictions-{run_id}.csv",
                           mime="text/csv", key="predict.download", on_click="ignore")
    return int(saved.get("rows", 1))


def _summary(bundle: Bundle, target: Path) -> None:
    """How many rows got each answer (classifiers), or the spread of the predicted values (regression)."""
    stat = target.stat()
    facts = scored_file_summary(str(target), stat.st_size, stat.st_mtime_ns, bundle.problem_type == "regression")
    if facts["unusual"]:
        st.warning(f"{facts['unusual']:,} row(s) hold a value training never saw (outside its range, or new): "
                   f"the file marks each in its `{UNUSUAL_COLUMN}` column. Their predictions are less reliable.")
    rows = facts["rows"]
    if bundle.problem_type == "regression":
        st.markdown(f"**{rows:,} rows predicted** · {md(bundle.label)} from {readable_number(facts['min'])} to "
                    f"{readable_number(facts['max'])}, median {readable_number(facts['median'])}")
        return
    st.markdown(f"**{rows:,} rows predicted** · " + " · ".join(
        f"{md(c)}: {n:,} ({100 * n / rows:.0f}%)" for c, n in facts["counts"].items()))
