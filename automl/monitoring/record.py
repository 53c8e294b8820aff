"""What a deployment keeps of each batch scored through it: per-column drift, the answers' distribution,
the estimated performance (classifiers), and — when the file was scored with an id column — each row's
answer by id, so that true outcomes arriving later can be joined to it (`automl.monitoring.actuals`).

No input values are kept: only ids, answers and probabilities, and those only for the retention period
(`AUTOML_STUDIO_RETENTION_DAYS`, removed by `automl.store.batches.purge_all`).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from automl.model.bundle import Bundle
from automl.monitoring.estimate import estimated_performance, proba_columns
from automl.prediction.report import PredictionReport
from automl.store.workspace import Workspace

__all__ = ["record_batch", "id_text"]


def record_batch(ws: Workspace, deployment: str | None, bundle: Bundle, report: PredictionReport,
                 source: str = "batch", **detail: Any) -> int | None:
    """Record a batch scored through `deployment` (nothing when scored by run id); returns its id."""
    if not deployment:
        return None
    estimated = estimated_performance(bundle, report.sample) if report.sample is not None else None
    answers = _answers(report.answers) if report.answers is not None else None
    return ws.record_scoring(deployment, bundle.run_id, source, report.rows,
                             {**detail, **report.monitoring(), "estimated": estimated,
                              "with_ids": answers is not None, "id_column": report.id_column}, answers)


def id_text(values: pd.Series) -> pd.Series:
    """Row ids as text, the same whichever way a reader typed them (123, 123.0 and "123" are one id)."""
    def one(v: Any) -> str:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()
    return values.map(one)


def _answers(frame: pd.DataFrame) -> list[tuple[str, str | None, str | None]]:
    frame = frame[frame["id"].notna()]
    columns = proba_columns(frame)
    ids = id_text(frame["id"]).to_numpy()
    predicted = frame["prediction"].astype(str).to_numpy()
    if not columns:
        return list(zip(ids, predicted, [None] * len(ids), strict=True))
    proba = frame[list(columns)].round(6).to_numpy()
    names = list(columns.values())
    return [(i, p, json.dumps(dict(zip(names, row.tolist(), strict=True))))
            for i, p, row in zip(ids, predicted, proba, strict=True)]


