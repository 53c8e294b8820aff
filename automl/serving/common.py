"""What every endpoint of the app shares (the table model's `automl.serving.api`, the forecast's
`automl.serving.forecast_api`): the API key check, the host check and body limit in front of the routes, the
request metrics, and the /openapi.json, /health and /metrics routes."""

# no `from __future__ import annotations`: FastAPI reads the dependencies' live annotations

import hmac
import time
from typing import Callable

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from automl.serving.guards import HostCheck, allowed_hosts
from automl.serving.limits import BodyLimit, max_request_bytes

__all__ = ["guarded", "add_common_routes"]


def guarded(app: FastAPI, on_refusal: Callable, api_key: str | None, max_bytes: int | None,
            bind_host: str) -> tuple["_Metrics", "_auth"]:
    """What every endpoint of the app puts in front of its routes: the 422 in one sentence, the body limit,
    the host check when there is no key, and the request metrics (outermost, so refusals are counted too)."""
    metrics = _Metrics()
    app.add_exception_handler(RequestValidationError, on_refusal)
    app.add_middleware(BodyLimit, max_bytes=max_bytes or max_request_bytes())
    if api_key is None:
        app.add_middleware(HostCheck, allowed=allowed_hosts(bind_host))
    app.add_middleware(_Counted, metrics=metrics)
    return metrics, _auth(api_key)


def add_common_routes(app: FastAPI, authorised: "_auth", metrics: "_Metrics",
                      details: Callable[[], dict]) -> None:
    """/openapi.json and /metrics behind the key; /health open, with `details()` (the run served, its last
    error) only for a caller with the key."""
    @app.get("/openapi.json", dependencies=[Depends(authorised)], include_in_schema=False)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/health", summary="Up or down; with the API key, the run served and its last error")
    async def health(request: Request) -> dict:
        if not await authorised.allows(request):
            return {"status": "ok"}
        return {"status": "ok", **details()}

    @app.get("/metrics", dependencies=[Depends(authorised)], include_in_schema=False)
    def prometheus() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(metrics.registry).decode(), media_type=CONTENT_TYPE_LATEST)


_PATHS = ("/v1/predict", "/v1/forecast", "/v1/schema", "/openapi.json", "/health", "/metrics")


class _Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("automl_requests", "HTTP requests by path and status", ["path", "status"],
                                registry=self.registry)
        self.latency = Histogram("automl_request_seconds", "Request latency", ["path"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10))
        self.rows = Counter("automl_rows_scored", "Rows predicted", registry=self.registry)
        self.unusual = Counter("automl_unusual_rows", "Rows answered with an input outside what training saw (a "
                               "number outside its range, a value it never had)", registry=self.registry)


class _Counted:
    """Pure ASGI middleware: every request counted by path and status, and its latency observed (Starlette's
    `@app.middleware("http")` runs each request through extra tasks and streams)."""

    def __init__(self, app, metrics: _Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), [500]

        async def sending(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = scope["path"] if scope["path"] in _PATHS else "other"
            self.metrics.requests.labels(path, str(status[0])).inc()
            self.metrics.latency.labels(path).observe(time.perf_counter() - start)


class _auth:
    """The API key check, as a FastAPI dependency (401 without the key) and as a question (`allows`)."""

    def __init__(self, api_key: str | None) -> None:
        self.expected = api_key.encode() if api_key else None

    async def allows(self, request: Request) -> bool:  # async: no worker thread for a header compare
        if self.expected is None:
            return True
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.expected)

    async def __call__(self, request: Request) -> None:
        if not await self.allows(request):
            raise HTTPException(401, "A valid API key is needed: Authorization: Bearer KEY.",
                                headers={"WWW-Authenticate": "Bearer"})
