"""The input schema of a trained model, part of the run contract: which columns it needs, how training
read each one, their kinds, ranges and categories. Typed and frozen; stored as `schema.json`.

Built from the training split; used by the one reader (`automl.model.model_input`) to read rows as training
did, to draw the Predict form and to check rows for drift.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from automl.data.profile import ColumnKind, column_kind
from automl.data.one_hot import OneHotGroup, find_groups

__all__ = ["ColumnRead", "Feature", "InputSchema", "build_schema", "typical_row"]

ReadAs = Literal["number", "boolean", "date", "text"]
_MAX_CATEGORIES = 200
_MAX_WHOLE_VALUES = 20  # a whole-number column with at most this many values has each one recorded


@dataclass(frozen=True)
class ColumnRead:
    """How training read one column: as a number (in the reader's own, US or EU style), a true / false
    word, a date (day first or not) or text. Every prediction reads the column the same way."""

    name: str
    read_as: ReadAs
    style: str = "us"          # numbers: "native" (the reader's own), "us" (1,234.5) or "eu" (1.234,5)
    day_first: bool = False
    integer: bool = False      # numbers: whole numbers with none missing at training (an int64 column)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ColumnRead":
        return cls(name=d["name"], read_as=d["read_as"], style=d.get("style") or "us",
                   day_first=bool(d.get("day_first")), integer=bool(d.get("integer")))

    @property
    def parsed_from_text(self) -> bool:
        """Whether the file holds this column as text that is parsed here (so it must be read as text)."""
        return self.read_as != "number" or self.style != "native"


@dataclass(frozen=True)
class Feature:
    """One input column: its kind and training dtype, how it is read, and what training saw in it."""

    name: str
    kind: ColumnKind
    dtype: str
    read: ColumnRead
    missing_pct: float = 0.0
    # numbers
    min: float | None = None
    max: float | None = None
    median: float | None = None
    integer: bool = False
    bins: tuple[float, ...] | None = None         # inner decile edges, for drift
    bin_shares: tuple[float, ...] | None = None
    # a whole-number column with few values (doors, cylinders): every value training saw, so that a 3 among
    # 2s and 4s is told as new even inside the range
    whole_values: tuple[float, ...] | None = None
    # everything else
    categories: tuple[str, ...] = ()              # most frequent first, at most 200
    shares: tuple[float, ...] = ()
    mode: str | None = None
    present: int | None = None                    # rows with a value at training (None: a run from before)

    @property
    def numeric(self) -> bool:
        return self.kind == "numeric"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("bins", "bin_shares", "whole_values", "categories", "shares"):
            d[key] = list(d[key]) if d[key] is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Feature":
        read = ColumnRead.from_dict(d["read"]) if d.get("read") else _legacy_read(d)
        as_tuple = lambda v: tuple(v) if v is not None else None  # noqa: E731
        return cls(name=d["name"], kind=d["kind"], dtype=d.get("dtype", "object"), read=read,
                   missing_pct=float(d.get("missing_pct") or 0.0), min=d.get("min"), max=d.get("max"),
                   median=d.get("median"), integer=bool(d.get("integer")), bins=as_tuple(d.get("bins")),
                   bin_shares=as_tuple(d.get("bin_shares")), whole_values=as_tuple(d.get("whole_values")),
                   categories=tuple(d.get("categories") or ()),
                   shares=tuple(d.get("shares") or ()), mode=d.get("mode"),
                   present=int(d["present"]) if d.get("present") is not None else None)


def _legacy_read(d: dict[str, Any]) -> ColumnRead:
    """Runs trained before reads were recorded: the read that matches the feature's kind and dtype."""
    name, dtype = d["name"], str(d.get("dtype", ""))
    if dtype == "bool" or d.get("kind") == "boolean" and set(map(str, d.get("categories") or [])) <= {"True", "False"}:
        return ColumnRead(name, "boolean")
    if d.get("kind") == "numeric":
        return ColumnRead(name, "number", "native", integer=dtype.startswith("int"))
    if dtype.startswith("datetime"):
        return ColumnRead(name, "date")
    return ColumnRead(name, "text")


@dataclass(frozen=True)
class InputSchema:
    label: str
    problem_type: str
    features: tuple[Feature, ...]
    class_labels: tuple[Any, ...] | None = None
    label_read: ColumnRead | None = None
    groups: tuple[OneHotGroup, ...] = ()  # one choice spread over 0/1 columns (a car's make)
    _by_name: dict[str, Feature] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({f.name: f for f in self.features})

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def feature(self, name: str) -> Feature:
        return self._by_name[name]

    def reads(self) -> dict[str, ColumnRead]:
        """How each input column (and the label, when recorded) is read."""
        out = {f.name: f.read for f in self.features}
        if self.label_read is not None:
            out[self.label] = self.label_read
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "problem_type": self.problem_type,
                "class_labels": list(self.class_labels) if self.class_labels is not None else None,
                "features": [f.to_dict() for f in self.features],
                "label_read": self.label_read.to_dict() if self.label_read else None,
                "groups": [g.to_dict() for g in self.groups]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "InputSchema":
        return cls(label=d["label"], problem_type=d["problem_type"],
                   features=tuple(Feature.from_dict(f) for f in d["features"]),
                   class_labels=tuple(d["class_labels"]) if d.get("class_labels") else None,
                   label_read=ColumnRead.from_dict(d["label_read"]) if d.get("label_read") else None,
                   groups=tuple(OneHotGroup.from_dict(g) for g in d.get("groups") or ()))


def build_schema(train: pd.DataFrame, label: str, problem_type: str, class_labels: list[Any] | None,
                 reads: dict[str, ColumnRead] | None = None) -> InputSchema:
    """The input schema of the training rows; `reads` records how training read each column (from the
    file's ingest), so that every prediction reads it the same way."""
    reads = reads or {}
    features = []
    for col in train.columns:
        if col == label:
            continue
        s, name = train[col], str(col)
        kind = column_kind(s)
        spec: dict[str, Any] = {"name": name, "kind": kind, "dtype": str(s.dtype),
                                "missing_pct": round(100 * float(s.isna().mean()), 2)}
        non_null = s.dropna()
        spec["present"] = int(len(non_null))
        if kind == "numeric" and len(non_null):
            edges = np.unique(np.quantile(non_null.to_numpy(dtype=float), np.linspace(0, 1, 11)))
            integer = bool(pd.api.types.is_integer_dtype(s) or (non_null % 1 == 0).all())
            distinct = np.unique(non_null.to_numpy(dtype=float)) if integer else np.array([])
            spec.update(min=float(non_null.min()), max=float(non_null.max()),
                        median=float(non_null.median()), integer=integer,
                        bins=edges[1:-1].tolist(), bin_shares=_bin_shares(non_null.to_numpy(dtype=float), edges[1:-1]),
                        whole_values=distinct.tolist() if 0 < len(distinct) <= _MAX_WHOLE_VALUES else None)
        else:
            counts = non_null.astype(str).value_counts()
            spec.update(categories=counts.index[:_MAX_CATEGORIES].tolist(),
                        shares=(counts / max(1, len(non_null))).iloc[:_MAX_CATEGORIES].round(6).tolist(),
                        mode=str(counts.index[0]) if len(counts) else "")
        if name in reads:
            spec["read"] = reads[name].to_dict()
        features.append(Feature.from_dict(spec))
    return InputSchema(label=label, problem_type=problem_type, features=tuple(features),
                       class_labels=tuple(_plain(c) for c in class_labels) if class_labels else None,
                       label_read=reads.get(label), groups=tuple(find_groups(
                           train if all(isinstance(c, str) for c in train.columns) else train.rename(columns=str),
                           [f.name for f in features])))


def typical_row(schema: InputSchema) -> dict[str, Any]:
    """A row of typical values: median for numbers, most frequent value otherwise, missing (None) where most
    training rows had no value (96% of houses have no `Misc_Feature`: "Shed" is not typical), and the most
    frequent choice of each one-hot group (a make, not none: each 0/1 column's median is 0)."""
    row: dict[str, Any] = {}
    for f in schema.features:
        if f.missing_pct > 50:
            row[f.name] = None
        elif f.numeric:
            value = f.median if f.median is not None else 0.0
            row[f.name] = int(round(value)) if f.integer else value
        else:
            row[f.name] = f.mode
    for group in schema.groups:
        row.update({c: int(c == group.most_frequent) for c in group.columns})
    return row


def _bin_shares(values: np.ndarray, inner_edges: np.ndarray | list) -> list[float]:
    counts = np.bincount(np.searchsorted(np.asarray(inner_edges), values, side="right"),
                         minlength=len(inner_edges) + 1)
    return (counts / max(1, counts.sum())).round(6).tolist()


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
