"""Predict rows given as a DataFrame (the form, a row of a scored file), read exactly as training read its
file (`automl.model.model_input`), with what was unusual in them; the shape of a scored file's rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pandas as pd

from automl.model.bundle import Bundle
from automl.model.inference import score_input
from automl.model.model_input import read_file_row, to_model_input
from automl.prediction.drift import DriftCheck
from automl.prediction.report import PredictionReport

__all__ = ["UNUSUAL_COLUMN", "Reasons", "output_rows", "predict_frame", "read_csv_row", "unseen_values"]

UNUSUAL_COLUMN = "unusual_inputs"
# (rows read for the model, their predictions) -> one `reason_i` text column per reason
Reasons = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]


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


def read_csv_row(path: str | Path, number: int, bundle: Bundle) -> pd.Series:
    """Data row `number` (1 = the first after the header) of a file, read as a scored file is read."""
    return read_file_row(bundle.schema, path, number)
