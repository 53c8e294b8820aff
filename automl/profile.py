"""Column profiles of a table: type, missing values, distinct values, a typical value."""

from __future__ import annotations

from typing import Literal

import pandas as pd

__all__ = ["ColumnKind", "column_kind", "profile_columns"]

ColumnKind = Literal["numeric", "categorical", "boolean", "datetime", "text"]


def column_kind(s: pd.Series) -> ColumnKind:
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_numeric_dtype(s):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    non_null = s.dropna()
    if len(non_null) and non_null.nunique() > 0.5 * len(non_null) and non_null.astype(str).str.len().mean() > 20:
        return "text"
    return "categorical"


def profile_columns(df: pd.DataFrame) -> pd.DataFrame:
    """One row per column: name, kind, dtype, missing count and %, distinct count, a typical value."""
    rows = []
    n = max(len(df), 1)
    for col in df.columns:
        s = df[col]
        missing = int(s.isna().sum())
        kind = column_kind(s)
        non_null = s.dropna()
        if kind == "numeric" and len(non_null):
            typical = float(non_null.median())
        elif len(non_null):
            typical = non_null.mode().iloc[0]
        else:
            typical = None
        rows.append({
            "column": str(col), "kind": kind, "dtype": str(s.dtype), "missing": missing,
            "missing_pct": round(100.0 * missing / n, 1), "distinct": int(non_null.nunique()),
            "typical": typical if typical is None else str(typical),
        })
    return pd.DataFrame(rows, columns=["column", "kind", "dtype", "missing", "missing_pct", "distinct", "typical"])
