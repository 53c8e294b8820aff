"""Columns that are one choice spread over 0/1 columns (one-hot): a car's make as `Buick`, `Cadillac`,
`Saab`, … with exactly one 1 per row. Found in the training rows, so that a typical row has one make (not
none: each column's median is 0) and the form offers one choice instead of a 0/1 box per make."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["OneHotGroup", "find_groups"]

_SAMPLE_ROWS = 20_000  # groups are looked for on at most this many rows, then checked on all of them


@dataclass(frozen=True)
class OneHotGroup:
    """0/1 columns with exactly one 1 in every training row, in the table's order; `shares` is each
    column's share of rows."""

    columns: tuple[str, ...]
    shares: tuple[float, ...]

    @property
    def prefix(self) -> str:
        """What the columns' names share before a separator (`make_` of `make_Buick`, `make_Saab`), or ""."""
        common = os.path.commonprefix(list(self.columns))
        cut = max(common.rfind(sep) for sep in "_-=. :")
        return common[:cut + 1] if cut > 0 else ""

    @property
    def title(self) -> str:
        """The choice in words: the shared name (`make`), else its first options (`Buick / Cadillac / …`)."""
        if self.prefix:
            return self.prefix.rstrip("_-=. :")
        return " / ".join(self.option(c) for c in self.columns[:3]) + (" / …" if len(self.columns) > 3 else "")

    def option(self, column: str) -> str:
        return column[len(self.prefix):] or column

    @property
    def most_frequent(self) -> str:
        return self.columns[int(np.argmax(self.shares))]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "shares": list(self.shares)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "OneHotGroup":
        return cls(tuple(d["columns"]), tuple(float(s) for s in d["shares"]))


def find_groups(df: pd.DataFrame, columns: list[str]) -> list[OneHotGroup]:
    """Runs of adjacent 0/1 columns (of `columns`, in order) that sum to exactly 1 in every row of `df`."""
    candidates = [c for c in columns if _zero_one(df[c])]
    if len(candidates) < 2:
        return []
    sample = df[candidates].iloc[:: max(1, len(df) // _SAMPLE_ROWS)].to_numpy(dtype=np.int16)
    totals = np.zeros((len(sample), len(candidates) + 1), dtype=np.int16)
    np.cumsum(sample, axis=1, out=totals[:, 1:])
    groups, start = [], 0
    while start < len(candidates) - 1:
        end = _closing_column(totals, start)
        if end is not None and _adjacent(columns, candidates[start:end + 1]):
            members = candidates[start:end + 1]
            full = df[members].to_numpy(dtype=np.int16)
            if (full.sum(axis=1) == 1).all():  # the sample said so; every row agrees
                groups.append(OneHotGroup(tuple(members), tuple(round(float(v), 6) for v in full.mean(axis=0))))
                start = end + 1
                continue
        start += 1
    return groups


def _zero_one(s: pd.Series) -> bool:
    """A numeric or boolean column holding both 0 and 1 and nothing else, none missing."""
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        return False
    head = s.iloc[:1000]
    if not head.isin((0, 1)).all():  # most columns are ruled out on their first rows
        return False
    ones = int((s == 1).sum())
    return 0 < ones < len(s) and ones + int((s == 0).sum()) == len(s)


def _closing_column(totals: np.ndarray, start: int) -> int | None:
    """The first candidate from `start` on where every row's sum reaches 1 while none passes 1, if any.
    Sums only grow as columns are added, so the last column whose sums stay ≤ 1 is found by bisection."""
    def sums(end: int) -> np.ndarray:
        return totals[:, end + 1] - totals[:, start]

    lo, hi = start, totals.shape[1] - 2
    if sums(lo).max() > 1:
        return None
    while lo < hi:  # the last end with every sum ≤ 1
        mid = (lo + hi + 1) // 2
        if sums(mid).max() <= 1:
            lo = mid
        else:
            hi = mid - 1
    last = lo
    lo, hi = start + 1, last
    if lo > hi or sums(last).min() < 1:
        return None
    while lo < hi:  # the first end with every sum ≥ 1
        mid = (lo + hi) // 2
        if sums(mid).min() >= 1:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _adjacent(columns: list[str], members: list[str]) -> bool:
    """Whether the members sit side by side in the table (nothing else between them)."""
    positions = [columns.index(m) for m in members]
    return positions == list(range(positions[0], positions[0] + len(positions)))
