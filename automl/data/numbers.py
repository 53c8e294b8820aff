"""Numbers as a reader wants them, wherever the app writes one in words: whole units with thousands
separated from 100 on (`1,656`, not `1655.6446`), 3 significant digits below (`0.0713`, `16.9`)."""

from __future__ import annotations

__all__ = ["readable_number", "looks_like_years", "readable_range"]


def readable_number(value: float) -> str:
    value = float(value)
    if value != value:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def looks_like_years(name: str, low: float, high: float, whole: bool) -> bool:
    """Whether a number column holds calendar years (`Year_Built` 1872 … 2010): written as years, never as
    amounts ("1,872 … 2,010"). Whole numbers between 1700 and 2200, named like a year, or all of them so."""
    if not whole or low < 1700 or high > 2200:
        return False
    words = name.lower().replace("-", "_").replace(" ", "_")
    return "year" in words or "yr" in words.split("_") or high - low <= 300


def readable_range(name: str, low: float, high: float, whole: bool) -> str:
    """A column's range as a person reads it: years as years (1872 to 2010), other numbers without e-notation
    (1,470 to 215,245)."""
    if looks_like_years(name, low, high, whole):
        return f"{low:.0f} to {high:.0f}"
    return f"{readable_number(low)} to {readable_number(high)}"
