"""A model's real-time endpoint (FastAPI), over the same reader, recipe, schema and signed bundle as batch
prediction.

    POST /v1/predict   {"rows": [{column: value, ...}, ...], "ids": [...] (optional)} -> predictions
                       (+ probabilities, + reasons); with ids, answers are kept by id for outcomes added later
    GET  /v1/schema    the input columns: types, ranges, categories
    GET  /openapi.json this model's columns as an OpenAPI document
    GET  /health       up or down (no key needed); with the key, also the run served and its last error
    GET  /metrics      Prometheus text: requests, errors, rows, latency

With an API key every route but /health needs `Authorization: Bearer KEY` (compared in constant time);
without one, only requests addressed to this machine are answered (`automl.serving.guards.HostCheck`).
A missing column, a wrong type, NaN or Infinity, or an empty body is a 422 naming the row and column in one
sentence; a body over the limit a 413; an explanation while others are computed a 429 with `Retry-After`.
"""

# no `from __future__ import annotations`: FastAPI reads the request model from the live annotation

import asyncio
import json
import math
from contextlib import asynccontextmanager
from typing import Any, Callable

import numpy as np
import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from automl.errors import AutoMLError
from automl.model.model_input import to_model_input
from automl.prediction.drift import DriftCheck
from automl.model.inference import score_input
from automl.prediction.rows import UNUSUAL_COLUMN, Reasons
from automl.serving.batcher import MicroBatcher
from automl.serving.common import add_common_routes, guarded
from automl.serving.guards import MAX_EXPLAIN_ROWS, ExplainSlots, refusal
from automl.serving.holder import ModelHolder
from automl.serving.rows import request_frame, request_model, schema_view
from automl.serving.usage import UsageLog

__all__ = ["create_app", "ReasonsFor"]

ReasonsFor = Callable[[Any, Any, int], Reasons]  # (predictor, bundle, k) -> per-row reasons
MAX_EXPLAIN = 10


def create_app(holder: ModelHolder, api_key: str | None = None, reasons_for: ReasonsFor | None = None,
               usage: UsageLog | None = None, max_bytes: int | None = None, bind_host: str = "127.0.0.1") -> FastAPI:
    first = holder.current()
    Body = request_model(first.bundle.schema)
    kinds = {f.name: f.read.read_as for f in first.bundle.schema.features}
    slots = ExplainSlots()

    @asynccontextmanager
    async def lifespan(_app):
        yield
        if usage is not None:  # uvicorn ends the process with the signal it stopped on: write usage first
            usage.stop()

    app = FastAPI(lifespan=lifespan, title=f"AutoML Studio: predict {first.bundle.label}", version=first.run_id,
                  description=f"{first.bundle.problem_type} model of run {first.run_id}"
                              + (f", deployment {holder.deployment}" if holder.deployment else ""),
                  openapi_url=None, docs_url=None, redoc_url=None)
    metrics, authorised = guarded(app, refusal(kinds), api_key, max_bytes, bind_host)
    batcher = MicroBatcher(_read_and_score)

    @app.post("/v1/predict", dependencies=[Depends(authorised)], summary="Predict rows",
              response_class=Response, responses=PREDICT_RESPONSES)
    async def predict(body: Body, explain: int = Query(0, ge=0, le=MAX_EXPLAIN,  # type: ignore[valid-type]
                                                       description="add the K strongest reasons per row")) -> Response:
        # async: the rows wait for the model on the event loop, not in a worker thread (one hop fewer per
        # request); the model runs in the batcher's thread, explanations in a worker thread
        served = holder.current()
        frame = request_frame(body.rows)
        if body.ids is not None and len(body.ids) != len(frame):
            raise HTTPException(422, f"ids holds {len(body.ids):,} id(s) for {len(frame):,} row(s): send one id per "
                                     "row, or none.")
        if explain and len(frame) > MAX_EXPLAIN_ROWS:
            raise HTTPException(422, f"Explanations are given for at most {MAX_EXPLAIN_ROWS:,} rows per request; "
                                     f"this one has {len(frame):,}. Send fewer rows with ?explain.")
        if explain and not slots.try_take():
            raise HTTPException(429, "Other explanations are being computed; try again in a second (answers "
                                     "without ?explain are not limited).", headers={"Retry-After": "1"})
        try:
            if explain:  # reasons need the request's own model input: read and scored alone
                try:
                    out, result = await run_in_threadpool(_explained, served, frame, explain, reasons_for)
                finally:
                    slots.give_back()
            else:  # joined with the requests that queued while the model was busy
                result = await asyncio.wrap_future(batcher.submit(served, frame))
                out = _answers(served, result)
        except (_Refused, AutoMLError) as exc:
            raise HTTPException(422, str(exc)) from exc
        metrics.rows.inc(len(frame))
        metrics.unusual.inc(sum(1 for note in out.get(UNUSUAL_COLUMN) or () if note))
        if body.ids is not None:
            out["ids"] = body.ids
        if usage is not None:
            usage.add(served.run_id, len(frame), sample=(served, frame, result), ids=body.ids)
        return Response(json.dumps(out, default=_json_default, allow_nan=False), media_type="application/json")

    @app.get("/v1/schema", dependencies=[Depends(authorised)], summary="The model's input columns")
    def schema() -> dict:
        served = holder.current()
        return {"model": served.run_id, "deployment": holder.deployment, **schema_view(served.bundle.schema)}

    def details() -> dict:
        served = holder.current()
        return {"model": served.run_id, "deployment": holder.deployment, "loaded_at": served.loaded_at,
                "last_error": holder.last_error}

    add_common_routes(app, authorised, metrics, details)
    return app


class _Refused(Exception):
    """A request's rows the reader refused (a 422 with this message)."""


def _read_and_score(served, frame: pd.DataFrame) -> pd.DataFrame:
    """Request rows -> model input (read as training read them) -> predictions, with what was unusual in each
    row's inputs (as a batch file's `unusual_inputs`). Joined requests are read and scored at once; if any of
    them is refused, each is read alone, so the refusal names its own rows."""
    return _scored(served, _read(served, frame))


def _scored(served, X: pd.DataFrame) -> pd.DataFrame:
    if served.engine == "onnx":  # the compact model: the same columns, from numpy and onnxruntime
        result = served.predictor.score_frame(X)
    else:
        result = score_input(served.predictor, served.bundle, X)
    result[UNUSUAL_COLUMN] = DriftCheck(served.bundle.schema).update(X).to_numpy()
    return result


def _read(served, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        X, _, unreadable = to_model_input(served.bundle.schema, frame)
    except AutoMLError as exc:
        raise _Refused(str(exc)) from exc
    if unreadable.counts:
        raise _Refused(" ".join(unreadable.lines(then="")) + " Send them as the training file wrote them, or "
                       "null for a missing value.")
    return X


def _explained(served, frame: pd.DataFrame, explain: int,
               reasons_for: ReasonsFor | None) -> tuple[dict[str, Any], pd.DataFrame]:
    if reasons_for is None or served.engine == "onnx":
        raise HTTPException(422, "This endpoint was started without explanations"
                                 + (" (the onnx engine has none: serve with --engine autogluon for reasons)."
                                    if served.engine == "onnx" else "."))
    X = _read(served, frame)
    result = _scored(served, X)
    out = _answers(served, result)
    out["reasons"] = reasons_for(served.predictor, served.bundle, explain)(X, result).fillna("").to_numpy().tolist()
    return out, result


def _answers(served, result: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {"model": served.run_id, "predictions": _plain(result["prediction"])}
    proba = [c for c in result.columns if c.startswith("proba_")]
    if proba:
        names = [c[len("proba_"):] for c in proba]
        out["probabilities"] = [dict(zip(names, row, strict=True))
                                for row in _plain_rows(result[proba].to_numpy(dtype=float))]
    if UNUSUAL_COLUMN in result:
        out[UNUSUAL_COLUMN] = [note or None for note in result[UNUSUAL_COLUMN].tolist()]
    return out


def _plain_rows(values: np.ndarray) -> list[list]:
    return [[v if math.isfinite(v) else None for v in row] for row in values.tolist()]


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")


ANSWER_SCHEMA = {
    "type": "object", "required": ["model", "predictions"],
    "properties": {
        "model": {"type": "string", "description": "the run whose model answered"},
        "ids": {"type": "array", "items": {}, "description": "the request's ids, when it sent them"},
        "predictions": {"type": "array", "items": {}, "description": "one answer per row (null: none)"},
        "probabilities": {"type": "array", "description": "classifiers: each class's probability, per row",
                          "items": {"type": "object", "additionalProperties": {"type": ["number", "null"]}}},
        "reasons": {"type": "array", "description": "with ?explain=K: the K strongest reasons, per row",
                    "items": {"type": "array", "items": {"type": "string"}}},
        "unusual_inputs": {"type": "array", "description": "per row, what in its inputs training never saw (a number "
                                                           "outside the training range, a value it never had), or "
                                                           "null: such answers are less reliable",
                           "items": {"type": ["string", "null"]}},
    },
}
REFUSAL_SCHEMA = {  # one sentence naming the row and the column, never the rows sent
    "type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}},
}
PREDICT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The answers, in the rows' order", "content": {"application/json": {"schema": ANSWER_SCHEMA}}},
    422: {"description": "A row that is not what this model reads: a missing column, a wrong type, NaN or Infinity, "
                         "or a value that cannot be read as training read it (the row and column named)",
          "content": {"application/json": {"schema": REFUSAL_SCHEMA}}},
    429: {"description": "With ?explain: other explanations are being computed; retry after Retry-After seconds",
          "content": {"application/json": {"schema": REFUSAL_SCHEMA}}},
}


def _plain(values: pd.Series) -> list:
    """Answers as JSON values: a missing or infinite number is null."""
    return [None if isinstance(v, float) and not math.isfinite(v) else v for v in values.to_numpy().tolist()]
