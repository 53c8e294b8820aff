"""Tables written for a spreadsheet: a text cell that starts like a formula (`=HYPERLINK(...)`, `+`, `-`, `@`)
would run when the file is opened, so it is written with a leading single quote. Every CSV the app hands out
(scored files, SHAP values, a table from the Data page) passes through `escape_formulas` or `safe_csv`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["escape_formulas", "safe_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a single quote (each distinct value
    is looked at once)."""
    out = df.copy(deep=False)
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
            escaped = [_escape_cell(u) for u in uniques]
            changed = np.flatnonzero([e is not u for e, u in zip(escaped, uniques, strict=True)])
            if len(changed):
                values = s.to_numpy(dtype=object, copy=True)
                hit = np.isin(codes, changed)
                values[hit] = np.asarray(escaped, dtype=object)[codes[hit]]
                out[col] = pd.Series(values, index=s.index, dtype=object)
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


def safe_csv(df: pd.DataFrame) -> bytes:
    """`df` as CSV bytes (UTF-8), safe to open in a spreadsheet."""
    return escape_formulas(df).to_csv(index=False).encode("utf-8")
