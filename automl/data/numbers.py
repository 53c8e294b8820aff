"""Numbers as a reader wants them, wherever the app writes one in words: whole units with thousands
separated from 100 on (`1,656`, not `1655.6446`), 3 significant digits below (`0.0713`, `16.9`)."""

from __future__ import annotations

__all__ = ["readable_number"]


def readable_number(value: float) -> str:
    value = float(value)
    if value != value:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
