"""The input schema of a trained model: which columns it needs, their kinds, ranges and categories.

Built from the training split; used to draw the Predict form and to check rows for drift. How each column
is read from a file, a form or a request is in `automl.model_input`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from automl.profile import column_kind

__all__ = ["build_schema", "typical_row"]

_MAX_CATEGORIES = 200


def build_schema(train: pd.DataFrame, label: str, problem_type: str, class_labels: list[Any] | None,
                 reads: dict[str, Any] | None = None) -> dict:
    """The input schema; `reads` (column -> `automl.model_input.ColumnRead`) records how training read each
    column, so that every prediction reads it the same way."""
    reads = reads or {}
    features = []
    for col in train.columns:
        if col == label:
            continue
        s = train[col]
        kind = column_kind(s)
        spec: dict[str, Any] = {"name": str(col), "kind": kind, "dtype": str(s.dtype),
                                "missing_pct": round(100 * float(s.isna().mean()), 2)}
        if str(col) in reads:
            spec["read"] = reads[str(col)].to_dict()
        non_null = s.dropna()
        if kind == "numeric" and len(non_null):
            edges = np.unique(np.quantile(non_null.to_numpy(dtype=float), np.linspace(0, 1, 11)))
            spec.update(min=float(non_null.min()), max=float(non_null.max()),
                        median=float(non_null.median()),
                        integer=bool(pd.api.types.is_integer_dtype(s) or (non_null % 1 == 0).all()),
                        bins=edges[1:-1].tolist(),  # inner decile edges, for drift
                        bin_shares=_bin_shares(non_null.to_numpy(dtype=float), edges[1:-1]))
        else:
            counts = non_null.astype(str).value_counts()
            spec.update(categories=counts.index[:_MAX_CATEGORIES].tolist(),
                        shares=(counts / max(1, len(non_null))).iloc[:_MAX_CATEGORIES].round(6).tolist(),
                        mode=str(counts.index[0]) if len(counts) else "")
        features.append(spec)
    return {"label": label, "problem_type": problem_type,
            "class_labels": [_plain(c) for c in class_labels] if class_labels else None,
            "features": features, "label_read": reads[label].to_dict() if label in reads else None}


def typical_row(schema: dict) -> dict[str, Any]:
    """A row of typical values: median for numbers, most frequent value otherwise."""
    row: dict[str, Any] = {}
    for f in schema["features"]:
        if f["kind"] == "numeric":
            value = f.get("median", 0.0)
            row[f["name"]] = int(round(value)) if f.get("integer") else value
        else:
            row[f["name"]] = f.get("mode")
    return row


def _bin_shares(values: np.ndarray, inner_edges: np.ndarray | list) -> list[float]:
    counts = np.bincount(np.searchsorted(np.asarray(inner_edges), values, side="right"),
                         minlength=len(inner_edges) + 1)
    return (counts / max(1, counts.sum())).round(6).tolist()


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
