"""What a deployment keeps of each batch scored through it: per-column drift, the answers' distribution,
the estimated performance (classifiers), and — when the file was scored with an id column — each row's
answer by id, so that true outcomes arriving later can be joined to it (`automl.monitoring.actuals`).

No input values are kept: only ids, answers and probabilities, and those only for the retention period
(`AUTOML_STUDIO_RETENTION_DAYS`, `purge`).
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import Any

import pandas as pd

from automl.model.bundle import Bundle
from automl.model.prediction import PredictionReport
from automl.monitoring.estimate import ESTIMABLE, Calibrator, estimate
from automl.store.batches import retention_days
from automl.store.workspace import Workspace

__all__ = ["record_batch", "estimated_performance", "calibrator", "purge", "proba_columns", "id_text"]


def proba_columns(frame: pd.DataFrame) -> dict[str, str]:
    """`proba_<class>` columns -> the class as text."""
    return {c: c[len("proba_"):] for c in frame.columns if c.startswith("proba_")}


def record_batch(ws: Workspace, deployment: str | None, bundle: Bundle, report: PredictionReport,
                 source: str = "batch", **detail: Any) -> int | None:
    """Record a batch scored through `deployment` (nothing when scored by run id); returns its id."""
    if not deployment:
        return None
    purge(ws)
    estimated = estimated_performance(bundle, report.sample) if report.sample is not None else None
    answers = _answers(report.answers) if report.answers is not None else None
    return ws.record_scoring(deployment, bundle.run_id, source, report.rows,
                             {**detail, **report.monitoring(), "estimated": estimated,
                              "with_ids": answers is not None}, answers)


def estimated_performance(bundle: Bundle, sample: pd.DataFrame) -> dict[str, Any] | None:
    """{"metric", "value", "rows"}: the run's metric expected over these answers (CBPE), or None where the
    metric cannot be estimated this way or the run has no test-split answers to calibrate on."""
    metric = bundle.metrics.eval_metric
    if metric not in ESTIMABLE.get(bundle.problem_type, ()) or sample is None or not len(sample):
        return None
    cal = calibrator(bundle.files.test_predictions.as_posix(), _mtime(bundle))
    if cal is None:
        return None
    columns = proba_columns(sample)
    raw = sample[list(columns)].set_axis(list(columns.values()), axis=1)
    value = estimate(metric, cal.apply(raw), sample["prediction"], cal.classes, raw=raw[cal.classes].to_numpy(),
                     positive=_text(bundle.metrics.positive_class))
    return None if value is None else {"metric": metric, "value": round(value, 6), "rows": len(sample)}


def _mtime(bundle: Bundle) -> float:
    path = bundle.files.test_predictions
    return path.stat().st_mtime if path.exists() else 0.0


@lru_cache(maxsize=16)
def calibrator(test_predictions: str, _mtime: float) -> Calibrator | None:
    """Calibration fitted on the run's test split (its answers and true classes); cached per file version."""
    try:
        test = pd.read_parquet(test_predictions)
    except (OSError, ValueError):
        return None
    columns = proba_columns(test)
    if not columns or "actual" not in test:
        return None
    return Calibrator.fit(test[list(columns)].set_axis(list(columns.values()), axis=1), test["actual"])


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


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
        return list(zip(ids, predicted, [None] * len(ids)))
    proba = frame[list(columns)].round(6).to_numpy()
    names = list(columns.values())
    return [(i, p, json.dumps(dict(zip(names, row.tolist())))) for i, p, row in zip(ids, predicted, proba)]


def purge(ws: Workspace, now: float | None = None) -> int:
    """Forget per-row answers older than the retention period (0 days: kept)."""
    days = retention_days()
    if not days:
        return 0
    return ws.purge_answers((time.time() if now is None else now) - days * 86400)
