"""Steps on a column's values: fill missing, cast, expand dates, clip outliers, group rare, clean text."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import pandas as pd

from automl.data.markdown import code
from automl.data.steps.base import Step, plain
from automl.errors import RecipeError

__all__ = ["FillMissing", "CastType", "ExpandDate", "ClipOutliers", "GroupRare", "CleanText"]


@dataclass(frozen=True)
class FillMissing(Step):
    kind: ClassVar[str] = "fill_missing"
    title: ClassVar[str] = "Fill missing values"
    column: str = ""
    strategy: Literal["mean", "median", "most_frequent", "constant"] = "median"
    value: Any = None
    fill_value_: Any = None

    def fit(self, df, label):
        s = df[self.column].dropna()
        if self.strategy == "constant":
            learned = self.value
        elif self.strategy in ("mean", "median"):
            if not pd.api.types.is_numeric_dtype(s):
                raise RecipeError(f"'{self.strategy}' needs a numeric column; {code(self.column)} is not.")
            learned = float(getattr(s, self.strategy)()) if len(s) else 0.0
        else:
            learned = plain(s.mode().iloc[0]) if len(s) else None
        return dataclasses.replace(self, fill_value_=learned)

    def _apply(self, df):
        out = df.copy()
        out[self.column] = out[self.column].fillna(self.fill_value_)
        return out

    def describe(self):
        how = (f"the constant {code(self.value)}" if self.strategy == "constant"
               else f"the {self.strategy.replace('_', ' ')}")
        learned = f" ({code(self.fill_value_)})" if self.fill_value_ is not None and self.strategy != "constant" else ""
        return f"Fill missing {code(self.column)} with {how}{learned}"


@dataclass(frozen=True)
class CastType(Step):
    kind: ClassVar[str] = "cast_type"
    title: ClassVar[str] = "Change a column's type"
    column: str = ""
    to: Literal["number", "category", "date", "boolean"] = "number"

    def _apply(self, df):
        out = df.copy()
        s = out[self.column]
        if self.to == "number":
            out[self.column] = pd.to_numeric(s, errors="coerce")
        elif self.to == "category":
            out[self.column] = s.astype(str).where(s.notna(), None).astype(object)
        elif self.to == "date":
            out[self.column] = pd.to_datetime(s, errors="coerce", format="mixed")
        else:
            truth = {"true": True, "yes": True, "y": True, "1": True, "t": True,
                     "false": False, "no": False, "n": False, "0": False, "f": False}
            out[self.column] = s.map(lambda v: truth.get(str(v).strip().lower()) if pd.notna(v) else None)
        return out

    def describe(self):
        return f"Read {code(self.column)} as {self.to}"


@dataclass(frozen=True)
class ExpandDate(Step):
    kind: ClassVar[str] = "expand_date"
    title: ClassVar[str] = "Expand a date into parts"
    column: str = ""
    parts: tuple[str, ...] = ("year", "month", "dayofweek", "hour")
    drop: bool = True
    PARTS: ClassVar[tuple[str, ...]] = ("year", "month", "day", "dayofweek", "hour")

    def _apply(self, df):
        out = df.copy()
        dates = pd.to_datetime(out[self.column], errors="coerce", format="mixed")
        for part in self.parts:
            out[f"{self.column}_{part}"] = getattr(dates.dt, part).astype("float64")
        return out.drop(columns=[self.column]) if self.drop else out

    def describe(self):
        return f"Expand {code(self.column)} into {', '.join(self.parts)}"


@dataclass(frozen=True)
class ClipOutliers(Step):
    kind: ClassVar[str] = "clip_outliers"
    title: ClassVar[str] = "Clip outliers"
    column: str = ""
    method: Literal["quantile", "iqr"] = "quantile"
    lower: float = 0.01
    upper: float = 0.99
    k: float = 1.5
    low_: float | None = None
    high_: float | None = None

    def fit(self, df, label):
        s = pd.to_numeric(df[self.column], errors="coerce").dropna()
        if s.empty:
            return dataclasses.replace(self, low_=None, high_=None)
        if self.method == "quantile":
            low, high = s.quantile(self.lower), s.quantile(self.upper)
        else:
            q1, q3 = s.quantile(0.25), s.quantile(0.75)
            low, high = q1 - self.k * (q3 - q1), q3 + self.k * (q3 - q1)
        return dataclasses.replace(self, low_=float(low), high_=float(high))

    def _apply(self, df):
        out = df.copy()
        out[self.column] = pd.to_numeric(out[self.column], errors="coerce").clip(self.low_, self.high_)
        return out

    def describe(self):
        bounds = f" to [{self.low_:.4g}, {self.high_:.4g}]" if self.low_ is not None else ""
        rule = f"{self.lower:g}–{self.upper:g} quantiles" if self.method == "quantile" else f"IQR × {self.k:g}"
        return f"Clip {code(self.column)} ({rule}){bounds}"


@dataclass(frozen=True)
class GroupRare(Step):
    kind: ClassVar[str] = "group_rare"
    title: ClassVar[str] = "Group rare categories"
    column: str = ""
    min_share: float = 0.01
    other: str = "Other"
    keep_: tuple[str, ...] | None = None

    def fit(self, df, label):
        shares = df[self.column].dropna().astype(str).value_counts(normalize=True)
        return dataclasses.replace(self, keep_=tuple(shares[shares >= self.min_share].index))

    def _apply(self, df):
        out = df.copy()
        s = out[self.column]
        keep = set(self.keep_ or ())
        out[self.column] = s.where(s.isna() | s.astype(str).isin(keep), self.other)
        return out

    def describe(self):
        kept = f", keeping {len(self.keep_)}" if self.keep_ is not None else ""
        return f"Group categories of {code(self.column)} under {100 * self.min_share:g}% into {code(self.other)}{kept}"


@dataclass(frozen=True)
class CleanText(Step):
    kind: ClassVar[str] = "clean_text"
    title: ClassVar[str] = "Trim / lower-case text"
    column: str = ""
    trim: bool = True
    lower: bool = False

    def _apply(self, df):
        out = df.copy()
        s = out[self.column]
        text = s.astype(str)
        if self.trim:
            text = text.str.strip()
        if self.lower:
            text = text.str.lower()
        out[self.column] = text.where(s.notna(), None)
        return out

    def describe(self):
        what = " and ".join(w for w, on in (("trim", self.trim), ("lower-case", self.lower)) if on) or "keep"
        return f"{what.capitalize()} the text of {code(self.column)}"
