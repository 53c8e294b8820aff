"""Recognise typed values stored as text, convert them, and say so.

Numbers with thousands separators, currency symbols or a percent sign, accounting negatives `(12)`,
decimal commas, `true` / `false`, and dates. A column is converted only when at least 95% of its
non-missing values parse; what does not parse becomes missing and is counted in the report.
Work is done on each column's distinct values, so a million rows cost little more than their categories.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from automl.data.markdown import code

__all__ = ["Conversion", "convert_columns", "parse_numbers", "parse_booleans", "parse_dates", "TRUE_WORDS",
           "FALSE_WORDS", "YES_NO_WORDS"]

_MIN_SHARE = 0.95
_CURRENCY = "$€£¥₹"
_US = re.compile(rf"^\(?[+-]?[{_CURRENCY}]?\s?[+-]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?\s?[{_CURRENCY}]?\s?%?\)?$")
_EU = re.compile(rf"^\(?[+-]?[{_CURRENCY}]?\s?[+-]?(?:\d{{1,3}}(?:\.\d{{3}})+|\d+)(?:,\d+)?\s?[{_CURRENCY}]?\s?%?\)?$")
_DATE = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
                   r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                   r"(Z|[+-]\d{2}:?\d{2})?$")
# The one vocabulary of true / false words, for reading files, form values and request bodies alike.
# "yes" / "no" stay categories (they are often the answer a user wants to read back), but count as
# two-valued when a column's kind is shown (`YES_NO_WORDS`).
TRUE_WORDS: frozenset[str] = frozenset({"true", "t"})
FALSE_WORDS: frozenset[str] = frozenset({"false", "f"})
YES_NO_WORDS: frozenset[str] = frozenset({"yes", "no", "y", "n"})


@dataclass(frozen=True)
class Conversion:
    column: str
    to: str            # "number", "boolean", "date"
    detail: str        # what was recognised, in words
    unparsed: int      # non-missing values that did not parse and are now missing
    style: str | None = None        # numbers: "us" (1,234.5) or "eu" (1.234,5)
    day_first: bool | None = None   # dates: 03/04 is the 3rd of April

    def message(self) -> str:
        lost = f"; {self.unparsed} value(s) that did not fit are now missing" if self.unparsed else ""
        return f"{code(self.column)}: text read as {self.to} ({self.detail}){lost}."

    def to_dict(self) -> dict:
        return asdict(self)


def convert_columns(df: pd.DataFrame) -> tuple[pd.DataFrame, list[Conversion]]:
    """Convert the text columns that hold numbers, booleans or dates; return the frame and what was done."""
    conversions: list[Conversion] = []
    out = {}
    for col in df.columns:
        s = df[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            converted, conversion = _convert(s, str(col))
            if conversion:
                conversions.append(conversion)
                s = converted
        out[col] = s
    return pd.DataFrame(out, index=df.index) if conversions else df, conversions


def _convert(s: pd.Series, name: str) -> tuple[pd.Series, Conversion | None]:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) == 0:
        return s, None
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    text = pd.Series(uniques, dtype=object).astype(str).str.strip()
    total = counts.sum()
    for attempt in (_as_boolean, _as_number, _as_date):
        result = attempt(text)
        if result is None:
            continue
        values, detail, to, how = result
        ok = ~pd.isna(values)
        if counts[ok.to_numpy()].sum() < _MIN_SHARE * total:
            continue
        mapped = values.to_numpy()[codes]
        if to == "boolean":
            mapped = pd.Series(mapped, index=s.index, dtype=object)
            if not mapped.isna().any():
                mapped = mapped.astype(bool)
        else:
            mapped = pd.Series(mapped, index=s.index)
        mapped[codes < 0] = np.nan if to != "date" else pd.NaT
        unparsed = int(counts[~ok.to_numpy()].sum())
        return mapped, Conversion(name, to, detail, unparsed, **how)
    return s, None


def parse_booleans(text: pd.Series) -> pd.Series:
    """Stripped text -> True / False (object), None where it is not a true / false word."""
    lower = text.str.lower()
    values = pd.Series(np.where(lower.isin(TRUE_WORDS), True, np.where(lower.isin(FALSE_WORDS), False, None)),
                       index=text.index, dtype=object)
    return values.where(lower.isin(TRUE_WORDS | FALSE_WORDS), None)


def _as_boolean(text: pd.Series):
    if not text.str.lower().isin(TRUE_WORDS | FALSE_WORDS).any():
        return None
    return parse_booleans(text), "true / false", "boolean", {}


def _as_number(text: pd.Series):
    us, eu = text.str.match(_US), text.str.match(_EU)
    if us.mean() > eu.mean() or us.mean() == eu.mean() and not _dots_are_thousands(text[us & eu]):
        matched, style = us, "us"
    else:
        matched, style = eu, "eu"
    if not matched.any():
        return None
    numbers, parts = _numbers(text.where(matched), style)
    if not parts:
        parts.append("numbers stored as text")
    return numbers, ", ".join(parts), "number", {"style": style}


def _dots_are_thousands(text: pd.Series) -> bool:
    """Values that read either way ("2.581 €", "583 €"): the dots are thousands separators when every dotted
    value has groups of exactly three digits after them and no undotted value has four digits or more."""
    core = text.str.replace(rf"[()%\s{_CURRENCY}+-]", "", regex=True)
    dotted = core.str.contains(".", regex=False)
    return bool(dotted.any()) and bool(core[dotted].str.fullmatch(r"\d{1,3}(?:\.\d{3})+").all()) \
        and not bool(core[~dotted].str.fullmatch(r"\d{4,}").any())


def parse_numbers(text: pd.Series, style: str = "us") -> pd.Series:
    """Stripped text -> float, in the style ingest recognised at training ("us": 1,234.5; "eu": 1.234,5);
    currency symbols, percentages (as fractions) and accounting negatives as ingest reads them; NaN where
    the text is not a number of that style."""
    pattern = _US if style == "us" else _EU
    return _numbers(text.where(text.str.match(pattern)), style)[0]


def _numbers(t: pd.Series, style: str) -> tuple[pd.Series, list[str]]:
    percent = t.str.endswith("%", na=False) | t.str.endswith("%)", na=False)
    negative = t.str.startswith("(", na=False) & t.str.endswith(")", na=False)
    currency = t.str.contains(f"[{_CURRENCY}]", na=False)
    cleaned = t.str.replace(rf"[()%\s{_CURRENCY}]", "", regex=True)
    if style == "us":
        thousands = cleaned.str.contains(",", na=False)
        cleaned = cleaned.str.replace(",", "", regex=False)
    else:
        thousands = cleaned.str.contains(r"\.", na=False)
        cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    numbers = numbers.where(~negative, -numbers).where(~percent, numbers / 100)
    parts = []
    if thousands.any():
        parts.append("thousands separators" if style == "us" else "'.' thousands separators, ',' decimals")
    elif style == "eu":
        parts.append("decimal commas")
    if currency.any():
        parts.append("currency symbols")
    if percent.any():
        parts.append("percentages as fractions")
    if negative.any():
        parts.append("(n) as negative")
    return numbers.astype(float), parts


def _as_date(text: pd.Series):
    matched = text.str.match(_DATE)
    if not matched.any():
        return None
    t = text.where(matched)
    parts = t.str.extract(r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}")
    day_first = False
    detail = "dates"
    if parts[0].notna().any():
        first, second = pd.to_numeric(parts[0]), pd.to_numeric(parts[1])
        day_first = bool((first > 12).any()) and not bool((second > 12).any())
        ambiguous = not (first > 12).any() and not (second > 12).any()
        detail = "dates, day first" if day_first else ("dates, month first (ambiguous)" if ambiguous
                                                        else "dates, month first")
    dates = parse_dates(t, day_first)
    return dates.astype(object).where(dates.notna(), None), detail, "date", {"day_first": day_first}


def parse_dates(text: pd.Series, day_first: bool = False) -> pd.Series:
    """Stripped text -> datetime (NaT where it is not a date), day first or month first as at training."""
    t = text.where(text.str.match(_DATE))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(t, errors="coerce", format="mixed", dayfirst=day_first)
