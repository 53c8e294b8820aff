"""An optional password for a shared server: `AUTOML_STUDIO_PASSWORD`, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import os

__all__ = ["password_required", "check_password"]

ENV = "AUTOML_STUDIO_PASSWORD"


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
