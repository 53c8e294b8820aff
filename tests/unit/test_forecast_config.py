"""What would break a forecast is refused before a job starts, in one sentence with its fix (issue 32)."""

import pandas as pd
import pytest

from automl.errors import ConfigError, TargetError
from automl.training.forecast_config import ForecastConfig, forecast_preflight, resolve_forecast


def _monthly(n=40, series=("a", "b")):
    rows = [{"store": s, "month": t, "sales": float(i + 10 * k), "promo": i % 2, "size": k}
            for k, s in enumerate(series) for i, t in enumerate(pd.date_range("2020-01-01", periods=n, freq="MS"))]
    return pd.DataFrame(rows)


def _config(ws, df, **kw):
    info = ws.add_dataset(df, "sales.csv")
    return ForecastConfig(dataset_id=info.id, label="sales", time_column="month", series_column="store",
                          horizon=kw.pop("horizon", 3), **kw)


def test_a_clean_table_resolves_with_its_frequency_and_a_preflight_in_words(ws):
    config = _config(ws, _monthly(), known=("promo",), static=("size",))
    resolved, shape = resolve_forecast(ws, config)
    assert resolved.frequency == "MS" and shape.series == 2
    lines = forecast_preflight(ws, config)
    assert lines[0].startswith("A time series of `sales`: 2 series by `store`, monthly")
    assert any("the last 6 months of every series (2 window(s) of 3 months)" in line for line in lines)
    assert any(line.startswith("Known in advance: `promo`") for line in lines)


def test_a_table_without_dates_is_refused_in_one_sentence(ws):
    df = _monthly().assign(month=lambda d: d["month"].dt.strftime("%d/%m/%Y x"))  # text, not dates
    with pytest.raises(ConfigError, match="^This table has no column of dates"):
        resolve_forecast(ws, _config(ws, df))


def test_duplicate_timestamps_are_refused_with_the_fix(ws):
    df = pd.concat([_monthly(), _monthly().head(3)])
    with pytest.raises(ConfigError, match=r"3 \(series, time\) pairs appear more than once .* Aggregate the repeats"):
        resolve_forecast(ws, _config(ws, df))


def test_a_one_row_series_is_refused(ws):
    df = pd.concat([_monthly(), _monthly(n=1, series=("lonely",))])
    with pytest.raises(ConfigError, match="Some series have fewer than 5 points .* Drop them"):
        resolve_forecast(ws, _config(ws, df))


def test_a_horizon_longer_than_the_history_is_refused_with_what_it_needs(ws):
    with pytest.raises(ConfigError, match="the longest series has 40 months, and forecasting 30 months checked on "
                                          "2 window.s. of its own past needs at least 95 months"):
        resolve_forecast(ws, _config(ws, _monthly(), horizon=30))


def test_a_text_value_and_a_varying_description_are_refused(ws):
    with pytest.raises(TargetError, match="must be a number"):
        resolve_forecast(ws, _config(ws, _monthly().assign(sales="x")))
    with pytest.raises(ConfigError, match="`promo` changes within a series"):
        resolve_forecast(ws, _config(ws, _monthly(), static=("promo",)))
    with pytest.raises(ConfigError, match="given two roles"):
        resolve_forecast(ws, _config(ws, _monthly(), known=("sales",)))
