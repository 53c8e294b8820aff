"""The size and time limits of a request body: refused with 413 before it is read whole, whether the client
states its length or streams it, and with 408 when it has not all arrived within `BODY_TIMEOUT_S`."""

import asyncio
import json
import time

from automl import settings

__all__ = ["BodyLimit", "max_request_bytes", "BODY_TIMEOUT_S"]

BODY_TIMEOUT_S = 30.0  # a request body still arriving after this is a slow client holding a connection


def max_request_bytes() -> int:
    """`AUTOML_STUDIO_MAX_REQUEST_MB` (10 MB: about 50,000 rows of 20 columns)."""
    return int(settings.MAX_REQUEST_MB.number() * 2**20)


class BodyLimit:
    """Pure ASGI middleware: a stated Content-Length over the limit is refused at once; a streamed body is
    counted as it arrives and refused as soon as it passes the limit (at most the limit is ever held)."""

    def __init__(self, app, max_bytes: int, timeout_s: float | None = None) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.timeout_s = BODY_TIMEOUT_S if timeout_s is None else timeout_s

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        stated = dict(scope.get("headers") or []).get(b"content-length")
        if stated is not None:
            try:
                too_large = int(stated) > self.max_bytes
            except ValueError:
                return await _reply(send, 400, "The Content-Length header is not a number.")
            if too_large:
                return await _reply(send, 413, self._message())
        body, more = [], True  # read whole, up to the limit, before the app sees any of it
        received, deadline = 0, time.monotonic() + self.timeout_s
        while more:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                return await _reply(send, 408, f"The request body did not arrive within {self.timeout_s:g} s.")
            if message["type"] != "http.request":
                return await self.app(scope, _replay([message]), send)
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                return await _reply(send, 413, self._message())
            body.append(message)
            more = message.get("more_body", False)
        await self.app(scope, _replay(body, then=receive), send)

    def _message(self) -> str:
        return (f"The request body is over {self.max_bytes / 2**20:g} MB; send fewer rows per request, or use "
                "batch prediction for a file.")


async def _reply(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _replay(messages: list, then=None):
    """A `receive` that gives the buffered messages, then waits on the real one (for a disconnect)."""
    queue = list(messages)

    async def receive():
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}
    return receive
