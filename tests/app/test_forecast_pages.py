"""A forecast run on the pages (issue 32): listed where runs are chosen, and refused in one sentence that says
where its backtest and forecast are, on every page that works on models of tables; the Runs page lists it."""

import pytest

from tests.app.helpers import open_page


@pytest.mark.parametrize("page", ["pages/evaluate.py", "pages/explain.py", "pages/predict.py", "pages/deploy.py"])
def test_a_forecast_run_is_refused_in_one_sentence_with_where_to_go(forecasts, monkeypatch, page):
    at = open_page(page, forecasts.root, monkeypatch)  # no exception: the page stops after the sentence
    notes = [i.value for i in at.info]
    assert any(n.startswith("Run `run-") and "is a forecast. This page works on models of tables only for now"
               in n and "`automl-studio evaluate run-" in n for n in notes), notes
    assert not at.error


def test_the_runs_page_lists_forecast_runs_with_their_test_error(forecasts, monkeypatch):
    at = open_page("pages/runs.py", forecasts.root, monkeypatch)
    table = next(df.value for df in at.dataframe if "run" in df.value.columns)
    row = table[table["run"] == forecasts.arrivals_run].iloc[0]
    assert row["type"] == "forecast" and row["metric"] == "MASE" and str(row["test value"]).startswith("0.")
    assert not at.exception and not at.error
