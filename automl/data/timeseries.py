"""Is this table a time series, and what would break a forecast of it? (issue 32, the Data page's part)

A table is read as time series when it has a date column (the reader types dates: `automl.data.readers`):
one series when each time appears once, else one series per value of the column that makes (series, time)
pairs unique, or nearly so (a store, a product, a region). The frequency is the one most steps between
consecutive times of a series take (pandas names it; a person reads "quarterly"), and what would break a
forecast is said in words, each with its fix: (series, time) pairs given twice, gaps and irregular steps,
series too short for the horizon, missing values to forecast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from automl.data.markdown import code, md

__all__ = ["SeriesProblem", "SeriesShape", "time_columns", "describe_series", "recognise", "step_words", "step_unit",
           "usual_horizon", "period_words", "MIN_POINTS"]

MIN_POINTS = 5  # fewer points than this in a series: nothing to learn a pattern from
_MAX_SERIES_SHARE = 0.5  # a series column has at most one value per two rows (else it names rows, not series)
_EXAMPLES = 3

# pandas' frequency codes, by their first letters, in the words a person uses
_WORDS = [("YS", "yearly", "years"), ("YE", "yearly", "years"), ("Y", "yearly", "years"),
          ("QS", "quarterly", "quarters"), ("QE", "quarterly", "quarters"), ("Q", "quarterly", "quarters"),
          ("MS", "monthly", "months"),
          ("ME", "monthly", "months"), ("M", "monthly", "months"), ("W", "weekly", "weeks"),
          ("B", "every business day", "business days"), ("D", "daily", "days"), ("h", "hourly", "hours"),
          ("H", "hourly", "hours"), ("min", "every minute", "minutes"), ("T", "every minute", "minutes"),
          ("s", "every second", "seconds"), ("S", "every second", "seconds")]


@dataclass(frozen=True)
class SeriesProblem:
    kind: str       # duplicates, gaps, irregular, short, missing
    sentence: str   # what is wrong, in words, with an example
    fix: str        # what to do about it


@dataclass(frozen=True)
class SeriesShape:
    time_column: str
    series_column: str | None
    value_column: str | None
    series: int
    frequency: str | None    # pandas' name of the frequency ("QS-OCT", "MS", "D"); None when irregular
    start: pd.Timestamp
    end: pd.Timestamp
    shortest: int            # points in the shortest series
    longest: int
    problems: list[SeriesProblem] = field(default_factory=list)

    @property
    def frequency_words(self) -> str:
        return _words(self.frequency)[0] if self.frequency else "at irregular times"

    def step_words(self, n: int) -> str:
        """`n` steps of the frequency in words: "8 quarters"."""
        return step_words(self.frequency, n)

    def in_words(self) -> str:
        """"A time series: 4 series by `origin`, quarterly, 1981-Q1 to 2012-Q3." """
        what = (f"{self.series:,} series by {code(self.series_column)}" if self.series_column else "one series")
        span = f"{_period(self.start, self.frequency)} to {_period(self.end, self.frequency)}"
        value = f" of {code(self.value_column)}" if self.value_column else ""
        return f"A time series{value}: {what}, {self.frequency_words}, {span} (by {code(self.time_column)})."


def step_words(frequency: str | None, n: int) -> str:
    """`n` steps of a frequency (pandas' name) in words: "8 quarters", "1 month", "12 steps" when irregular."""
    unit = _words(frequency)[1] if frequency else "steps"
    return f"{n:,} {unit if n != 1 else unit.removesuffix('s')}"


def step_unit(frequency: str | None) -> str:
    """The frequency's step in words, plural: "quarters", "days", "steps" when irregular."""
    return _words(frequency)[1] if frequency else "steps"


# How far ahead people usually plan, by step: two years of quarters, a year of months, two weeks of days
_USUAL = {"years": 3, "quarters": 8, "months": 12, "weeks": 8, "days": 14, "business days": 10, "hours": 24,
          "minutes": 60, "seconds": 60}


def usual_horizon(frequency: str | None, longest: int, windows: int) -> int:
    """A first horizon to offer: what people usually plan at this frequency, shortened to what the longest
    series can check on `windows` test windows of its own past."""
    fits = max(1, (longest - MIN_POINTS) // (windows + 1))
    return max(1, min(_USUAL.get(step_unit(frequency), 8), fits))


def period_words(when: pd.Timestamp, frequency: str | None) -> str:
    """A time as a person names its period: 1981-Q1, 1981-01, 1981, a date, or a date and time."""
    return _period(when, frequency)


def time_columns(df: pd.DataFrame) -> list[str]:
    """Columns the reader typed as dates or times, with at least two distinct values."""
    return [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c]) and df[c].nunique() > 1]


def recognise(df: pd.DataFrame, value_column: str | None = None, horizon: int | None = None) -> SeriesShape | None:
    """The table as time series by its first date column (None without one); the series column is found."""
    times = time_columns(df)
    if not times:
        return None
    time_column = times[0]
    return describe_series(df, time_column, _series_column(df, time_column, value_column), value_column, horizon)


def describe_series(df: pd.DataFrame, time_column: str, series_column: str | None = None,
                    value_column: str | None = None, horizon: int | None = None) -> SeriesShape:
    """The shape of the series of `df` (`series_column`: None for one series) and what would break a forecast
    of `value_column` over `horizon` steps."""
    keys = [series_column] if series_column else []
    frame = df[[*keys, time_column] + ([value_column] if value_column else [])]
    frame = frame[frame[time_column].notna()]
    ids = frame[series_column].astype(str) if series_column else pd.Series("", index=frame.index)
    frame = frame.assign(_series=ids.to_numpy()).sort_values(["_series", time_column], kind="stable")
    lengths = frame.drop_duplicates(["_series", time_column]).groupby("_series").size()
    frequency = _frequency(frame, time_column, lengths.idxmax())
    problems = [p for p in (_duplicates(frame, time_column, frequency, series_column),
                            _gaps(frame, time_column, frequency, series_column),
                            _irregular(frame, time_column, frequency),
                            _short(lengths, horizon, frequency, series_column),
                            _missing(frame, value_column)) if p is not None]
    return SeriesShape(time_column, series_column, value_column, int(len(lengths)), frequency,
                       frame[time_column].min(), frame[time_column].max(), int(lengths.min()), int(lengths.max()),
                       problems)


def _series_column(df: pd.DataFrame, time_column: str, value_column: str | None) -> str | None:
    """The column that makes (series, time) pairs unique, or most nearly so; None when each time appears once."""
    repeats = int(df[time_column].duplicated().sum())
    if not repeats:
        return None
    best, best_repeats = None, repeats
    for c in df.columns:
        if c in (time_column, value_column) or pd.api.types.is_float_dtype(df[c]) \
                or pd.api.types.is_datetime64_any_dtype(df[c]):
            continue
        distinct = df[c].nunique()
        if distinct < 2 or distinct > _MAX_SERIES_SHARE * len(df):
            continue
        left = int(df.duplicated([c, time_column]).sum())
        if left < best_repeats:
            best, best_repeats = c, left
    return best


def _frequency(frame: pd.DataFrame, time_column: str, longest: str) -> str | None:
    """The frequency of the longest series: pandas' when every step fits one, else a calendar step that 80% of
    its times fall on (a series with gaps); None when none fits."""
    times = pd.DatetimeIndex(frame.loc[frame["_series"] == longest, time_column].drop_duplicates())
    if len(times) < 3:
        return None
    inferred = pd.infer_freq(times)
    if inferred:
        return inferred
    for code_ in ("YS", "QS", "MS", "W", "D", "h", "min", "s"):  # the most common step, as a calendar step
        expected = pd.date_range(times[0], times[-1], freq=code_)
        if len(expected) and len(times.intersection(expected)) >= 0.8 * len(times) >= 0.5 * len(expected):
            return _anchored(code_, times)
    return None


def _anchored(code_: str, times: pd.DatetimeIndex) -> str:
    """A calendar step named as pandas would infer it (quarters starting in October: QS-OCT)."""
    if code_ == "QS":
        return f"QS-{times[0].strftime('%b').upper()}"
    if code_ == "YS":
        return f"YS-{times[0].strftime('%b').upper()}"
    if code_ == "W":
        return f"W-{times[0].strftime('%a').upper()}"
    return code_


def _grid(start: pd.Timestamp, end: pd.Timestamp, frequency: str) -> pd.DatetimeIndex:
    return pd.date_range(start, end, freq=frequency)


def _gaps(frame: pd.DataFrame, time_column: str, frequency: str | None,
          series_column: str | None) -> SeriesProblem | None:
    if frequency is None:
        return None
    missing, hit, example = 0, 0, None
    for name, times in frame.groupby("_series")[time_column]:
        present = pd.DatetimeIndex(times.drop_duplicates())
        absent = _grid(present.min(), present.max(), frequency).difference(present)
        if len(absent):
            missing += len(absent)
            hit += 1
            if example is None:
                example = (name, absent[0])
    if not missing:
        return None
    who = (f"{hit:,} series miss" if series_column and hit > 1 else "1 series misses" if series_column else
           "The series misses")
    where = f" (e.g. {md(example[0])} at {_period(example[1], frequency)})" if series_column else \
        f" (e.g. {_period(example[1], frequency)})"
    return SeriesProblem("gaps", f"{who} {missing:,} {_words(frequency)[1]} between their first and last time{where}.",
                         "Fill the gaps (carry the last value forward, or zeros where nothing happened), or "
                         "aggregate to a coarser frequency.")


def _irregular(frame: pd.DataFrame, time_column: str, frequency: str | None) -> SeriesProblem | None:
    if frequency is not None:
        return None
    steps = frame.groupby("_series")[time_column].diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    if steps.empty:
        return None
    return SeriesProblem("irregular", f"The steps between times are irregular (from {_duration(steps.min())} to "
                         f"{_duration(steps.max())}): no single frequency fits them.",
                         "Aggregate to a frequency (daily, weekly, monthly), summing or averaging the values.")


def _duplicates(frame: pd.DataFrame, time_column: str, frequency: str | None,
                series_column: str | None) -> SeriesProblem | None:
    twice = frame.duplicated(["_series", time_column], keep="first")
    if not twice.any():
        return None
    first = frame[twice].iloc[0]
    when = _period(first[time_column], frequency)
    where = f"{md(first['_series'])} at {when}" if series_column else when
    pairs = "(series, time) pairs" if series_column else "times"
    return SeriesProblem("duplicates", f"{int(twice.sum()):,} {pairs} appear more than once (e.g. {where}): a "
                         "forecast needs one value per series and time.",
                         "Aggregate the repeats (sum or mean), or drop them"
                         + ("" if series_column else ", or name the column that tells the series apart") + ".")


def _short(lengths: pd.Series, horizon: int | None, frequency: str | None,
           series_column: str | None) -> SeriesProblem | None:
    need = max(MIN_POINTS, 2 * horizon + 1) if horizon else MIN_POINTS
    short = lengths[lengths < need]
    if short.empty:
        return None
    unit = _words(frequency)[1] if frequency else "steps"
    why = (f"too short to forecast {horizon:,} {unit} and check the forecast on their own past" if horizon else
           "too short to learn a pattern from")
    names = ", ".join(md(n) for n in short.index[:_EXAMPLES]) + (", …" if len(short) > _EXAMPLES else "")
    who = f"{len(short):,} series have" if series_column else "The series has"
    example = f" ({names})" if series_column else ""
    return SeriesProblem("short", f"{who} fewer than {need:,} points{example}: {why}.",
                         "Drop the shortest series, or forecast fewer steps ahead." if series_column else
                         "Forecast fewer steps ahead, or add more history.")


def _missing(frame: pd.DataFrame, value_column: str | None) -> SeriesProblem | None:
    if not value_column:
        return None
    n = int(frame[value_column].isna().sum())
    if not n:
        return None
    return SeriesProblem("missing", f"{code(value_column)} is missing at {n:,} time(s).",
                         "Fill them (carry the last value forward, or interpolate), or leave them: the "
                         "forecasting models skip missing values, with less to learn from.")


def _words(frequency: str | None) -> tuple[str, str]:
    """("quarterly", "quarters") for "QS-OCT"; a multiple says so ("every 15 minutes")."""
    if not frequency:
        return "at irregular times", "steps"
    head = frequency.split("-")[0]
    digits = "".join(ch for ch in head if ch.isdigit())
    base = head[len(digits):]
    for prefix, adjective, unit in _WORDS:
        if base == prefix:
            if digits and int(digits) > 1:
                return f"every {int(digits)} {unit}", f"{unit} (by {int(digits)})"
            return adjective, unit
    return f"every {frequency}", "steps"


def _period(when: pd.Timestamp, frequency: str | None) -> str:
    """A time as a person names its period: 1981-Q1, 1981-01, 1981, a date, or a date and time."""
    head = (frequency or "").split("-")[0].lstrip("0123456789")
    if head.startswith("Q"):
        return f"{when.year}-Q{when.quarter}"
    if head.startswith("Y"):
        return f"{when.year}"
    if head.startswith("M") and not head.startswith("min"):
        return when.strftime("%Y-%m")
    if when == when.normalize():
        return when.strftime("%Y-%m-%d")
    return when.strftime("%Y-%m-%d %H:%M")


def _duration(delta: pd.Timedelta) -> str:
    days = delta / pd.Timedelta(days=1)
    if days >= 1:
        return f"{days:.0f} day{'s' if round(days) != 1 else ''}"
    hours = delta / pd.Timedelta(hours=1)
    if hours >= 1:
        return f"{hours:.0f} hour{'s' if round(hours) != 1 else ''}"
    return f"{delta / pd.Timedelta(minutes=1):.0f} minute(s)"
