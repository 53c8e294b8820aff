"""What the endpoint refuses before a model is asked, and how it says so.

- `HostCheck`: an endpoint without an API key answers only requests addressed to this machine by a loopback
  name (or a name the operator allows: `AUTOML_STUDIO_ALLOWED_HOSTS`, comma-separated). Otherwise a web page
  on another site could point its own host name at 127.0.0.1 (DNS rebinding) and use the model from the
  browser of anyone who opens it.
- `refusal`: a request the body's schema refuses (a missing column, a wrong type, NaN or Infinity, true in a
  number column) answers one sentence naming the row and the column, never the rows sent (pydantic's own
  422 echoed the whole row).
- `ExplainSlots`: explanations cost far more than answers (`?explain=10` on 2,000 rows: 1.6 s of CPU), so few
  run at once and the rest get 429 with `Retry-After`.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from automl import settings
from automl.data.markdown import code
from automl.serving.rows import MAX_ID_CHARS

__all__ = ["HostCheck", "allowed_hosts", "refusal", "refusal_sentence", "ExplainSlots", "ALLOWED_HOSTS_ENV",
           "EXPLAIN_AT_ONCE", "MAX_EXPLAIN_ROWS"]

ALLOWED_HOSTS_ENV = settings.ALLOWED_HOSTS.name
_LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
EXPLAIN_AT_ONCE = 1          # explained requests computed at the same time
MAX_EXPLAIN_ROWS = 1_000     # rows one explained request may hold


def allowed_hosts(bind_host: str) -> set[str]:
    """Host names an endpoint without a key answers to: loopback names, the address it listens on (when it
    is a specific one) and the operator's `AUTOML_STUDIO_ALLOWED_HOSTS`."""
    names = set(_LOOPBACK_NAMES)
    if bind_host and bind_host not in ("0.0.0.0", "::"):
        names.add(bind_host.strip("[]").lower())
    names |= {h.strip().lower() for h in settings.ALLOWED_HOSTS.text().split(",") if h.strip()}
    return names


def _host_name(header: str) -> str:
    header = header.strip().lower()
    if header.startswith("["):  # [::1]:8000
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class HostCheck:
    """Pure ASGI middleware: a request whose Host is not an allowed name gets a 400 and nothing else."""

    def __init__(self, app, allowed: set[str]) -> None:
        self.app, self.allowed = app, allowed

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        if _host_name(host) in self.allowed:
            return await self.app(scope, receive, send)
        body = json.dumps({"detail": "This endpoint answers requests to this machine only (the Host header names "
                                     "another); its operator can allow a name with AUTOML_STUDIO_ALLOWED_HOSTS, or "
                                     "set an API key."}).encode()
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


_EXPECTED = {"float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
             "string_type": "text", "bool_type": "true or false", "bool_parsing": "true or false"}


def refusal_sentence(errors: list[dict[str, Any]], kinds: dict[str, str]) -> str:
    """One sentence for pydantic's errors of a request body: the first row and column at fault, what the
    column takes. `kinds`: each column's `read_as` (number, boolean, date, text)."""
    first = errors[0] if errors else {}
    loc = [part for part in first.get("loc", ()) if part != "body"]
    if loc and loc[0] == "ids":
        return (f"ids must be a list of one id per row, each text of 1 to {MAX_ID_CHARS} characters or a whole "
                "number, or left out.")
    if not loc or loc[0] != "rows":
        return ('The body must be JSON of the form {"rows": [{column: value, ...}, ...]} with 1 to 10,000 rows, '
                'optionally "ids": [one id per row], and nothing else.')
    if len(loc) < 3:
        return 'rows must be a list of 1 to 10,000 objects, one per row: {"rows": [{column: value, ...}]}.'
    row, column = loc[1], str(loc[2])
    where = f"Row {row + 1}" if isinstance(row, int) else "A row"
    if first.get("type") == "missing":
        return f"{where} has no {code(column)} column; send every input column (null for a missing value)."
    takes = {"number": "a number (or text written as the training file wrote numbers)",
             "boolean": "true or false", "date": "a date as text", "text": "text"}.get(kinds.get(column, ""), "a value")
    return (f"{where}: {code(column)} takes {takes}, or null for a missing value; NaN, Infinity, numbers too large "
            "to hold and true/false in a number column are refused.")


def refusal(kinds: dict[str, str]):
    """FastAPI's handler for `RequestValidationError`: the 422 in one sentence."""

    async def handle(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": refusal_sentence(list(exc.errors()), kinds)}, status_code=422)
    return handle


class ExplainSlots:
    """At most `at_once` explained requests at a time; `try_take` is False when none is free. Used from the
    event loop only (the predict route is async), so a counter needs no lock."""

    def __init__(self, at_once: int = EXPLAIN_AT_ONCE) -> None:
        self.at_once, self.busy = at_once, 0

    def try_take(self) -> bool:
        if self.busy >= self.at_once:
            return False
        self.busy += 1
        return True

    def give_back(self) -> None:
        self.busy -= 1
