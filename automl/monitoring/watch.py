"""A deployment over time: the batches scored through it, how each one's columns drifted from the training
data, its performance (estimated when scored, realised once outcomes arrive), and the alerts that deserve a
look, each with its evidence.

Reads what scoring recorded in the catalogue (`scorings`: per batch the rows, each column's PSI, unseen
categories and missing share, and the answers' distribution; never the rows themselves).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from automl.data.markdown import code
from automl.errors import DeploymentError
from automl.model.drift import PSI_SHIFTED
from automl.monitoring.actuals import MIN_LABELLED_ROWS, realised_by_batch
from automl.model.estimate import higher_is_better
from automl.store.deploy_records import SAMPLE_SOURCE
from automl.store.workspace import Workspace

__all__ = ["Alert", "Batch", "Watch", "watch", "MISSING_RISE", "UNSEEN_SHARE", "VOLUME_FACTOR", "MIN_DRIFT_ROWS",
           "PERFORMANCE_DROP"]

MISSING_RISE = 0.2      # a column's missing share this far above training's
UNSEEN_SHARE = 0.05     # this share of a batch's values never seen in training
VOLUME_FACTOR = 5.0     # a batch this many times larger or smaller than the usual (median) batch
_MIN_HISTORY = 3        # batches before volume is judged
MIN_DRIFT_ROWS = 100    # a smaller batch's PSI is mostly sampling noise: shown, not alerted on
PERFORMANCE_DROP = 0.05  # estimated or realised metric this much worse (relative) than the test split's


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
    estimated: dict[str, Any] | None = None   # {"metric", "value", "rows"}: CBPE when it was scored
    realised: dict[str, Any] | None = None    # {"rows", "value"}: on the rows whose outcome arrived


@dataclass(frozen=True)
class Alert:
    kind: str          # "drift", "missing", "unseen", "volume", "performance"
    column: str | None
    at: float
    message: str
    batch: int = 0     # 1 = the first batch scored through the deployment


@dataclass(frozen=True)
class Watch:
    deployment: str
    champion: str
    batches: list[Batch]
    alerts: list[Alert]
    other: list[dict[str, Any]] = field(default_factory=list)  # form rows and endpoint requests: volume only
    performance: list[dict[str, Any]] = field(default_factory=list)
    baseline: dict[str, Any] | None = None  # {"metric", "value", "run"}: the champion on its test split

    def to_dict(self) -> dict[str, Any]:
        return {"deployment": self.deployment, "champion": self.champion, "baseline": self.baseline,
                "batches": [{"at": b.at, "rows": b.rows, "source": b.source, "run": b.run_id, "psi": b.psi,
                             "unseen": b.unseen, "missing": b.missing, "predicted": b.predicted,
                             "estimated": b.estimated, "realised": b.realised}
                            for b in self.batches],
                "other": self.other, "performance": self.performance, "alerts": [asdict(a) for a in self.alerts]}


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
                     dict(s.detail.get("predicted") or {}), s.id, s.detail.get("estimated"), realised.get(s.id))
               for s in scorings if s.source in ("batch", SAMPLE_SOURCE)]
    other = [{"at": s.at, "rows": s.rows, "source": s.source, "run": s.run_id} for s in scorings
             if s.source not in ("batch", SAMPLE_SOURCE)]
    performance = []
    for i, b in enumerate(batches, start=1):
        if b.estimated and b.estimated.get("value") is not None:
            performance.append({"at": b.at, "batch": i, "rows": b.rows, "metric": b.estimated["metric"],
                                "value": b.estimated["value"], "estimated": True, "run": b.run_id})
        if b.realised and b.realised.get("value") is not None:
            performance.append({"at": b.at, "batch": i, "rows": b.realised["rows"], "metric": champion["metric"],
                                "value": b.realised["value"], "estimated": False, "run": b.run_id})
    baseline = ({"metric": champion["metric"], "value": champion["baseline"], "run": deployment.run_id}
                if champion["baseline"] is not None else None)
    return Watch(name, deployment.run_id, batches, _alerts(runs, batches), other, performance, baseline)


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
                                "missing": {f.name: f.missing_pct / 100 for f in bundle.schema.features}}
            except Exception:  # noqa: BLE001 - a deleted run: its batches still show, without these checks
                self[run_id] = {"metric": None, "baseline": None, "problem_type": None, "positive": None,
                                "missing": {}}
        return self[run_id]


def _worse(value: float, baseline: float, metric: str) -> bool:
    margin = PERFORMANCE_DROP * abs(baseline)
    return value < baseline - margin if higher_is_better(metric) else value > baseline + margin


def _alerts(runs: _RunFacts, batches: list[Batch]) -> list[Alert]:
    out: list[Alert] = []
    shifted_before: set[tuple[str, str]] = set()
    below: dict[str, list[tuple[int, float, int]]] = {}  # "Estimated"/"Realised" -> the current streak
    streaks: list[tuple[str, list[tuple[int, float, int]], float, str]] = []
    for i, b in enumerate(batches):
        n, when = i + 1, f"batch {i + 1} ({_when(b.at)})"
        for column, value in sorted(b.psi.items() if b.rows >= MIN_DRIFT_ROWS else ()):
            key = (b.run_id, column)
            if value > PSI_SHIFTED and key not in shifted_before:  # the batch where a shift starts
                out.append(Alert("drift", column, b.at, f"{code(column)} drifted from the training data in {when} "
                                                        f"(PSI {value:.2f} > {PSI_SHIFTED}).", n))
            (shifted_before.add if value > PSI_SHIFTED else shifted_before.discard)(key)
        facts = runs.get(b.run_id)
        for column, share in sorted(b.missing.items()):
            before = facts["missing"].get(column)
            if before is not None and share - before > MISSING_RISE:
                out.append(Alert("missing", column, b.at, f"{code(column)} is missing in {share:.0%} of {when}, against "
                                                          f"{before:.0%} in training.", n))
        for column, count in sorted(b.unseen.items()):
            if b.rows and count / b.rows > UNSEEN_SHARE:
                out.append(Alert("unseen", column, b.at, f"{count:,} of {b.rows:,} rows of {when} hold a "
                                                         f"{code(column)} value never seen in training.", n))
        baseline, metric = facts["baseline"], facts["metric"]
        for kind, result, enough in (("Estimated", b.estimated, b.rows >= MIN_DRIFT_ROWS),
                                     ("Realised", b.realised, (b.realised or {}).get("rows", 0) >= MIN_LABELLED_ROWS)):
            value = (result or {}).get("value")
            if value is None or baseline is None or not enough:
                continue
            if _worse(value, baseline, metric):
                if kind not in below:
                    below[kind] = []
                    streaks.append((kind, below[kind], baseline, metric))
                below[kind].append((n, value, int(result.get("rows", b.rows))))
            else:
                below.pop(kind, None)
        usual = [x.rows for x in batches[:i] if x.source == "batch"]  # files; sampled requests come in fixed sizes
        if b.source == "batch" and len(usual) >= _MIN_HISTORY:
            median = statistics.median(usual)
            if median and not median / VOLUME_FACTOR <= b.rows <= median * VOLUME_FACTOR:
                out.append(Alert("volume", None, b.at, f"Batch {n} ({_when(b.at)}) has {b.rows:,} rows; batches "
                                                       f"usually have about {median:,.0f}.", n))
    for kind, streak, baseline, metric in streaks:  # one alert where performance fell, with how long it stayed
        first, value, rows = streak[0]
        after = f"; it stayed below in the {len(streak) - 1} batch(es) after (lowest {min(v for _, v, _ in streak):.3f})" \
            if len(streak) > 1 and higher_is_better(metric) else \
            f"; it stayed worse in the {len(streak) - 1} batch(es) after" if len(streak) > 1 else ""
        at = batches[first - 1].at
        out.append(Alert("performance", None, at, f"{kind} {metric} fell to {value:.3f} in batch {first} "
                                                  f"({_when(at)}, {rows:,} rows), against {baseline:.3f} on the test "
                                                  f"split (more than {PERFORMANCE_DROP:.0%} worse){after}.", first))
    return sorted(out, key=lambda a: a.batch)


def _when(at: float) -> str:
    return dt.datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S")
