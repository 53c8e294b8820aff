"""Predict with a run's model: on a DataFrame (the form) or streaming a CSV in chunks (batch).

Output CSVs are safe to open in a spreadsheet: text cells that would start a formula are escaped.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from automl import atomic
from automl.bundle import Bundle
from automl.drift import DriftCheck
from automl.errors import DataLoadError, SchemaMismatchError
from automl.ingest import NA_VALUES, clean_column_names, sniff_delimiter
from automl.schema import check_columns, coerce_frame

__all__ = ["PredictionReport", "predict_frame", "predict_csv", "read_csv_row", "escape_formulas", "model_frame"]

log = logging.getLogger(__name__)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class PredictionReport:
    rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    coerced_to_missing: dict[str, int] = field(default_factory=dict)
    drift: list[dict] = field(default_factory=list)  # per column: psi, status, detail (unseen / out of range)

    def merge(self, other: "PredictionReport") -> None:
        self.rows += other.rows
        self.ignored_columns = sorted(set(self.ignored_columns) | set(other.ignored_columns))
        for k, v in other.coerced_to_missing.items():
            self.coerced_to_missing[k] = self.coerced_to_missing.get(k, 0) + v

    def lines(self) -> list[str]:
        out = [f"{self.rows} row(s) scored."]
        if self.ignored_columns:
            out.append(f"Ignored column(s) the model does not use: {', '.join(self.ignored_columns)}.")
        for col, n in self.coerced_to_missing.items():
            out.append(f"{n} value(s) of {col!r} were not numbers and were treated as missing.")
        for d in self.drift:
            if d["detail"]:
                out.append(f"`{d['column']}`: {d['detail']}.")
        shifted = [d["column"] for d in self.drift if d["status"] == "shifted"]
        if shifted and self.rows >= 100:
            out.append("Drift: " + ", ".join(f"`{c}`" for c in shifted) + " differ(s) clearly from the training "
                       "data (PSI > 0.2); predictions there are less reliable.")
        return out


def predict_frame(predictor: Any, bundle: Bundle, df: pd.DataFrame,
                  check: DriftCheck | None = None) -> tuple[pd.DataFrame, PredictionReport]:
    """`prediction` (+ `proba_<class>` for classifiers) for each row of `df`, and what was found in the input.

    `check` accumulates drift over several calls (a batch file); without it the rows are checked alone.
    """
    ignored = check_columns(bundle.schema, df)
    X = coerce_frame(bundle.schema, df)
    coerced = {c: int(X[c].isna().sum() - df[c].isna().sum()) for c in X.columns}
    own = check or DriftCheck(bundle.schema)
    own.update(X)
    report = PredictionReport(rows=len(df), ignored_columns=ignored,
                              coerced_to_missing={c: n for c, n in coerced.items() if n > 0},
                              drift=own.report() if check is None else [])
    X = model_frame(bundle, X)
    model = bundle.deployed_model
    out = pd.DataFrame({"prediction": predictor.predict(X, model=model).to_numpy()}, index=df.index)
    if bundle.problem_type in ("binary", "multiclass"):
        proba = predictor.predict_proba(X, model=model)
        for c in proba.columns:
            out[f"proba_{c}"] = proba[c].to_numpy()
        threshold = bundle.threshold if bundle.problem_type == "binary" else None
        if threshold is not None:  # the decision threshold saved with the model
            positive = bundle.metrics.get("positive_class")
            negative = next(c for c in proba.columns if str(c) != str(positive))
            out["prediction"] = np.where(proba[positive].to_numpy() >= threshold, positive, negative)
    return out, report


def model_frame(bundle: Bundle, X: pd.DataFrame, recipe: Any = None) -> pd.DataFrame:
    """Raw input rows (schema columns) -> what the predictor was trained on: the run's recipe, replayed.

    The one path from raw rows to the model, used by the form, batch files, the CLI and explanations.
    """
    recipe = bundle.recipe if recipe is None else recipe
    return recipe.apply(X, "inference") if len(recipe) else X


def _read_csv(path: Path, **options: Any) -> Any:
    """pandas' reader with the settings every scored CSV is read with (sniffed delimiter, missing markers)."""
    with open(path, "r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        delimiter = sniff_delimiter(fh.read(65536))
    return pd.read_csv(path, sep=delimiter, encoding="utf-8-sig", encoding_errors="replace", low_memory=False,
                       na_values=NA_VALUES, keep_default_na=True, skipinitialspace=True, **options)


def read_csv_row(path: str | Path, number: int) -> pd.Series:
    """Data row `number` (1 = the first after the header) of a CSV, read as `predict_csv` reads it."""
    frame = _read_csv(Path(path), skiprows=range(1, number), nrows=1)
    if frame.empty:
        raise DataLoadError(f"{Path(path).name} has no data row {number}.")
    frame, _ = clean_column_names(frame)
    return frame.iloc[0]


def predict_csv(predictor: Any, bundle: Bundle, data_path: str | Path, out_path: str | Path,
                chunk_rows: int = 50_000, on_progress: Callable[[int], None] | None = None,
                explain_k: int = 0, id_column: str | None = None) -> PredictionReport:
    """Stream a CSV through the model chunk by chunk; write the input columns (or only `id_column`) and the
    predictions to `out_path`, with the `explain_k` strongest reasons per row when asked (slower: SHAP)."""
    data_path, out_path = Path(data_path), Path(out_path)
    total = PredictionReport()
    check = DriftCheck(bundle.schema)
    try:
        reader = _read_csv(data_path, chunksize=chunk_rows)
        with atomic.atomic_path(out_path) as tmp:
            first = True
            for chunk in reader:
                chunk, _ = clean_column_names(chunk)
                result, report = predict_frame(predictor, bundle, chunk, check)
                if explain_k:
                    result = pd.concat([result, _reasons(predictor, bundle, chunk, result, explain_k)], axis=1)
                if id_column is not None and id_column not in chunk.columns:
                    raise SchemaMismatchError(f"The id column {id_column!r} is not in {data_path.name}.")
                kept = chunk[[id_column]] if id_column is not None else chunk
                merged = pd.concat([kept, result], axis=1)
                escape_formulas(merged).to_csv(tmp, mode="w" if first else "a", header=first, index=False,
                                               quoting=csv.QUOTE_MINIMAL)
                first = False
                total.merge(report)
                if on_progress:
                    on_progress(total.rows)
            if first:
                raise DataLoadError(f"{data_path.name} has a header but no data rows.")
    except pd.errors.EmptyDataError as exc:
        raise DataLoadError(f"{data_path.name} is empty.") from exc
    except pd.errors.ParserError as exc:
        raise DataLoadError(f"{data_path.name} could not be parsed as CSV: {exc}") from exc
    total.drift = check.report()
    return total


def _reasons(predictor: Any, bundle: Bundle, chunk: pd.DataFrame, result: pd.DataFrame, k: int) -> pd.DataFrame:
    from explain.shap_values import explain_rows, top_reasons

    shap_result = explain_rows(predictor, bundle, chunk)
    outputs = [str(p) for p in result["prediction"]] if bundle.problem_type == "multiclass" else None
    reasons = top_reasons(shap_result, k, outputs)
    reasons.index = chunk.index
    return reasons


def escape_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a single quote."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_escape_cell)
    out.columns = [_escape_cell(str(c)) for c in out.columns]
    return out


def _escape_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
            return value  # a negative or signed number, not a formula
        except ValueError:
            return "'" + value
    return value
