"""True outcomes that arrive after the predictions: joined by row id to the answers a deployment gave
(batches scored with an id column), and the run's metric per batch, realised on the rows whose outcome
is known, beside the estimate made when the batch was scored and the test split's baseline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from automl.data.markdown import code
from automl.errors import DeploymentError, SchemaMismatchError
from automl.model.bundle import load_bundle
from automl.model.model_input import open_for_model
from automl.monitoring.estimate import realised, tracked_metrics
from automl.monitoring.record import id_text
from automl.store.workspace import Workspace

__all__ = ["ActualsReport", "add_actuals", "realised_by_batch", "MIN_LABELLED_ROWS"]

MIN_LABELLED_ROWS = 30  # fewer labelled rows in a batch: its realised metric is shown, never alerted on


@dataclass
class ActualsReport:
    rows: int = 0            # rows of the file with an id and an outcome
    matched: int = 0         # of them, ids that match an earlier answer
    without_outcome: int = 0
    unmatched_examples: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.matched:,} of {self.rows:,} outcome(s) matched an earlier prediction by id."]
        if self.without_outcome:
            out.append(f"{self.without_outcome:,} row(s) without an id or an outcome were skipped.")
        if self.rows > self.matched:
            out.append(f"{self.rows - self.matched:,} id(s) matched no prediction of this deployment (for example "
                       + ", ".join(map(repr, self.unmatched_examples)) + "): were they scored with this id column, "
                       "within the retention period?")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "matched": self.matched, "without_outcome": self.without_outcome,
                "unmatched_examples": self.unmatched_examples}


def add_actuals(ws: Workspace, name: str, source: Any, id_column: str, label_column: str | None = None,
                file_name: str | None = None) -> ActualsReport:
    """Join the true outcomes in a file (`id_column`, and `label_column`, by default the target's name) to
    the deployment's earlier answers with those ids."""
    deployment = ws.get_deployment(name)
    if deployment is None:
        raise DeploymentError(f"No deployment {name!r} in {ws.root}: see `automl-studio deployments`.")
    if not ws.count_answers(name):
        raise DeploymentError(f"{name} has no predictions kept by id: score files through it with an id column "
                              "(`predict NAME FILE --out OUT --id-column COL`, or the Predict page's id column), "
                              'or send "ids" with the endpoint\'s requests, then add their outcomes.')
    bundle = load_bundle(ws, deployment.run_id)
    label = label_column or bundle.label
    table = open_for_model(bundle.schema, source, file_name)  # the id read as scoring read it
    pairs: dict[str, str] = {}
    report = ActualsReport()
    for chunk in table.chunks:
        for column in (id_column, label):
            if column not in chunk.columns:
                raise SchemaMismatchError(f"{table.name} has no column {code(column)} (it has "
                                          f"{', '.join(map(str, chunk.columns[:10]))}).")
        ok = chunk[id_column].notna() & chunk[label].notna() & (chunk[label].astype(str).str.strip() != "")
        report.without_outcome += int((~ok).sum())
        for i, y in zip(id_text(chunk.loc[ok, id_column]), chunk.loc[ok, label], strict=True):
            pairs[i] = _outcome(y, bundle.class_labels)
    report.rows = len(pairs)
    matched = ws.set_actuals(name, list(pairs.items()))
    report.matched = matched
    if matched < len(pairs):
        known = {a.row_id for a in ws.labelled_answers(name)}
        report.unmatched_examples = [i for i in pairs if i not in known][:3]
    return report


def _outcome(value: Any, classes: list[Any] | None) -> str:
    """An outcome as text, spelled as the model's class when it names one (1, 1.0 and "1" are class 1)."""
    text = str(value).strip()
    if not classes:
        return text
    names = [str(c) for c in classes]
    if text in names:
        return text
    try:
        number = float(text)
    except ValueError:
        lowered = {n.lower(): n for n in names}
        return lowered.get(text.lower(), text)
    for n in names:
        try:
            if float(n) == number:
                return n
        except ValueError:
            continue
    return text


def realised_by_batch(ws: Workspace, name: str, metric: str, problem_type: str,
                      positive: Any = None) -> dict[int, dict[str, Any]]:
    """Scoring id -> {"rows": labelled rows, "value": `metric` on them (None where it cannot be computed),
    "metrics": every tracked metric by name (`automl.monitoring.estimate.tracked_metrics`), and for a binary model
    "calibration": the mean probability it gave the positive class against the share that was positive}."""
    answers = ws.labelled_answers(name)
    if not answers:
        return {}
    frame = pd.DataFrame({"scoring": [a.scoring_id for a in answers], "actual": [a.actual for a in answers],
                          "predicted": [a.predicted for a in answers]})
    probas = [a.proba for a in answers]
    pos = None if positive is None else str(positive)
    out: dict[int, dict[str, Any]] = {}
    for scoring, part in frame.groupby("scoring", sort=True):
        proba = None
        if problem_type != "regression" and all(probas[i] for i in part.index):
            proba = pd.DataFrame([probas[i] for i in part.index])
        values: dict[str, float] = {}
        for m in tracked_metrics(problem_type, metric):
            try:
                value = realised(m, part["actual"].tolist(), part["predicted"].tolist(), proba, pos)
            except ValueError:  # e.g. an outcome that is not a number for a regression
                value = None
            if value is not None:
                values[m] = value
        entry: dict[str, Any] = {"rows": len(part), "value": values.get(metric), "metrics": values}
        if problem_type == "binary" and proba is not None and pos in map(str, proba.columns):
            column = next(c for c in proba.columns if str(c) == pos)
            entry["calibration"] = {"predicted": float(proba[column].astype(float).mean()),
                                    "observed": float((part["actual"].astype(str) == pos).mean())}
        out[int(scoring)] = entry
    return out
