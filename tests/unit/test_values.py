import pandas as pd
import pytest

from automl.data.ingest import read_table
from automl.data.values import convert_columns


@pytest.mark.parametrize("values, expected, detail", [
    (["$1,234.50", "$2,000", "$15"], [1234.5, 2000.0, 15.0], "currency"),
    (["1,234", "12,345,678", "999"], [1234.0, 12345678.0, 999.0], "thousands"),
    (["12%", "5.5%", "100%"], [0.12, 0.055, 1.0], "percentages"),
    (["(12)", "13", "(1,000.5)"], [-12.0, 13.0, -1000.5], "negative"),
    (["1.234,5", "2,5", "3.000"], [1234.5, 2.5, 3000.0], "decimals"),
    ([" 7 ", "8", "9 "], [7.0, 8.0, 9.0], "numbers stored as text"),
])
def test_numbers_stored_as_text_are_converted_and_reported(values, expected, detail):
    out, conversions = convert_columns(pd.DataFrame({"x": values}))
    assert out["x"].tolist() == pytest.approx(expected)
    assert conversions[0].to == "number" and detail in conversions[0].detail


def test_true_false_text_becomes_boolean_but_yes_no_labels_stay():
    out, conversions = convert_columns(pd.DataFrame({"flag": ["true", "False", "TRUE"],
                                                     "answer": ["yes", "no", "yes"]}))
    assert out["flag"].dtype == bool and out["flag"].tolist() == [True, False, True]
    assert out["answer"].tolist() == ["yes", "no", "yes"]
    assert [c.column for c in conversions] == ["flag"]


@pytest.mark.parametrize("values, first, detail", [
    (["2024-01-05", "2024-02-06", "2024-03-07 10:00"], "2024-01-05", "dates"),
    (["25/12/2020", "01/02/2021", "13/01/2020"], "2020-12-25", "day first"),
    (["12/25/2020", "01/02/2021", "1/13/2020"], "2020-12-25", "month first"),
])
def test_dates_are_recognised_with_their_order(values, first, detail):
    out, conversions = convert_columns(pd.DataFrame({"d": values}))
    assert str(out["d"].iloc[0].date()) == first
    assert detail in conversions[0].detail
    if detail == "day first":
        assert str(out["d"].iloc[1].date()) == "2021-02-01"


def test_a_column_with_much_text_is_left_as_text():
    out, conversions = convert_columns(pd.DataFrame({"x": ["1", "2", "abc", "def"]}))
    assert out["x"].tolist() == ["1", "2", "abc", "def"] and conversions == []


def test_a_few_unreadable_values_become_missing_and_are_counted():
    values = [str(i) for i in range(40)] + ["oops"]
    out, conversions = convert_columns(pd.DataFrame({"x": values}))
    assert out["x"].isna().sum() == 1
    assert conversions[0].unparsed == 1 and "1 value(s)" in conversions[0].message()


def test_missing_markers_are_read_as_missing_and_reported():
    df, report = read_table(b"a,b,c\n1,?,x\n2,3,-\n,4,y\nNA,5,null\n6,N/A,none\n", name="m.csv")
    assert df["a"].isna().sum() == 2 and df["b"].isna().sum() == 2 and df["c"].isna().sum() == 2
    assert df["c"].tolist()[-1] == "none", "'none' can be a real answer; it is not a missing marker"
    assert report.missing_markers == {"a": 1, "b": 2, "c": 2}
    assert df["b"].dtype == float
    assert any("`b`" in n and "missing-value marker" in n for n in report.notes)


def test_years_are_written_as_years_not_amounts():
    """Issue 29, 18: a year column read "1,872 … 2,010 (median 1,973)"."""
    import numpy as np
    import pandas as pd

    from automl.data.profile import profile_frame, profile_table

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"Year_Built": rng.integers(1872, 2011, 500),
                       "Garage_Yr_Blt": np.r_[rng.integers(1900, 2010, 450).astype(float), [np.nan] * 50],
                       "price": rng.integers(50_000, 500_000, 500)})
    summary = dict(zip(*profile_frame(profile_table(df))[["column", "summary"]].to_numpy().T, strict=True))
    assert summary["Year_Built"].startswith("1872 … 2010 (median ") and "," not in summary["Year_Built"]
    assert "," not in summary["Garage_Yr_Blt"]
    assert "," in summary["price"]
