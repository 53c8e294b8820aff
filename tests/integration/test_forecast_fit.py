"""The forecasting core (issue 32): fitted without the test windows, scored on each of them against repeating the
last season, with the 80% band's coverage, said in words."""

import pandas as pd

from automl.training.forecast import fit_forecast
from tests.helpers import SAMPLES


def test_a_forecast_is_scored_on_windows_it_never_saw_against_the_seasonal_naive_baseline(tmp_path):
    df = pd.read_csv(SAMPLES / "arrivals_quarterly.csv", parse_dates=["quarter"])
    fit = fit_forecast(df, time_column="quarter", value_column="arrivals", series_column="origin", horizon=4,
                       path=tmp_path / "fc", models="fast", time_limit=30, windows=2)
    first, second = fit.windows
    assert (first.start, second.start) == (pd.Timestamp("2010-10-01"), pd.Timestamp("2011-10-01"))  # data ends 2012-Q3
    # the model never saw the test windows: the training frame ends before the first one
    assert fit.predictor.backtest_targets()[0].index.get_level_values("timestamp").max() < first.start
    assert all(w.mase > 0 and w.baseline_mase > 0 and 0 <= w.coverage_80 <= 1 for w in fit.windows)
    assert fit.frequency.startswith("QS") and "SeasonalNaive" in set(fit.leaderboard["model"])
    sentence = fit.sentence()
    assert sentence.startswith("Over the last 8 quarters (2 windows of 4 quarters), which it never saw while it "
                               "learned, the forecast errs ") and "repeating the last season (MASE" in sentence
