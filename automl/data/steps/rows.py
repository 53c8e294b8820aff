"""Steps on rows and column names: drop columns, duplicates or rows without a target, filter, rename."""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import pandas as pd

from automl.data.markdown import code
from automl.data.steps.base import Step
from automl.errors import RecipeError

__all__ = ["DropColumns", "DropDuplicates", "DropMissingTarget", "RenameColumn", "FilterRows"]


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
        return "Drop " + ", ".join(f"{code(c)}" for c in self.columns)


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
class RenameColumn(Step):
    kind: ClassVar[str] = "rename_column"
    title: ClassVar[str] = "Rename a column"
    column: str = ""
    new_name: str = ""

    def _apply(self, df):
        if self.new_name in df.columns:
            raise RecipeError(f"Cannot rename {code(self.column)} to {code(self.new_name)}: that name is taken.")
        return df.rename(columns={self.column: self.new_name})

    def describe(self):
        return f"Rename {code(self.column)} to {code(self.new_name)}"


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
        value = "" if "missing" in self.op else f" {code(self.value)}"
        return f"Keep rows where {code(self.column)} {self.op}{value} (training only)"
