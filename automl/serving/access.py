"""An optional password for a shared server: `AUTOML_STUDIO_PASSWORD`, compared in constant time, with
failed attempts slowed down, and the rule that a server reachable from other machines has a password
unless its owner says otherwise.

Failures are slowed down so that nobody can lock the right password out for long: a wait that doubles
after each failure of the same session, and of the same client address where one is known, at most
`MAX_WAIT_S`; and while the whole server sees more than `GLOBAL_FAILURES_PER_MINUTE` failures a minute
(many sessions or addresses at once), at most one password a second is checked server-wide. A client's
address is known when it is not loopback (everyone behind a proxy, or on this machine, shares one), or
from the last hop of `X-Forwarded-For` when the operator says a proxy it trusts writes it
(`AUTOML_STUDIO_BEHIND_PROXY=1`)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import threading
import time
from collections import deque

from automl import settings
from automl.errors import AutoMLError

__all__ = ["password_required", "check_password", "record_failure", "wait_before_next_try", "forget_failures",
           "wait_before_check", "record_failed_attempt", "client_address", "check_bind", "is_loopback",
           "UnsafeBindError"]

ENV = settings.PASSWORD.name
FIRST_WAIT_S, MAX_WAIT_S = 1.0, 8.0  # a person who mistyped waits at most 8 s before the next try
GLOBAL_FAILURES_PER_MINUTE, GLOBAL_SPACING_S = 30, 1.0
PROXY_ENV = settings.BEHIND_PROXY.name
_MAX_KEYS = 10_000
_failures: dict[str, tuple[int, float]] = {}   # key -> (failures in a row, time of the last one)
_recent: deque[float] = deque()  # when the server's failures of the last minute happened
_next_global_check = [0.0]
_lock = threading.Lock()


class UnsafeBindError(AutoMLError, ValueError):
    """Serving beyond this machine without a password."""


def password_required() -> bool:
    return settings.PASSWORD.is_set()


def check_password(given: str) -> bool:
    """True when no password is set, or `given` matches it. Both sides are hashed first, so the comparison
    takes the same time whatever the length or content of the guess."""
    expected = os.environ.get(ENV)  # as set: a password may begin or end with a space
    if not expected:
        return True
    a = hashlib.sha256(given.encode()).digest()
    b = hashlib.sha256(expected.encode()).digest()
    return hmac.compare_digest(a, b)


def record_failure(key: str, now: float | None = None) -> None:
    """Count a failed attempt from `key` (a session or a client address)."""
    now = time.monotonic() if now is None else now
    with _lock:
        count, _ = _failures.get(key, (0, now))
        _failures[key] = (count + 1, now)
        if len(_failures) > _MAX_KEYS:  # forget the oldest, so guessing from many addresses cannot fill memory
            for old in sorted(_failures, key=lambda k: _failures[k][1])[: len(_failures) - _MAX_KEYS]:
                del _failures[old]


def wait_before_next_try(key: str, now: float | None = None) -> float:
    """Seconds `key` must still wait before its next attempt is checked: 1 s after the first failure,
    doubling after each one, at most `MAX_WAIT_S`."""
    now = time.monotonic() if now is None else now
    with _lock:
        count, last = _failures.get(key, (0, 0.0))
    if not count:
        return 0.0
    return max(0.0, last + min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (count - 1)) - now)


def forget_failures(key: str) -> None:
    with _lock:
        _failures.pop(key, None)


def wait_before_check(keys: list[str], now: float | None = None) -> float:
    """Seconds before an attempt from `keys` (its session, and its client when known) may be checked: its own
    failures' wait, else, while the server is under many failures, the next of one check a second."""
    now = time.monotonic() if now is None else now
    own = max((wait_before_next_try(k, now) for k in keys), default=0.0)
    if own > 0:
        return own
    with _lock:
        while _recent and _recent[0] < now - 60.0:
            _recent.popleft()
        if len(_recent) < GLOBAL_FAILURES_PER_MINUTE:
            return 0.0
        if now < _next_global_check[0]:
            return _next_global_check[0] - now
        _next_global_check[0] = now + GLOBAL_SPACING_S
    return 0.0


def record_failed_attempt(keys: list[str], now: float | None = None) -> None:
    now = time.monotonic() if now is None else now
    for key in keys:
        record_failure(key, now)
    with _lock:
        _recent.append(now)
        if len(_recent) > 10 * GLOBAL_FAILURES_PER_MINUTE:
            _recent.popleft()


def forget_global_failures() -> None:
    """For tests."""
    with _lock:
        _recent.clear()
        _next_global_check[0] = 0.0


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The address failures are counted by, or None when it is not one client's own. Behind a proxy the
    operator trusts (`AUTOML_STUDIO_BEHIND_PROXY`), the last address of `X-Forwarded-For` (the one that proxy
    wrote; earlier ones are the client's word). Otherwise the peer, unless it is loopback or unknown."""
    if settings.BEHIND_PROXY.flag():
        hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
        return hops[-1] if hops else None
    if not peer or is_loopback(peer):
        return None
    return peer


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_without_password: bool = False, what: str = "The app") -> None:
    """Refuse to serve on an address other machines can reach without a password, unless asked to."""
    if is_loopback(host) or password_required() or allow_without_password:
        return
    raise UnsafeBindError(
        f"{what} would listen on {host}, reachable from other machines, without a password. Set "
        f"{ENV} (or put it behind a proxy that signs users in), or pass --allow-no-password to accept that.")
