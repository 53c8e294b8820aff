"""The request body of a model's endpoint, built from its input schema: one field per input column (keyed
by the column's own name), typed as training read it, so `/openapi.json` describes this model's columns.

Values then go through the one reader (`automl.model.model_input`), exactly as a batch file's cells do:
a number column takes JSON numbers or text written as the training file wrote it (`"$1,947"`), a
true/false column takes JSON booleans or the true/false words, dates and text take strings. Every column
must be present (null for missing); fields the model does not use are ignored, as in batch.
"""

from __future__ import annotations

from typing import Any, Optional

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, create_model

from automl.model.schema import Feature, InputSchema

__all__ = ["row_model", "request_model", "request_frame", "schema_view", "MAX_ROWS"]

MAX_ROWS = 10_000  # rows in one request; larger work belongs to batch prediction


def _type(feature: Feature) -> Any:
    read = feature.read.read_as
    if read == "number":
        return Optional[float | str]
    if read == "boolean":
        return Optional[bool | str]
    return Optional[str]


def _listed(feature: Feature) -> bool:
    """Categories are shown for category and true/false columns only: free text and dates would show
    training rows' own values (names, addresses)."""
    return feature.kind in ("categorical", "boolean") and bool(feature.categories)


def _describe(feature: Feature) -> str:
    if feature.numeric and feature.min is not None:
        return f"{feature.kind}; training range {feature.min:g} to {feature.max:g}"
    if _listed(feature):
        shown = ", ".join(feature.categories[:10]) + (", …" if len(feature.categories) > 10 else "")
        return f"{feature.kind}; seen in training: {shown}"
    return feature.kind


def row_model(schema: InputSchema) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for i, feature in enumerate(schema.features):
        examples = list(feature.categories[:3]) if _listed(feature) else None
        fields[f"c{i}"] = (_type(feature), Field(..., alias=feature.name, description=_describe(feature),
                                                 examples=examples))
    return create_model("Row", __config__=ConfigDict(extra="ignore", populate_by_name=False), **fields)


def request_model(schema: InputSchema) -> type[BaseModel]:
    row = row_model(schema)
    return create_model("PredictRequest", __config__=ConfigDict(extra="forbid"),
                        rows=(list[row], Field(..., min_length=1, max_length=MAX_ROWS,
                                               description="The rows to predict, one object per row.")))


def request_frame(rows: list[BaseModel]) -> pd.DataFrame:
    """A request's validated rows as a frame of the input columns, built column by column (a third of the
    time of one `model_dump` per row)."""
    fields = type(rows[0]).model_fields
    return pd.DataFrame({field.alias: [row.__dict__[key] for row in rows] for key, field in fields.items()})


def schema_view(schema: InputSchema) -> dict[str, Any]:
    """What `/v1/schema` answers: the target and each input column with its type, range or categories."""
    columns = []
    for f in schema.features:
        column = {"name": f.name, "kind": f.kind, "read_as": f.read.read_as, "missing_pct": f.missing_pct}
        if f.numeric:
            column |= {"min": f.min, "max": f.max, "median": f.median, "integer": f.integer}
        elif _listed(f):
            column |= {"categories": list(f.categories[:50]), "mode": f.mode}
        columns.append(column)
    return {"target": schema.label, "problem_type": schema.problem_type, "columns": columns}
