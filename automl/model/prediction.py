"""Predict with a run's model: on a DataFrame (the form) or streaming a file in chunks (batch).

Every path reads rows through `automl.model.model_input`, exactly as training read its file.

Output CSVs are safe to open in a spreadsheet: text cells that would start a formula are escaped.
"""

from __future__ import annotations

import csv
import logging
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from automl.data.markdown import code
from automl.data.spreadsheet import escape_formulas
from automl.errors import DataLoadError, SchemaMismatchError
from automl.model.bundle import Bundle
from automl.model.drift import DriftCheck, PredictionTally
from automl.model.model_input import Unreadable, iter_file, read_file_row, to_model_input
from automl.store import atomic

__all__ = ["UNUSUAL_COLUMN", "output_rows", "PredictionReport", "predict_frame", "predict_csv", "read_csv_row",
           "model_frame", "unseen_values", "score_input"]

log = logging.getLogger(__name__)
# Rows scored per call in a batch: AutoGluon's per-call cost is paid once per chunk (50,000-row chunks
# cost ~15% more model time than one call), and memory still does not grow with the file.
BATCH_ROWS = 200_000
# (rows read for the model, their predictions) -> one `reason_i` text column per reason
Reasons = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]


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


def predict_frame(predictor: Any, bundle: Bundle, df: pd.DataFrame, check: DriftCheck | None = None,
                  first_row: int = 1) -> tuple[pd.DataFrame, PredictionReport]:
    """`prediction` (+ `proba_<class>` for classifiers) for each row of `df`, and what was found in the input.

    `df` holds raw rows (text as written, or values already read): each column is read as training read
    it (`automl.model.model_input`). `check` accumulates drift over several calls (a batch file); without it the
    rows are checked alone. `first_row` numbers the rows in the report.
    """
    X, ignored, unreadable = to_model_input(bundle.schema, df, first_row=first_row)
    own = check or DriftCheck(bundle.schema)
    own.update(X)
    report = PredictionReport(rows=len(df), ignored_columns=ignored, unreadable=unreadable,
                              drift=own.report() if check is None else [])
    return score_input(predictor, bundle, X), report


def score_input(predictor: Any, bundle: Bundle, X: pd.DataFrame) -> pd.DataFrame:
    """Predictions for rows already read for the model (`to_model_input`): the recipe, then the model in
    use, with the saved decision threshold of a binary model. A classifier is called once (probabilities),
    its answers derived from them as AutoGluon's own `predict` does."""
    X = model_frame(bundle, X)
    model = bundle.deployed_model
    if bundle.problem_type not in ("binary", "multiclass"):
        return pd.DataFrame({"prediction": predictor.predict(X, model=model).to_numpy()}, index=X.index)
    proba = predictor.predict_proba(X, model=model)
    out = pd.DataFrame({"prediction": np.asarray(predictor.predict_from_proba(proba))}, index=X.index)
    for c in proba.columns:
        out[f"proba_{c}"] = proba[c].to_numpy()
    threshold = bundle.threshold if bundle.problem_type == "binary" else None
    if threshold is not None:  # the decision threshold saved with the model
        positive = bundle.metrics.positive_class
        negative = next(c for c in proba.columns if str(c) != str(positive))
        out["prediction"] = np.where(proba[positive].to_numpy() >= threshold, positive, negative)
    return out


UNUSUAL_COLUMN = "unusual_inputs"


def output_rows(kept: pd.DataFrame, result: pd.DataFrame, notes: pd.Series) -> pd.DataFrame:
    """A scored file's rows: the input columns kept, the answers, and what was unusual in each row's inputs
    (`DriftCheck.update`: outside the training range, a value training never had; empty where nothing)."""
    return pd.concat([kept, result], axis=1).assign(**{UNUSUAL_COLUMN: notes.to_numpy()})


def unseen_values(bundle: Bundle, values: dict[str, Any]) -> dict[str, str]:
    """The columns of one row holding something training never saw (a value it never had, a number outside its
    range), with that value as written: what an explanation must not present as a reason."""
    X, _, _ = to_model_input(bundle.schema, pd.DataFrame([values]))
    check = DriftCheck(bundle.schema)
    check.update(X)
    return {name: str(values.get(name)) for name in bundle.schema.names if check.unusual_in(name)}


def model_frame(bundle: Bundle, X: pd.DataFrame, recipe: Any = None) -> pd.DataFrame:
    """Rows read for the model (schema columns) -> what the predictor was trained on: the run's recipe, replayed.

    The one path from read rows to the model, used by the form, batch files, the CLI and explanations.
    """
    recipe = bundle.recipe if recipe is None else recipe
    return recipe.apply(X, "inference") if len(recipe) else X


def read_csv_row(path: str | Path, number: int, bundle: Bundle) -> pd.Series:
    """Data row `number` (1 = the first after the header) of a file, read as `predict_csv` reads it."""
    return read_file_row(bundle.schema, path, number)


def predict_csv(predictor: Any, bundle: Bundle, data_path: str | Path, out_path: str | Path,
                chunk_rows: int = BATCH_ROWS, on_progress: Callable[[int], None] | None = None,
                reasons: Reasons | None = None, id_column: str | None = None,
                name: str | None = None) -> PredictionReport:
    """Stream a file (CSV, or any format training reads) through the model chunk by chunk, read exactly as
    training read its file; write the input columns (or only `id_column`), the predictions and
    each row's unusual inputs (`unusual_inputs`) to `out_path`, with each row's strongest reasons when
    `reasons` is given (slower: the caller hands in the explanation, e.g. `explain.shap_values.top_reasons_for`;
    the core does not explain). `name`: the file's name as the user knows it (an upload is stored under
    another), for messages.

    Memory stays flat whatever the file's length: one chunk is scored while the one before is written by
    a background thread (the model releases the interpreter while it predicts)."""
    data_path, out_path = Path(data_path), Path(out_path)
    total = PredictionReport()
    check = DriftCheck(bundle.schema)
    tally = PredictionTally(bundle.problem_type)
    answers: list[pd.DataFrame] = []
    with atomic.atomic_path(out_path) as tmp, _CsvWriter(tmp) as writer:
        for chunk, X, ignored, unreadable in iter_file(bundle.schema, data_path, name, chunk_rows=chunk_rows):
            if id_column is not None and id_column not in chunk.columns:
                raise SchemaMismatchError(f"The id column {code(id_column)} is not in {name or data_path.name}.")
            notes = check.update(X)
            result = score_input(predictor, bundle, X)
            tally.update(result)
            if id_column is not None:
                answers.append(pd.concat([chunk[[id_column]].set_axis(["id"], axis=1), result], axis=1))
            if reasons is not None:
                result = pd.concat([result, reasons(X, result).set_axis(result.index)], axis=1)
            kept = chunk[[id_column]] if id_column is not None else chunk
            writer.put(output_rows(kept, result, notes))
            total.merge(PredictionReport(rows=len(chunk), ignored_columns=ignored, unreadable=unreadable))
            if on_progress:
                on_progress(total.rows)
        if not total.rows:
            raise DataLoadError(f"{data_path.name} has a header but no data rows.")
    total.drift, total.missing, total.predicted = check.report(), check.missing_shares(), tally.summary()
    total.unusual = check.unusual_rows
    total.id_column = id_column
    total.sample = tally.sample()
    total.answers = pd.concat(answers, ignore_index=True) if answers else None
    return total


class _CsvWriter:
    """Writes formula-safe CSV chunks in a background thread, at most one chunk waiting; a write error is
    raised in the caller at the next chunk or at the end. Arrow's CSV writer (6x pandas' on numbers);
    pandas' for a chunk Arrow cannot type (mixed values, repeated names)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="predictions-writer", daemon=True)

    def __enter__(self) -> "_CsvWriter":
        self.fh = open(self.path, "wb")
        self.thread.start()
        return self

    def put(self, frame: pd.DataFrame) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(frame)

    def _run(self) -> None:
        first = True
        while (frame := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain: the caller sees the error
            try:
                _write_csv(escape_formulas(frame), self.fh, header=first)
                first = False
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                self.error = exc

    def __exit__(self, *exc_info: Any) -> None:
        self.queue.put(None)
        self.thread.join()
        self.fh.close()
        if self.error is not None and exc_info[0] is None:
            raise self.error


def _write_csv(frame: pd.DataFrame, fh: Any, header: bool) -> None:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError):
        fh.write(frame.to_csv(index=False, header=header, quoting=csv.QUOTE_MINIMAL).encode("utf-8"))
        return
    pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=header, quoting_style="needed"))
