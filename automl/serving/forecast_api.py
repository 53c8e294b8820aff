"""A forecast's real-time endpoint (issue 32), beside a table model's (`automl.serving.api`), with the same key
check, host check, body limit and metrics:

    POST /v1/forecast  {"rows": [{column: value, ...}, ...]}: each series' recent history (and, with columns
                       known in advance, its coming rows with those filled and the value null) -> for every
                       series, the next `horizon` times: the forecast (mean) and its quantiles p10 ... p90
    GET  /v1/schema    the columns, their roles, the horizon and the frequency
    GET  /openapi.json, /health, /metrics as for a table model

The rows are read as training read them (`automl.model.forecast_run`); what cannot be forecast is a 422 in one
sentence. A deployment pointed at another forecast run is followed within a second; each forecast answered
through a deployment is kept for Monitor (`automl.monitoring.forecast_watch`).
"""

# no `from __future__ import annotations`: FastAPI reads the request model from the live annotation

import json
import math
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any, Optional

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict

from automl.errors import AutoMLError
from automl.model.forecast_run import ForecastRun, load_forecast_run, load_forecaster
from automl.monitoring.forecast_watch import record_forecast
from automl.prediction.forecast import forecast_columns, forecast_rows
from automl.serving.common import add_common_routes, guarded
from automl.serving.rows import MAX_ROWS
from automl.store.workspace import Workspace

__all__ = ["create_forecast_app", "ForecastHolder", "forecast_schema"]

Value = Optional[Annotated[float, Strict(), AllowInfNan(False)] | str | bool]


class ForecastBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: list[dict[str, Value]] = Field(min_length=1, max_length=MAX_ROWS,
                                         description="each series' history, oldest first or in any order; with "
                                                     "columns known in advance, then its coming rows")


@dataclass(frozen=True)
class ServedForecast:
    run: ForecastRun
    predictor: Any
    loaded_at: float


def _load(ws: Workspace, run_id: str) -> ServedForecast:
    run = load_forecast_run(ws, run_id)
    return ServedForecast(run, load_forecaster(run), time.time())


class ForecastHolder:
    """The forecast run served; follows its deployment (checked at most once a second)."""

    def __init__(self, ws: Workspace, run_id: str, deployment: str | None, check_every_s: float = 1.0) -> None:
        self.ws, self.deployment, self.check_every_s = ws, deployment, check_every_s
        self._served = _load(ws, run_id)
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self.last_error: str | None = None

    def current(self) -> ServedForecast:
        if self.deployment and time.monotonic() - self._checked >= self.check_every_s:
            self._checked = time.monotonic()
            record = self.ws.get_deployment(self.deployment)
            if record and record.run_id != self._served.run.run_id:
                with self._lock:
                    try:  # a forecast model loads in about a second: the request that notices waits for it
                        self._served = _load(self.ws, record.run_id)
                        self.last_error = None
                    except Exception as exc:  # noqa: BLE001 - keep serving the old run, and say why on /health
                        self.last_error = f"{record.run_id} did not load: {exc}"
        return self._served


def forecast_schema(run: ForecastRun) -> dict[str, Any]:
    spec = run.spec
    return {"task": "forecast", "time_column": spec.time_column, "value_column": spec.value_column,
            "series_column": spec.series_column, "known_in_advance": list(spec.known),
            "describes_series": list(spec.static), "horizon": spec.horizon, "frequency": spec.frequency,
            "columns": spec.columns, "answer_columns": forecast_columns(run)}


def create_forecast_app(holder: ForecastHolder, api_key: str | None = None, max_bytes: int | None = None,
                        bind_host: str = "127.0.0.1") -> FastAPI:
    first = holder.current().run
    spec = first.spec
    app = FastAPI(title=f"AutoML Studio: forecast {spec.value_column}", version=first.run_id,
                  description=f"forecast of run {first.run_id}, {spec.horizon} steps ahead"
                              + (f", deployment {holder.deployment}" if holder.deployment else ""),
                  openapi_url=None, docs_url=None, redoc_url=None)
    metrics, authorised = guarded(app, _refusal, api_key, max_bytes, bind_host)

    @app.post("/v1/forecast", dependencies=[Depends(authorised)], summary="Forecast every series sent",
              response_class=Response, responses=FORECAST_RESPONSES)
    async def forecast(body: ForecastBody) -> Response:
        served = holder.current()
        frame = pd.DataFrame.from_records(body.rows)
        try:
            out = await run_in_threadpool(forecast_rows, served.run, frame, served.predictor)
        except AutoMLError as exc:
            raise HTTPException(422, str(exc)) from exc
        metrics.rows.inc(len(frame))
        if holder.deployment:  # kept, to score when the actual values come (Monitor)
            await run_in_threadpool(record_forecast, holder.ws, holder.deployment, served.run, out, "endpoint")
        answer = {"model": served.run.run_id, "horizon": served.run.spec.horizon,
                  "frequency": served.run.spec.frequency,
                  "forecasts": [{k: _plain(v) for k, v in row.items()} for row in out.to_dict("records")]}
        return Response(json.dumps(answer, allow_nan=False), media_type="application/json")

    @app.get("/v1/schema", dependencies=[Depends(authorised)], summary="The columns the forecast reads")
    def schema() -> dict:
        served = holder.current()
        return {"model": served.run.run_id, "deployment": holder.deployment, **forecast_schema(served.run)}

    def details() -> dict:
        served = holder.current()
        return {"model": served.run.run_id, "deployment": holder.deployment, "task": "forecast",
                "loaded_at": served.loaded_at, "last_error": holder.last_error}

    add_common_routes(app, authorised, metrics, details)
    return app


async def _refusal(_request: Request, exc: RequestValidationError) -> JSONResponse:
    first = next(iter(exc.errors()), {})
    loc = [part for part in first.get("loc", ()) if part != "body"]
    if len(loc) >= 3 and loc[0] == "rows":
        sentence = (f"Row {int(loc[1]) + 1}: {loc[2]!s} takes a number, text, true/false or null; NaN, Infinity and "
                    "numbers too large to hold are refused.")
    else:
        sentence = (f'The body must be JSON of the form {{"rows": [{{column: value, ...}}, ...]}} with 1 to '
                    f"{MAX_ROWS:,} rows (each series' history, and its coming rows when columns are known in "
                    "advance), and nothing else.")
    return JSONResponse({"detail": sentence}, status_code=422)


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and not math.isfinite(value) else value


_ANSWER = {
    "type": "object", "required": ["model", "forecasts"],
    "properties": {
        "model": {"type": "string", "description": "the run whose model answered"},
        "horizon": {"type": "integer", "description": "steps forecast for every series"},
        "frequency": {"type": ["string", "null"], "description": "pandas' name of the step (MS: monthly, ...)"},
        "forecasts": {"type": "array", "description": "one object per series and coming time: the series and the "
                                                      "time, `forecast` (the mean) and p10 ... p90",
                      "items": {"type": "object"}},
    },
}
FORECAST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Every series' forecast", "content": {"application/json": {"schema": _ANSWER}}},
    422: {"description": "Rows that cannot be forecast (a missing column, a date that is not one, no history, "
                         "coming values of a column known in advance missing), in one sentence",
          "content": {"application/json": {"schema": {"type": "object",
                                                      "properties": {"detail": {"type": "string"}}}}}},
}
