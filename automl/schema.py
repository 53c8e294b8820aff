"""The input schema of a trained model: which columns it needs, their kinds, ranges and categories.

Built from the training split; used to check rows before prediction and to draw the Predict form.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from automl.errors import SchemaMismatchError
from automl.profile import column_kind

__all__ = ["build_schema", "typical_row", "check_columns", "coerce_frame"]

_MAX_CATEGORIES = 200
_TRUTH = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def build_schema(train: pd.DataFrame, label: str, problem_type: str, class_labels: list[Any] | None) -> dict:
    features = []
    for col in train.columns:
        if col == label:
            continue
        s = train[col]
        kind = column_kind(s)
        spec: dict[str, Any] = {"name": str(col), "kind": kind, "dtype": str(s.dtype),
                                "missing_pct": round(100 * float(s.isna().mean()), 2)}
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
            "features": features}


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


def check_columns(schema: dict, df: pd.DataFrame) -> list[str]:
    """Raise if required columns are missing; return the extra columns that will be ignored."""
    needed = [f["name"] for f in schema["features"]]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise SchemaMismatchError(
            f"The data lacks {len(missing)} column(s) the model was trained on: {', '.join(missing)}. "
            "Add them (values may be empty) and try again.")
    return [str(c) for c in df.columns if c not in set(needed) and c != schema["label"]]


def coerce_frame(schema: dict, df: pd.DataFrame) -> pd.DataFrame:
    """The model's columns in training order, numbers coerced to numbers (unparseable -> missing)."""
    out = {}
    for f in schema["features"]:
        s = df[f["name"]]
        if f["kind"] == "numeric" and not pd.api.types.is_numeric_dtype(s):
            s = pd.to_numeric(s, errors="coerce")
        elif f["dtype"] == "bool" and not pd.api.types.is_bool_dtype(s):
            s = s.map(lambda v: _TRUTH.get(str(v).strip().lower()) if pd.notna(v) else None)
        out[f["name"]] = s
    return pd.DataFrame(out, index=df.index)


def _bin_shares(values: np.ndarray, inner_edges: np.ndarray | list) -> list[float]:
    counts = np.bincount(np.searchsorted(np.asarray(inner_edges), values, side="right"),
                         minlength=len(inner_edges) + 1)
    return (counts / max(1, counts.sum())).round(6).tolist()


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
