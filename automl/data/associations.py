"""Pairwise association strength between columns, from 0 (none) to 1 (one determines the other).

Numeric–numeric: |Pearson r|. Categorical–categorical: Cramér's V. Numeric–categorical: the correlation
ratio η. Computed on a sample of rows, over the columns that can be compared (not ids or free text).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from automl.data.profile import column_kind

__all__ = ["association_matrix"]

MAX_ROWS = 20_000
MAX_COLUMNS = 30
MAX_CATEGORIES = 100


def association_matrix(df: pd.DataFrame, max_rows: int = MAX_ROWS, seed: int = 0) -> pd.DataFrame:
    sample = df.sample(max_rows, random_state=seed) if len(df) > max_rows else df
    kinds: dict[str, str] = {}
    for col in sample.columns:
        kind = column_kind(sample[col])
        if kind == "numeric" and sample[col].nunique() > 1:
            kinds[col] = "num"
        elif kind in ("categorical", "boolean") and 1 < sample[col].nunique() <= MAX_CATEGORIES:
            kinds[col] = "cat"
        if len(kinds) >= MAX_COLUMNS:
            break
    cols = list(kinds)
    out = pd.DataFrame(np.eye(len(cols)), index=cols, columns=cols)
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            value = _association(sample[a], sample[b], kinds[a], kinds[b])
            out.loc[a, b] = out.loc[b, a] = value
    return out


def _association(a: pd.Series, b: pd.Series, ka: str, kb: str) -> float:
    mask = a.notna() & b.notna()
    a, b = a[mask], b[mask]
    if len(a) < 3:
        return float("nan")
    if ka == kb == "num":
        r = np.corrcoef(a.to_numpy(dtype=float), b.to_numpy(dtype=float))[0, 1]
        return float(abs(r)) if np.isfinite(r) else 0.0
    if ka == kb == "cat":
        return _cramers_v(a, b)
    num, cat = (a, b) if ka == "num" else (b, a)
    return _correlation_ratio(num.to_numpy(dtype=float), cat.astype(str).to_numpy())


def _cramers_v(a: pd.Series, b: pd.Series) -> float:
    table = pd.crosstab(a.astype(str), b.astype(str)).to_numpy(dtype=float)
    n = table.sum()
    expected = table.sum(axis=1, keepdims=True) @ table.sum(axis=0, keepdims=True) / n
    chi2 = ((table - expected) ** 2 / np.where(expected == 0, 1, expected)).sum()
    k = min(table.shape) - 1
    return float(np.sqrt(chi2 / (n * k))) if k > 0 else 0.0


def _correlation_ratio(values: np.ndarray, groups: np.ndarray) -> float:
    total = ((values - values.mean()) ** 2).sum()
    if total == 0:
        return 0.0
    means = pd.Series(values).groupby(groups).transform("mean").to_numpy()
    between = ((means - values.mean()) ** 2).sum()
    return float(np.sqrt(between / total))
