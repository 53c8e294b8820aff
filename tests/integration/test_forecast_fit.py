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


def test_a_run_keeps_its_baseline_when_the_budget_ran_out_before_the_seasonal_naive_model(tmp_path, monkeypatch):
    """Measured: five validation windows at 15 s left seatbelts with RecursiveTabular alone, and the run failed
    with "Model 'SeasonalNaive' not found". The yardstick is then fitted on its own."""
    from automl.training import forecast_models

    monkeypatch.setitem(forecast_models.MODEL_SETS, "fast", {"RecursiveTabular": {}})  # as if skipped for time
    df = pd.read_csv(SAMPLES / "arrivals_quarterly.csv", parse_dates=["quarter"])
    fit = fit_forecast(df, time_column="quarter", value_column="arrivals", series_column="origin", horizon=4,
                       path=tmp_path / "fc", models="fast", time_limit=20, windows=2)
    assert set(fit.leaderboard["model"]) == {"RecursiveTabular"} and fit.val_windows == 1
    assert all(w.baseline_mase > 0 for w in fit.windows) and fit.backtest["baseline"].notna().all()
    # the baseline is the last season repeated: its first forecast of a window is the value a year before
    japan = df[df["origin"] == "Japan"].set_index("quarter")["arrivals"]
    first = fit.backtest[(fit.backtest["item_id"] == "Japan") & (fit.backtest["window"] == 1)].iloc[0]
    assert first["baseline"] == japan[first["timestamp"] - pd.DateOffset(years=1)]
    assert not (tmp_path / "fc" / "models" / "SeasonalNaive").exists()  # nothing added to the run's predictor


def test_the_models_are_compared_on_several_windows_from_a_budget_that_allows_it():
    from automl.training.forecast import choosing_words, validation_windows

    assert validation_windows(120) == "auto" and validation_windows(30) == 1
    assert "several windows" in choosing_words(120)
    assert choosing_words(30).startswith("the models compared on one window before the test; a budget of 86 s")
