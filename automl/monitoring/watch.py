"""A deployment over time: the batches scored through it, how each one's columns drifted from the training
data, its performance (estimated when scored, realised once outcomes arrive), and the alerts that deserve a
look, each with its evidence.

Reads what scoring recorded in the catalogue (`scorings`: per batch the rows, each column's PSI, unseen
categories and missing share, and the answers' distribution; never the rows themselves).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from automl.errors import DeploymentError
from automl.monitoring import findings
from automl.monitoring.actuals import realised_by_batch
from automl.monitoring.reference import reference
from automl.store.deploy_records import SAMPLE_SOURCE
from automl.store.workspace import Workspace

__all__ = ["Alert", "Batch", "Watch", "watch"]


@dataclass(frozen=True)
class Batch:
    at: float
    rows: int
    source: str
    run_id: str
    psi: dict[str, float]
    unseen: dict[str, int]
    missing: dict[str, float]
    predicted: dict[str, Any]
    id: int = 0
    estimated: dict[str, Any] | None = None   # {"metric", "value", "rows", "metrics"}: CBPE when it was scored
    realised: dict[str, Any] | None = None    # {"rows", "value", "metrics", "calibration"}: rows with an outcome
    psi_noise: dict[str, float] = field(default_factory=dict)  # per column: the PSI chance alone shows at this size
    unusual: int = 0   # rows with an input training never saw (outside its range, a value it never had)


@dataclass(frozen=True)
class Alert:
    kind: str          # "drift", "missing", "unseen", "volume", "answers", "performance"
    column: str | None  # the column (drift, missing, unseen) or the metric (performance)
    at: float
    message: str
    batch: int = 0     # 1 = the first batch scored through the deployment
    drop: float = 0.0  # performance: how far the metric fell, relative to the test split's (0.24 = 24% worse)


@dataclass(frozen=True)
class Watch:
    deployment: str
    champion: str
    batches: list[Batch]
    alerts: list[Alert]
    other: list[dict[str, Any]] = field(default_factory=list)  # form rows and endpoint requests: volume only
    performance: list[dict[str, Any]] = field(default_factory=list)  # one per batch, kind and metric
    baseline: dict[str, Any] | None = None  # {"metric", "value", "run"}: the champion on its test split
    references: dict[str, dict[str, Any]] = field(default_factory=dict)  # run -> its test split (`reference`)
    tracked: tuple[str, ...] = ()           # the metrics followed, the one training optimised first
    history: list[dict[str, Any]] = field(default_factory=list)  # {"at", "action", "run"}: deploy, promote, rollback
    headline: str | None = None             # the newest batch in one sentence

    def to_dict(self) -> dict[str, Any]:
        return {"deployment": self.deployment, "champion": self.champion, "baseline": self.baseline,
                "batches": [{"at": b.at, "rows": b.rows, "source": b.source, "run": b.run_id, "psi": b.psi,
                             "unseen": b.unseen, "missing": b.missing, "predicted": b.predicted,
                             "estimated": b.estimated, "realised": b.realised}
                            for b in self.batches],
                "other": self.other, "performance": self.performance, "alerts": [asdict(a) for a in self.alerts],
                "references": self.references, "tracked": list(self.tracked), "history": self.history,
                "headline": self.headline}


def watch(ws: Workspace, name: str) -> Watch:
    """Batches (files scored through the deployment and summaries of the endpoint's sampled requests, oldest
    first) with their drift and performance, and their alerts; form rows and endpoint requests as volume."""
    deployment = ws.get_deployment(name)
    if deployment is None:
        raise DeploymentError(f"No deployment {name!r} in {ws.root}: see `automl-studio deployments`.")
    scorings = ws.list_scorings(name)
    runs = _RunFacts(ws)
    champion = runs.get(deployment.run_id)
    realised = realised_by_batch(ws, name, champion["metric"], champion["problem_type"],
                                 champion["positive"]) if champion["metric"] else {}
    batches = [Batch(s.at, s.rows, s.source, s.run_id, dict(s.detail.get("psi") or {}),
                     dict(s.detail.get("unseen") or {}), dict(s.detail.get("missing") or {}),
                     dict(s.detail.get("predicted") or {}), s.id, s.detail.get("estimated"), realised.get(s.id),
                     dict(s.detail.get("psi_noise") or {}), int(s.detail.get("unusual") or 0))
               for s in scorings if s.source in ("batch", SAMPLE_SOURCE)]
    other = [{"at": s.at, "rows": s.rows, "source": s.source, "run": s.run_id} for s in scorings
             if s.source not in ("batch", SAMPLE_SOURCE)]
    performance = []
    for i, b in enumerate(batches, start=1):
        for estimated, result in ((True, b.estimated), (False, b.realised)):
            for metric, value in ((result or {}).get("metrics") or _legacy(result, champion["metric"])).items():
                performance.append({"at": b.at, "batch": i, "rows": (result or {}).get("rows", b.rows),
                                    "metric": metric, "value": value, "estimated": estimated, "run": b.run_id})
    baseline = ({"metric": champion["metric"], "value": champion["baseline"], "run": deployment.run_id}
                if champion["baseline"] is not None else None)
    tracked = tuple(champion["reference"].get("metrics", {})) or ((champion["metric"],) if champion["metric"] else ())
    history = [{"at": h.at, "action": h.action, "run": h.run_id} for h in reversed(ws.deployment_history(name))]
    return Watch(name, deployment.run_id, batches, findings.alerts(batches, runs.get, Alert), other, performance,
                 baseline, {r: runs.get(r)["reference"] for r in {b.run_id for b in batches} | {deployment.run_id}},
                 tracked, history, findings.headline(batches, runs.get))


def _legacy(result: dict[str, Any] | None, metric: str | None) -> dict[str, float]:
    """A batch recorded before every tracked metric was kept: its one value, under the run's metric."""
    value = (result or {}).get("value")
    return {(result or {}).get("metric") or metric: value} if value is not None and metric else {}


class _RunFacts(dict):
    """Per run: its metric, test-split value, classes and training missing shares (a deleted run: none)."""

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws

    def get(self, run_id: str) -> dict[str, Any]:  # type: ignore[override]
        if run_id not in self:
            from automl.model.bundle import load_bundle

            try:
                bundle = load_bundle(self.ws, run_id)
                self[run_id] = {"metric": bundle.metrics.eval_metric, "baseline": bundle.metrics.value,
                                "problem_type": bundle.problem_type, "positive": bundle.metrics.positive_class,
                                "missing": {f.name: f.missing_pct / 100 for f in bundle.schema.features},
                                "reference": reference(bundle)}
            except Exception:  # noqa: BLE001 - a deleted run: its batches still show, without these checks
                self[run_id] = {"metric": None, "baseline": None, "problem_type": None, "positive": None,
                                "missing": {}, "reference": {"metrics": {}, "shares": {}, "rows": 0}}
        return self[run_id]
