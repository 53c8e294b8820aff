"""Cleaning steps: frozen dataclasses, JSON-serialisable, fitted on the training split only.

Each step has `fit(df, label) -> step` (a copy holding what it learned, in fields ending with `_`) and
`apply(df, mode, label) -> df`. In mode "inference" (prediction, and the held-out test split) the
steps that only make sense on training data — row filters, dropping duplicates or rows without a
target, anything on the target column — do nothing.
"""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from automl.errors import SchemaMismatchError

__all__ = ["Step", "STEP_TYPES", "DropColumns", "DropDuplicates", "DropMissingTarget", "FillMissing", "CastType",
           "ExpandDate", "ClipOutliers", "GroupRare", "RenameColumn", "CleanText", "FilterRows", "Mode"]

Mode = Literal["train", "inference"]


@dataclass(frozen=True)
class Step:
    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    training_only: ClassVar[bool] = False

    def fit(self, df: pd.DataFrame, label: str | None) -> "Step":
        return self

    def apply(self, df: pd.DataFrame, mode: Mode, label: str | None) -> pd.DataFrame:
        if mode == "inference" and (self.training_only or self.uses(label)):
            return df
        self._check(df)
        return self._apply(df)

    def _apply(self, df: pd.DataFrame) -> pd.DataFrame:
        return df

    def columns_used(self) -> list[str]:
        col = getattr(self, "column", None)
        return [col] if col else []

    def uses(self, name: str | None) -> bool:
        return name is not None and name in self.columns_used()

    def _check(self, df: pd.DataFrame) -> None:
        missing = [c for c in self.columns_used() if c not in df.columns]
        if missing:
            raise SchemaMismatchError(f"Cleaning step '{self.describe()}' needs column(s) {', '.join(missing)}, "
                                      "which the data does not have.")

    def describe(self) -> str:
        return self.title

    def to_dict(self) -> dict[str, Any]:
        d = {"kind": self.kind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            d[f.name] = list(value) if isinstance(value, tuple) else value
        return d

    def unfitted(self) -> "Step":
        return dataclasses.replace(self, **{f.name: None for f in dataclasses.fields(self) if f.name.endswith("_")})


@dataclass(frozen=True)
class DropColumns(Step):
    kind: ClassVar[str] = "drop_columns"
    title: ClassVar[str] = "Drop columns"
    columns: tuple[str, ...] = ()

    def columns_used(self) -> list[str]:
        return []  # dropping a column that is not there is fine

    def _apply(self, df):
        return df.drop(columns=[c for c in self.columns if c in df.columns])

    def describe(self):
        return "Drop " + ", ".join(f"`{c}`" for c in self.columns)


@dataclass(frozen=True)
class DropDuplicates(Step):
    kind: ClassVar[str] = "drop_duplicates"
    title: ClassVar[str] = "Drop duplicate rows"
    training_only: ClassVar[bool] = True

    def _apply(self, df):
        return df.drop_duplicates()


@dataclass(frozen=True)
class DropMissingTarget(Step):
    kind: ClassVar[str] = "drop_missing_target"
    title: ClassVar[str] = "Drop rows with a missing target"
    training_only: ClassVar[bool] = True
    label_: str | None = None

    def fit(self, df, label):
        return dataclasses.replace(self, label_=label)

    def _apply(self, df):
        return df[df[self.label_].notna()] if self.label_ in df.columns else df


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
                raise SchemaMismatchError(f"'{self.strategy}' needs a numeric column; `{self.column}` is not.")
            learned = float(getattr(s, self.strategy)()) if len(s) else 0.0
        else:
            learned = _plain(s.mode().iloc[0]) if len(s) else None
        return dataclasses.replace(self, fill_value_=learned)

    def _apply(self, df):
        out = df.copy()
        out[self.column] = out[self.column].fillna(self.fill_value_)
        return out

    def describe(self):
        how = f"the constant {self.value!r}" if self.strategy == "constant" else f"the {self.strategy.replace('_', ' ')}"
        learned = f" ({self.fill_value_!r})" if self.fill_value_ is not None and self.strategy != "constant" else ""
        return f"Fill missing `{self.column}` with {how}{learned}"


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
        return f"Read `{self.column}` as {self.to}"


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
        return f"Expand `{self.column}` into {', '.join(self.parts)}"


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
        return f"Clip `{self.column}` ({rule}){bounds}"


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
        return f"Group categories of `{self.column}` under {100 * self.min_share:g}% into {self.other!r}{kept}"


@dataclass(frozen=True)
class RenameColumn(Step):
    kind: ClassVar[str] = "rename_column"
    title: ClassVar[str] = "Rename a column"
    column: str = ""
    new_name: str = ""

    def _apply(self, df):
        if self.new_name in df.columns:
            raise SchemaMismatchError(f"Cannot rename `{self.column}` to `{self.new_name}`: that name is taken.")
        return df.rename(columns={self.column: self.new_name})

    def describe(self):
        return f"Rename `{self.column}` to `{self.new_name}`"


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
        return f"{what.capitalize()} the text of `{self.column}`"


_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
        ">=": operator.ge}


@dataclass(frozen=True)
class FilterRows(Step):
    kind: ClassVar[str] = "filter_rows"
    title: ClassVar[str] = "Keep rows matching a condition"
    training_only: ClassVar[bool] = True
    column: str = ""
    op: Literal["==", "!=", "<", "<=", ">", ">=", "is missing", "is not missing"] = "=="
    value: Any = None

    def _apply(self, df):
        s = df[self.column]
        if self.op == "is missing":
            keep = s.isna()
        elif self.op == "is not missing":
            keep = s.notna()
        else:
            value = self.value
            if pd.api.types.is_numeric_dtype(s) and isinstance(value, str):
                value = float(value)
            keep = _OPS[self.op](s, value).fillna(False).astype(bool)
        return df[keep]

    def describe(self):
        value = "" if "missing" in self.op else f" {self.value!r}"
        return f"Keep rows where `{self.column}` {self.op}{value} (training only)"


STEP_TYPES: dict[str, type[Step]] = {cls.kind: cls for cls in (
    DropColumns, DropDuplicates, DropMissingTarget, FillMissing, CastType, ExpandDate, ClipOutliers, GroupRare,
    RenameColumn, CleanText, FilterRows)}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value

