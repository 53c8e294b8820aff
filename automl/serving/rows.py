"""The request body of a model's endpoint, built from its input schema: one field per input column (keyed
by the column's own name), typed as training read it, so `/openapi.json` describes this model's columns.

Values then go through the one reader (`automl.model.model_input`), exactly as a batch file's cells do:
a number column takes JSON numbers or text written as the training file wrote it (`"$1,947"`), a
true/false column takes JSON booleans or the true/false words, dates and text take strings. Every column
must be present (null for missing); fields the model does not use are ignored, as in batch.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Optional

import pandas as pd
from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict, StringConstraints, create_model

from automl.data.numbers import readable_range
from automl.model.schema import Feature, InputSchema

__all__ = ["row_model", "request_model", "request_frame", "schema_view", "public_categories", "example_row", "id_like",
           "MAX_ROWS", "MAX_ID_CHARS"]

MAX_ROWS = 10_000  # rows in one request; larger work belongs to batch prediction
MAX_ID_CHARS = 200  # a row id: a customer or order number, not a document
# a row's id: text or a whole number (true/false and fractions are not ids)
RowId = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=MAX_ID_CHARS)] | Annotated[int, Strict()]


# a JSON number that is finite and not true/false (NaN, Infinity and 1e400 parse as floats; `true` would be 1.0)
FiniteNumber = Annotated[float, Strict(), AllowInfNan(False)]


def _type(feature: Feature) -> Any:
    read = feature.read.read_as
    if read == "number":
        return Optional[FiniteNumber | str]
    if read == "boolean":
        return Optional[bool | str]
    return Optional[str]


MAX_PUBLIC_CATEGORIES = 50  # a column with more values is not a category a client picks from
MIN_ROWS_PER_VALUE = 5      # a value fewer training rows share is one of those rows, not a category
_ID_WORDS = {"id", "uuid", "guid", "key", "name", "email", "mail", "phone", "mobile", "address", "ssn", "iban",
             "account", "zip", "postcode", "ip", "number", "no"}


def id_like(name: str) -> bool:
    """A column named as an id or a person's details (customer_id, CustomerName, e-mail, phone_no)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    return bool(_ID_WORDS & set(re.split(r"[^a-z0-9]+", words)))


def public_categories(feature: Feature) -> tuple[str, ...]:
    """The values of a column that may be shown to whoever calls the endpoint: those of a true/false
    column; of a category column with few values and a name that is not an id's or a person's, those at
    least `MIN_ROWS_PER_VALUE` training rows share. Never free text, dates or ids: they would publish
    training rows (customer ids, full names). A run from before rows were counted publishes none."""
    if feature.kind == "boolean":
        return tuple(feature.categories)
    if feature.kind != "categorical" or feature.present is None or id_like(feature.name) \
            or len(feature.categories) > MAX_PUBLIC_CATEGORIES:
        return ()
    return tuple(c for c, share in zip(feature.categories, feature.shares, strict=True)
                 if share * feature.present >= MIN_ROWS_PER_VALUE)


def example_row(schema: InputSchema) -> dict[str, Any]:
    """A row to show how to call the endpoint, built from typical values, not a training row: the median of
    a number, the most common published category, and null (missing) where nothing may be published."""
    row: dict[str, Any] = {}
    for f in schema.features:
        if f.numeric:
            value = f.median if f.median is not None else None
            row[f.name] = (int(round(value)) if f.integer else float(f"{value:.4g}")) if value is not None else None
        else:
            public = public_categories(f)
            row[f.name] = public[0] if public else None
    return row


def _describe(feature: Feature) -> str:
    if feature.numeric and feature.min is not None:
        span = readable_range(feature.name, feature.min, feature.max, bool(feature.integer))
        return f"{feature.kind}; training range {span}"
    public = public_categories(feature)
    if public:
        shown = ", ".join(public[:10]) + (", …" if len(public) > 10 else "")
        return f"{feature.kind}; seen in training: {shown}"
    return feature.kind


def row_model(schema: InputSchema) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for i, feature in enumerate(schema.features):
        examples = list(public_categories(feature)[:3]) or None
        fields[f"c{i}"] = (_type(feature), Field(..., alias=feature.name, description=_describe(feature),
                                                 examples=examples))
    return create_model("Row", __config__=ConfigDict(extra="ignore", populate_by_name=False), **fields)


def request_model(schema: InputSchema) -> type[BaseModel]:
    row = row_model(schema)
    return create_model("PredictRequest", __config__=ConfigDict(extra="forbid"),
                        rows=(list[row], Field(..., min_length=1, max_length=MAX_ROWS,
                                               description="The rows to predict, one object per row.")),
                        ids=(Optional[list[RowId]], Field(
                            None, max_length=MAX_ROWS,
                            description="Optional: one id per row (a customer or order number). Through a "
                                        "deployment, each answer is kept by its id for the retention period, so "
                                        "that its true outcome can be added on Monitor and the endpoint's "
                                        "realised performance follows.")))


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
        elif public := public_categories(f):
            column |= {"categories": list(public), "mode": public[0]}
        columns.append(column)
    return {"target": schema.label, "problem_type": schema.problem_type, "columns": columns}
