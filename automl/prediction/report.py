"""What was seen while rows were scored: the report a scored file or form row carries, and the one summary
every path that scores many rows fills as it goes (a file here or on a Ray cluster, the endpoint's sampled
requests), so all of them say the same things the same way."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from automl.data.markdown import code
from automl.errors import SchemaMismatchError
from automl.model.bundle import Bundle
from automl.model.model_input import Unreadable
from automl.prediction.drift import DriftCheck, PredictionTally

__all__ = ["PredictionReport", "BatchSummary"]


@dataclass
class PredictionReport:
    rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    unreadable: Unreadable = field(default_factory=Unreadable)
    drift: list[dict] = field(default_factory=list)  # per column: psi, status, detail (unseen / out of range)
    missing: dict[str, float] = field(default_factory=dict)  # per input column: share of missing values
    predicted: dict = field(default_factory=dict)  # the answers: class shares, or a regression's quantiles
    # each row's answer beside its id (scored with an id column): what true outcomes are joined to later
    answers: pd.DataFrame | None = field(default=None, repr=False)
    # the first rows' answers with their probabilities (classifiers): what performance is estimated from
    sample: pd.DataFrame | None = field(default=None, repr=False)
    unusual: int = 0  # rows with an input training never saw (outside its range, a value it never had)
    id_column: str | None = None  # the column the answers were kept by (what outcomes are joined on later)

    def monitoring(self) -> dict:
        """What monitoring keeps of a scored batch: no rows, only per-column and per-answer summaries."""
        return {"psi": {d["column"]: d["psi"] for d in self.drift},
                "psi_noise": {d["column"]: d.get("noise", 0.0) for d in self.drift},
                "unseen": {d["column"]: d.get("unseen", 0) for d in self.drift if d.get("unseen")},
                "missing": self.missing, "predicted": self.predicted, "unusual": self.unusual}

    @property
    def coerced_to_missing(self) -> dict[str, int]:
        """Values present in the input that could not be read as their column's type, per column."""
        return dict(self.unreadable.counts)

    def merge(self, other: "PredictionReport") -> None:
        self.rows += other.rows
        self.ignored_columns = sorted(set(self.ignored_columns) | set(other.ignored_columns))
        self.unreadable.merge(other.unreadable)

    def lines(self) -> list[str]:
        out = [f"{self.rows} row(s) scored."]
        if self.ignored_columns:
            out.append(f"Ignored column(s) the model does not use: {', '.join(self.ignored_columns)}.")
        out += self.unreadable.lines()
        for d in self.drift:
            if d["detail"]:
                out.append(f"{code(d['column'])}: {d['detail']}.")
        shifted = [d["column"] for d in self.drift if d["status"] == "shifted"]
        if shifted and self.rows >= 100:
            out.append("Drift: " + ", ".join(f"{code(c)}" for c in shifted) + " differ(s) clearly from the training "
                       "data (PSI > 0.2); predictions there are less reliable.")
        return out


class BatchSummary:
    """Filled chunk by chunk as rows are read (`read`) and answered (`answered`), in the file's order; then
    `report()`. Holds no rows: per-column counts, the answers' tally and, with an id column, each answer by id."""

    def __init__(self, bundle: Bundle, id_column: str | None = None, name: str = "the file") -> None:
        self.check = DriftCheck(bundle.schema)
        self.tally = PredictionTally(bundle.problem_type)
        self.id_column, self.name = id_column, name
        self.total = PredictionReport()
        self._answers: list[pd.DataFrame] = []

    def read(self, chunk: pd.DataFrame, X: pd.DataFrame, ignored: list[str] = (),
             unreadable: Unreadable | None = None) -> pd.Series:
        """A chunk as read (`chunk`: the rows as written; `X`: read for the model): counted and checked for
        drift. Returns each row's unusual inputs in words (the scored file's `unusual_inputs`)."""
        if self.id_column is not None and self.id_column not in chunk.columns:
            raise SchemaMismatchError(f"The id column {code(self.id_column)} is not in {self.name}.")
        notes = self.check.update(X)
        self.total.merge(PredictionReport(rows=len(X), ignored_columns=list(ignored),
                                          unreadable=unreadable or Unreadable()))
        return notes

    def kept(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """The input columns a scored file keeps beside the answers: all of them, or only the id column."""
        return chunk[[self.id_column]] if self.id_column is not None else chunk

    def answered(self, result: pd.DataFrame, kept: pd.DataFrame | None = None) -> None:
        """A chunk's answers (index aligned with `kept`, the chunk's kept columns, when an id column is set)."""
        self.tally.update(result)
        if self.id_column is not None and kept is not None:
            self._answers.append(pd.concat([kept[[self.id_column]].set_axis(["id"], axis=1), result], axis=1))

    def report(self) -> PredictionReport:
        out = self.total
        out.drift, out.missing, out.predicted = self.check.report(), self.check.missing_shares(), self.tally.summary()
        out.unusual, out.id_column, out.sample = self.check.unusual_rows, self.id_column, self.tally.sample()
        out.answers = pd.concat(self._answers, ignore_index=True) if self._answers else None
        return out
