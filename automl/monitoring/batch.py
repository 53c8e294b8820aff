"""Score a batch file: the one function the Predict page, the CLI's `predict` and the Ray batch job call.

Here or on a Ray cluster (`automl.prediction.files`, `automl.prediction.on_ray`: the same reader, model
and columns), then what the user reads of it (the report's lines, kept beside the scored file when asked),
and, scored through a deployment, the batch recorded under it for monitoring (`automl.monitoring.record`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from automl.errors import ConfigError
from automl.model.bundle import Bundle, load_bundle, load_predictor
from automl.monitoring.record import record_batch
from automl.prediction.files import BATCH_ROWS, predict_csv
from automl.prediction.report import PredictionReport
from automl.prediction.rows import Reasons
from automl.store import atomic, jobs
from automl.store.workspace import JobRecord, Workspace

__all__ = ["ScoredBatch", "score_batch", "run_ray_batch_job"]


@dataclass
class ScoredBatch:
    report: PredictionReport
    lines: list[str]                                  # what the user reads: rows, ignored columns, drift, where
    nodes: list[str] = field(default_factory=list)    # the Ray nodes whose actors scored it (none here)
    batch_id: int | None = None                       # its record under the deployment (scored through one)


def score_batch(ws: Workspace, bundle: Bundle, source: str | Path, out: str | Path, *,
                deployment: str | None = None, predictor: Any = None, address: str | None = None,
                reasons: Reasons | None = None, id_column: str | None = None, chunk_rows: int | None = None,
                name: str | None = None, on_progress: Callable[[int], None] | None = None,
                report_path: Path | None = None) -> ScoredBatch:
    """Score the file at `source` into `out` with the run's model in use: here (with `predictor`, or the
    run's, loaded and verified now) or on the Ray cluster at `address`; with each row's strongest `reasons`
    (here only); keeping only `id_column` of the input when given. `name`: the file as the user knows it.
    The report's lines go to `report_path` (JSON) when given; through `deployment`, the batch is recorded."""
    name = name or Path(source).name
    if address:
        if reasons is not None:
            raise ConfigError("Reasons per row are not available on a Ray cluster: score on the cluster, then "
                              "explain the rows you need.")
        from automl.prediction.on_ray import predict_csv_on_ray

        report, nodes = predict_csv_on_ray(bundle, source, out, address, id_column=id_column,
                                           chunk_rows=chunk_rows or BATCH_ROWS // 4, on_progress=on_progress)
        lines = report.lines() + [f"Scored on the Ray cluster at {address} by actors on {len(nodes)} node(s)."]
    else:
        report = predict_csv(load_predictor(bundle) if predictor is None else predictor, bundle, source, out,
                             chunk_rows=chunk_rows or BATCH_ROWS, on_progress=on_progress, reasons=reasons,
                             id_column=id_column, name=name)
        nodes, lines = [], report.lines()
    if report_path is not None:
        atomic.write_json(Path(report_path), {"lines": lines, "drift": report.drift, "rows": report.rows})
    batch_id = record_batch(ws, deployment, bundle, report, file=name, unreadable=report.coerced_to_missing,
                            **({"executor": "ray"} if address else {}))
    return ScoredBatch(report, lines, nodes, batch_id)


def run_ray_batch_job(ws: Workspace, job: JobRecord, events: jobs.EventLog,
                      should_stop: Callable[[], bool]) -> str:
    """A batch file scored on a Ray cluster from the app, as a job (the app's own process never joins a
    cluster). params: input, output, report (paths), address, id_column, deployment, file_name, rows (an
    estimate)."""
    params = atomic.read_json(jobs.params_path(ws, job), {}) or {}
    total = int(params.get("rows") or 1)
    events.emit("progress", done=0, total=total)
    score_batch(ws, load_bundle(ws, job.run_id), params["input"], params["output"], address=params["address"],
                deployment=params.get("deployment"), id_column=params.get("id_column"),
                name=params.get("file_name") or None, report_path=Path(params["report"]),
                on_progress=lambda n: events.emit("progress", done=n, total=max(n, total)))
    return "succeeded"
