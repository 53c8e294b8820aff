"""Raw rows -> the model's input: the one path from a user's file, form or request body to the model.

Training reads a file once through `automl.data.ingest`, which finds each column's type (numbers with currency
or thousands separators, true / false words, dates, EU decimals, missing-value markers). The run keeps
what was found per column (`ColumnRead`, stored in the input schema), and every later reading replays
exactly that instead of guessing again: a batch file, a form row, `explain`, `evaluate --data`, an
endpoint's JSON. Replaying is idempotent, so rows already read (the stored test split) pass unchanged,
and training builds its own model input through the same function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from automl.data.ingest import NA_VALUES, RawTable, open_table
from automl.data.markdown import code
from automl.data.values import parse_booleans, parse_dates, parse_numbers
from automl.errors import DataLoadError, SchemaMismatchError
from automl.model.schema import ColumnRead, InputSchema

__all__ = ["Unreadable", "read_plan", "replay_column", "replay_frame", "to_model_input",
           "iter_file", "read_file", "read_file_row"]

_MARKERS = frozenset(NA_VALUES)
_ROWS_SHOWN = 5
_WHAT = {"number": "numbers", "boolean": "true / false", "date": "dates", "text": "text"}


@dataclass
class Unreadable:
    """Values that were there but could not be read as the column's type (now missing), per column, with
    the first data-row numbers (1 = the first row after the header)."""

    counts: dict[str, int] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def add(self, column: str, read_as: str, row_numbers: np.ndarray) -> None:
        if not len(row_numbers):
            return
        self.counts[column] = self.counts.get(column, 0) + int(len(row_numbers))
        shown = self.rows.setdefault(column, [])
        shown += [int(r) for r in row_numbers[: max(0, _ROWS_SHOWN - len(shown))]]
        self.kinds[column] = read_as

    def merge(self, other: "Unreadable") -> None:
        for col, n in other.counts.items():
            self.counts[col] = self.counts.get(col, 0) + n
            shown = self.rows.setdefault(col, [])
            shown += other.rows[col][: max(0, _ROWS_SHOWN - len(shown))]
            self.kinds[col] = other.kinds[col]

    def lines(self, then: str = " and were treated as missing") -> list[str]:
        out = []
        for col, n in self.counts.items():
            rows = self.rows.get(col, [])
            where = ", ".join(f"{r:,}" for r in rows) + (", …" if n > len(rows) else "")
            out.append(f"{n} value(s) of {code(col)} could not be read as {_WHAT.get(self.kinds[col], 'values')} "
                       f"(row {where}){then}.")
        return out


def read_plan(frame: pd.DataFrame, conversions: list[dict[str, Any]] | None = None) -> dict[str, ColumnRead]:
    """How each column of an ingested frame was read, from its dtype and ingest's recorded conversions."""
    found = {c["column"]: c for c in conversions or []}
    return {str(col): _column_read(str(col), frame[col], found.get(str(col))) for col in frame.columns}


def _column_read(name: str, s: pd.Series, conversion: dict[str, Any] | None) -> ColumnRead:
    detail = (conversion or {}).get("detail", "")
    if pd.api.types.is_bool_dtype(s) or (s.dtype == object and len(s.dropna())
                                        and s.dropna().map(lambda v: isinstance(v, (bool, np.bool_))).all()):
        return ColumnRead(name, "boolean")
    if pd.api.types.is_numeric_dtype(s):
        integer = pd.api.types.is_integer_dtype(s)
        if conversion is None or conversion.get("to") != "number":
            return ColumnRead(name, "number", "native", integer=integer)
        style = conversion.get("style") or ("eu" if re.search(r"decimal commas|',' decimals", detail) else "us")
        return ColumnRead(name, "number", style, integer=integer)
    if pd.api.types.is_datetime64_any_dtype(s):
        day_first = conversion.get("day_first") if conversion else None
        return ColumnRead(name, "date", day_first=bool(day_first if day_first is not None
                                                       else "day first" in detail))
    return ColumnRead(name, "text")


def replay_column(s: pd.Series, read: ColumnRead) -> tuple[pd.Series, np.ndarray]:
    """Read one column as training did; return it and the positions of values that could not be read."""
    if isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(s) and s.dtype != object:
        s = s.astype(object)
    native = {"number": lambda: pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s),
              "boolean": lambda: pd.api.types.is_bool_dtype(s),
              "date": lambda: pd.api.types.is_datetime64_any_dtype(s),
              "text": lambda: False}[read.read_as]
    if native():
        return _number_dtype(s, read) if read.read_as == "number" else s, np.empty(0, dtype=np.int64)
    if s.dtype != object:
        s = s.astype(object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) == 0:
        empty = pd.Series(np.nan if read.read_as == "number" else None, index=s.index,
                          dtype=float if read.read_as == "number" else object)
        if read.read_as == "date":
            empty = pd.to_datetime(empty)
        return empty, np.empty(0, dtype=np.int64)
    values, missing = _read_values(pd.Series(uniques, dtype=object), read)
    unreadable_codes = np.flatnonzero(pd.isna(values).to_numpy() & ~missing)
    mapped = values.to_numpy()[codes.clip(min=0)]
    absent = codes < 0
    if read.read_as == "date":
        out = pd.Series(pd.to_datetime(pd.Series(mapped, dtype=object)).to_numpy(), index=s.index)
        if absent.any():
            out[absent] = pd.NaT
    else:
        out = pd.Series(mapped, index=s.index, dtype=float if read.read_as == "number" else object)
        if absent.any():
            out[absent] = np.nan if read.read_as == "number" else None
        if read.read_as == "boolean" and not out.isna().any():
            out = out.astype(bool)
    bad = np.flatnonzero(np.isin(codes, unreadable_codes)) if len(unreadable_codes) else np.empty(0, np.int64)
    return _number_dtype(out, read) if read.read_as == "number" else out, bad


def _number_dtype(s: pd.Series, read: ColumnRead) -> pd.Series:
    """Numbers as training held them: whole numbers as int64 where it had that and nothing is missing, else
    float64 (AutoGluon types a column by its dtype)."""
    if read.integer and pd.api.types.is_integer_dtype(s):
        return s
    if read.integer and not s.isna().any() and (s % 1 == 0).all():
        return s.astype("int64")
    return s if s.dtype == np.float64 else s.astype("float64")


def _read_values(u: pd.Series, read: ColumnRead) -> tuple[pd.Series, np.ndarray]:
    """The distinct raw values read as `read` says; and which of them only said "missing" (markers)."""
    if read.read_as == "text" and len(u) <= _FEW:  # a request's few values: plain Python, not 10 pandas calls
        return _text_values(u.tolist())
    is_text = u.map(lambda v: isinstance(v, str)).to_numpy()
    text = u.where(is_text).astype(object)
    stripped = text.where(is_text, "").astype(str).str.strip()
    marker = is_text & stripped.isin(_MARKERS).to_numpy()
    stripped = stripped.where(is_text & ~marker)
    if read.read_as == "number":
        parsed = parse_numbers(stripped.fillna(""), "us" if read.style == "native" else read.style)
        other = u.map(lambda v: float(v) if isinstance(v, (int, float, np.integer, np.floating))
                      and not isinstance(v, (bool, np.bool_)) else np.nan)
        values = pd.Series(np.where(is_text, parsed.to_numpy(dtype=float), other.to_numpy(dtype=float)))
    elif read.read_as == "boolean":
        parsed = parse_booleans(stripped.fillna(""))
        other = u.map(lambda v: bool(v) if isinstance(v, (bool, np.bool_)) else None)
        values = pd.Series(np.where(is_text, parsed.to_numpy(), other.to_numpy()), dtype=object)
    elif read.read_as == "date":
        parsed = parse_dates(stripped.fillna(""), read.day_first).astype(object)
        other = u.map(lambda v: pd.Timestamp(v) if isinstance(v, (pd.Timestamp, np.datetime64)) or
                      hasattr(v, "isoformat") and not isinstance(v, str) else None)
        values = pd.Series(np.where(is_text, parsed.where(parsed.notna(), None).to_numpy(), other.to_numpy()),
                           dtype=object)
    else:  # text: the cell as written; a number sent for a text column is its plain text
        other = u.map(_as_text)
        values = pd.Series(np.where(is_text, text.to_numpy(), other.to_numpy()), dtype=object)
        values[marker] = None
    return values, marker


_FEW = 1_000


def _text_values(uniques: list[Any]) -> tuple[pd.Series, np.ndarray]:
    """`_read_values` for a text column, value by value: the cell as written, a missing marker as None, a
    number or true/false sent for text as its plain text (the same answers, ~20x faster on a few values)."""
    values, markers = [], []
    for v in uniques:
        marker = isinstance(v, str) and v.strip() in _MARKERS
        values.append(None if marker else v if isinstance(v, str) else _as_text(v))
        markers.append(marker)
    return pd.Series(values, dtype=object), np.asarray(markers, dtype=bool)


def _as_text(v: Any) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return None if v is None else str(v)


def to_model_input(schema: InputSchema, frame: pd.DataFrame, keep: tuple[str, ...] = (),
                   first_row: int = 1, require: tuple[str, ...] = ()) -> tuple[pd.DataFrame, list[str], Unreadable]:
    """The model's input columns in training order, each read as training read it.

    Returns the input frame (plus the `keep` columns the schema knows, e.g. the label, read the same way),
    the extra columns that are ignored, and the values that could not be read (row numbers counted from
    `first_row`). Raises `SchemaMismatchError` naming the columns the model needs that are missing (first
    the `require` columns, e.g. the label to score against).
    """
    for col in require:
        if col not in frame.columns:
            raise SchemaMismatchError(f"The data has no {code(col)} column to score against.")
    needed = schema.names
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SchemaMismatchError(
            f"The data lacks {len(missing)} column(s) the model was trained on: {', '.join(missing)}. "
            "Add them (values may be empty) and try again.")
    ignored = [str(c) for c in frame.columns if c not in set(needed) and c != schema.label]
    columns = needed + [k for k in keep if k in frame.columns and k not in needed]
    X, unreadable = replay_frame(frame[columns], schema.reads(), first_row)
    return X, ignored, unreadable


def replay_frame(frame: pd.DataFrame, reads: dict[str, ColumnRead],
                 first_row: int = 1) -> tuple[pd.DataFrame, Unreadable]:
    """Every column with a read replayed (others as they are); values that could not be read, by row."""
    unreadable = Unreadable()
    out = {}
    for name in frame.columns:
        read = reads.get(str(name))
        if read is None:
            out[name] = frame[name]
            continue
        out[name], bad = replay_column(frame[name], read)
        unreadable.add(str(name), read.read_as, bad + first_row)
    return pd.DataFrame(out, index=frame.index), unreadable


def open_for_model(schema: InputSchema, source: Any, name: str | None = None, chunk_rows: int = 50_000,
                   max_bytes: int | None = None) -> RawTable:
    """Open a file of any supported format the way training's ingest opened it; the columns the run reads
    from text are kept as the text written, never parsed as numbers on the way."""
    reads = schema.reads()
    return open_table(source, name, max_bytes=max_bytes, chunk_rows=chunk_rows,
                      as_text=lambda col: col in reads and reads[col].parsed_from_text)


def iter_file(schema: InputSchema, source: Any, name: str | None = None, chunk_rows: int = 50_000,
              keep: tuple[str, ...] = (), require: tuple[str, ...] = ()
              ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, list[str], Unreadable]]:
    """Chunks of a file: (the rows as read, the model input, ignored columns, unreadable values)."""
    table = open_for_model(schema, source, name, chunk_rows)
    first = 1
    for chunk in table.chunks:
        chunk = chunk.reset_index(drop=True)
        X, ignored, unreadable = to_model_input(schema, chunk, keep, first_row=first, require=require)
        yield chunk, X, ignored, unreadable
        first += len(chunk)


def read_file(schema: InputSchema, source: Any, name: str | None = None, keep: tuple[str, ...] = (),
              require: tuple[str, ...] = ()) -> tuple[pd.DataFrame, list[str], Unreadable]:
    """A whole file read for the model (explain, evaluate --data): the input (+ `keep`) and what was found."""
    parts, ignored, unreadable = [], [], Unreadable()
    for _, X, ign, bad in iter_file(schema, source, name, keep=keep, require=require):
        parts.append(X)
        ignored = ign
        unreadable.merge(bad)
    if not parts or not sum(len(p) for p in parts):
        raise DataLoadError(f"{name or Path(str(source)).name} has a header but no data rows.")
    return pd.concat(parts, ignore_index=True), ignored, unreadable


def read_file_row(schema: InputSchema, source: Any, number: int) -> pd.Series:
    """Data row `number` (1 = the first after the header) of a file, read for the model as the batch read it."""
    seen = 0
    for _, X, _, _ in iter_file(schema, source):
        if number <= seen + len(X):
            return X.iloc[number - seen - 1]
        seen += len(X)
    raise DataLoadError(f"{Path(str(source)).name} has no data row {number}.")
