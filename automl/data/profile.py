"""Column profiles of a table: kind, missing values, distinct values, statistics or top values.

Fast on large tables: each column is factorised once, and numeric statistics come from one sort.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from automl.data.numbers import looks_like_years, readable_number
from automl.data.values import FALSE_WORDS, TRUE_WORDS, YES_NO_WORDS

__all__ = ["ColumnKind", "ColumnProfile", "TableProfile", "column_kind", "profile_table",
           "profile_frame",
           "BOOLEAN_WORDS"]

ColumnKind = Literal["numeric", "categorical", "boolean", "datetime", "text"]
# A two-valued column of these words is shown as boolean (the words are `automl.data.values`' one vocabulary).
BOOLEAN_WORDS = TRUE_WORDS | FALSE_WORDS | YES_NO_WORDS
_TOP = 10


@dataclass
class ColumnProfile:
    name: str
    type: ColumnKind
    dtype: str
    missing: int
    missing_pct: float
    distinct: int
    stats: dict[str, Any] = field(default_factory=dict)   # numeric / datetime: min, max, mean, quantiles
    top: list[tuple[Any, int]] = field(default_factory=list)  # most frequent values with counts
    top_share: float = 0.0  # share of non-missing rows holding the most frequent value

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["top"] = [{"value": _plain(v), "count": c} for v, c in self.top]
        return d


@dataclass
class TableProfile:
    rows: int
    columns: list[ColumnProfile]
    duplicate_rows: int

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "duplicate_rows": self.duplicate_rows,
                "columns": [c.to_dict() for c in self.columns]}


def column_kind(s: pd.Series, distinct: int | None = None) -> ColumnKind:
    """numeric, boolean (true/false or yes/no), datetime, text (long unique strings) or categorical."""
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_numeric_dtype(s):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    non_null = s.dropna()
    if len(non_null) == 0:
        return "categorical"
    distinct = non_null.nunique() if distinct is None else distinct
    if distinct <= 2 and {str(v).strip().lower() for v in non_null.unique()} <= BOOLEAN_WORDS:
        return "boolean"
    if distinct > 0.5 * len(non_null) and non_null.astype(str).str.len().mean() > 20:
        return "text"
    return "categorical"


def profile_table(df: pd.DataFrame) -> TableProfile:
    columns = [_profile_column(df[c], str(c), len(df)) for c in df.columns]
    duplicates = int(pd.util.hash_pandas_object(df, index=False).duplicated().sum()) if len(df) else 0
    return TableProfile(rows=len(df), columns=columns, duplicate_rows=duplicates)


def profile_frame(profile: TableProfile) -> pd.DataFrame:
    """One row per column, for a table on screen: name, kind, dtype, missing, distinct, a summary."""
    rows = []
    for c in profile.columns:
        rows.append({"column": c.name, "kind": c.type, "dtype": c.dtype, "missing": c.missing,
                     "missing_pct": c.missing_pct, "distinct": c.distinct, "summary": _summary(c)})
    return pd.DataFrame(rows, columns=["column", "kind", "dtype", "missing", "missing_pct", "distinct", "summary"])


def _profile_column(s: pd.Series, name: str, n: int) -> ColumnProfile:
    missing = int(s.isna().sum())
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    distinct = len(uniques)
    kind = column_kind(s, distinct)
    prof = ColumnProfile(name=name, type=kind, dtype=str(s.dtype), missing=missing,
                         missing_pct=round(100.0 * missing / max(n, 1), 2), distinct=distinct)
    non_missing = n - missing
    if distinct and non_missing:
        counts = np.bincount(codes[codes >= 0], minlength=distinct)
        order = np.argsort(-counts, kind="stable")[:_TOP]
        prof.top = [(uniques[i], int(counts[i])) for i in order]
        prof.top_share = round(float(counts[order[0]]) / non_missing, 4)
    if kind == "numeric" and non_missing:
        values = s.to_numpy(dtype=float, na_value=np.nan)
        values = np.sort(values[~np.isnan(values)])
        q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
        prof.stats = {"min": float(values[0]), "max": float(values[-1]), "mean": float(values.mean()),
                      "std": float(values.std()), "p05": float(q[0]), "q25": float(q[1]), "median": float(q[2]),
                      "q75": float(q[3]), "p95": float(q[4])}
    elif kind == "datetime" and non_missing:
        prof.stats = {"min": str(s.min()), "max": str(s.max())}
    return prof


def _summary(c: ColumnProfile) -> str:
    if c.stats and c.type == "numeric":
        st = c.stats
        whole = all(float(st[k]).is_integer() for k in ("min", "max", "median"))
        if looks_like_years(c.name, st["min"], st["max"], whole):
            return f"{st['min']:.0f} … {st['max']:.0f} (median {st['median']:.0f})"  # years, not amounts
        return (f"{readable_number(st['min'])} … {readable_number(st['max'])} "
                f"(median {readable_number(st['median'])}, "
                f"mean {readable_number(st['mean'])})")
    if c.stats:
        return f"{c.stats['min']} … {c.stats['max']}"
    if c.top:
        return ", ".join(f"{_plain(v)} ({n})" for v, n in c.top[:3])
    return "all missing"


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value
