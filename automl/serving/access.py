"""An optional password for a shared server: `AUTOML_STUDIO_PASSWORD`, compared in constant time, with
failed attempts slowed down (a wait that doubles after each failure, per session and per client), and the
rule that a server reachable from other machines has a password unless its owner says otherwise."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import threading
import time

from automl.errors import AutoMLError

__all__ = ["password_required", "check_password", "record_failure", "wait_before_next_try", "forget_failures",
           "check_bind", "is_loopback", "UnsafeBindError"]

ENV = "AUTOML_STUDIO_PASSWORD"
FIRST_WAIT_S, MAX_WAIT_S = 1.0, 300.0
_MAX_KEYS = 10_000
_failures: dict[str, tuple[int, float]] = {}   # key -> (failures in a row, time of the last one)
_lock = threading.Lock()


class UnsafeBindError(AutoMLError, ValueError):
    """Serving beyond this machine without a password."""


def password_required() -> bool:
    return bool(os.environ.get(ENV))


def check_password(given: str) -> bool:
    """True when no password is set, or `given` matches it. Both sides are hashed first, so the comparison
    takes the same time whatever the length or content of the guess."""
    expected = os.environ.get(ENV)
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
    doubling after each one, at most 5 minutes."""
    now = time.monotonic() if now is None else now
    with _lock:
        count, last = _failures.get(key, (0, 0.0))
    if not count:
        return 0.0
    return max(0.0, last + min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (count - 1)) - now)


def forget_failures(key: str) -> None:
    with _lock:
        _failures.pop(key, None)


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
