"""The endpoint's HTTP connections, bounded: uvicorn keeps a connection that never finishes its request
headers, or sends nothing at all, for as long as the client likes (the audit held 300 idle connections, and
headers trickled a byte at a time for 30 s). Here a connection must complete each request's headers within
`HEADER_TIMEOUT_S` of opening or of its last answer; past `MAX_CONNECTIONS` open at once, a new one is
closed at once. A request body must arrive within `BODY_TIMEOUT_S` (`automl.serving.limits.BodyLimit`).
Idle kept-alive connections close after uvicorn's own `KEEP_ALIVE_S`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from automl.serving.limits import BODY_TIMEOUT_S

__all__ = ["GuardedHttpProtocol", "uvicorn_options", "HEADER_TIMEOUT_S", "BODY_TIMEOUT_S", "MAX_CONNECTIONS",
           "KEEP_ALIVE_S"]

HEADER_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 256
KEEP_ALIVE_S = 5


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline for each request's headers and a cap on connections."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > MAX_CONNECTIONS:
            self.connections.discard(self)
            transport.close()
            return
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(HEADER_TIMEOUT_S, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()


def uvicorn_options() -> dict[str, Any]:
    """What `uvicorn.run` is given for an endpoint: the guarded protocol, keep-alive, and a concurrency limit
    (requests past it get a 503 at once instead of queueing without end)."""
    return {"http": GuardedHttpProtocol, "timeout_keep_alive": KEEP_ALIVE_S, "limit_concurrency": MAX_CONNECTIONS}
