"""The cleaning step: a frozen dataclass, JSON-serialisable, fitted on the training split only.

Each step has `fit(df, label) -> step` (a copy holding what it learned, in fields ending with `_`) and
`apply(df, mode, label) -> df`. In mode "inference" (prediction, and the held-out test split) the
steps that only make sense on training data — row filters, dropping duplicates or rows without a
target, anything on the target column — do nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from automl.errors import SchemaMismatchError

__all__ = ["Step", "Mode", "plain"]

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


def plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
