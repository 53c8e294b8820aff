"""A table read as time series, and what would break a forecast of it, in words (issue 32, the Data page)."""

import numpy as np
import pandas as pd

from automl.data.timeseries import describe_series, recognise
from tests.helpers import SAMPLES


def arrivals() -> pd.DataFrame:
    return pd.read_csv(SAMPLES / "arrivals_quarterly.csv", parse_dates=["quarter"])


def test_a_multi_series_table_is_recognised_with_its_series_column_and_frequency():
    shape = recognise(arrivals(), "arrivals")
    assert (shape.time_column, shape.series_column, shape.series, shape.frequency) == ("quarter", "origin", 4, "QS-OCT")
    assert shape.in_words() == ("A time series of `arrivals`: 4 series by `origin`, quarterly, 1981-Q1 to 2012-Q3 "
                                "(by `quarter`).")
    assert shape.problems == [] and shape.step_words(8) == "8 quarters"


def test_one_series_is_one_series_and_a_table_without_dates_is_none():
    air = pd.read_csv(SAMPLES / "air_passengers.csv", parse_dates=["month"])
    shape = recognise(air, "passengers")
    assert shape.series_column is None and shape.series == 1 and shape.frequency_words == "monthly"
    assert "one series, monthly, 1949-01 to 1960-12" in shape.in_words()
    assert recognise(pd.read_csv(SAMPLES / "titanic.csv")) is None


def test_each_thing_that_would_break_a_forecast_is_said_with_its_fix():
    df = arrivals().drop(index=[5, 6, 7, 40])  # Japan misses four quarters
    df = pd.concat([df, df.head(3)], ignore_index=True)  # three (series, time) pairs twice
    df.loc[10, "arrivals"] = np.nan
    problems = {p.kind: p for p in describe_series(df, "quarter", "origin", "arrivals", horizon=70).problems}
    assert set(problems) == {"duplicates", "gaps", "short", "missing"}
    assert problems["duplicates"].sentence.startswith("3 (series, time) pairs appear more than once (e.g. Japan at "
                                                      "1981-Q1)")
    assert problems["gaps"].sentence == "1 series misses 4 quarters between their first and last time (e.g. Japan " \
                                        "at 1982-Q2)."
    assert "too short to forecast 70 quarters" in problems["short"].sentence and "fewer than 141 points" in \
        problems["short"].sentence
    assert problems["missing"].sentence == "`arrivals` is missing at 1 time(s)."
    assert all(p.fix for p in problems.values())


def test_irregular_steps_have_no_frequency_and_say_how_to_get_one():
    times = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-09", "2024-01-10", "2024-01-20", "2024-02-11"])
    shape = recognise(pd.DataFrame({"at": times, "value": range(6)}), "value")
    assert shape.frequency is None and shape.frequency_words == "at irregular times"
    (irregular,) = [p for p in shape.problems if p.kind == "irregular"]
    assert "from 1 day to 22 days" in irregular.sentence and "Aggregate to a frequency" in irregular.fix


def test_a_series_with_gaps_still_has_its_frequency():
    days = pd.date_range("2024-01-01", periods=100, freq="D").delete([10, 11, 50])
    shape = recognise(pd.DataFrame({"day": days, "sales": 1.0}), "sales")
    assert shape.frequency == "D"
    (gaps,) = shape.problems
    assert gaps.sentence == "The series misses 3 days between their first and last time (e.g. 2024-01-11)."
