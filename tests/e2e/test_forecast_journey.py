"""A forecast's journey in a real browser (issue 32): upload a table of quarterly series, train a forecast from
the Train page, read its backtest on Evaluate, download the forecast from Predict, and refresh without losing it."""

import csv
import io

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.ui import main_text, nav, upload, wait_for_run, wait_idle
from tests.helpers import SAMPLES

pytestmark = pytest.mark.e2e


def _number(page, label: str, value: int) -> None:
    box = page.get_by_label(label)
    box.fill(str(value))
    box.press("Enter")
    wait_idle(page)


def test_a_forecast_from_upload_to_download_in_the_browser(serve, page, tmp_path):
    server = serve()
    page.goto(server.url)
    page.get_by_text("Start from a sample").wait_for()
    nav(page, "Data")
    upload(page, SAMPLES / "arrivals_quarterly.csv")
    page.get_by_role("heading", name="Time series").wait_for()
    assert "A time series: 4 series by origin, quarterly, 1981-Q1 to 2012-Q3" in main_text(page)

    nav(page, "Train")
    page.get_by_text("Forecast a value over time").click()
    wait_idle(page)
    page.get_by_text("Forecast the next 8 quarters of every series.").wait_for()
    _number(page, "How far ahead (quarters)", 4)
    page.get_by_text("Forecast the next 4 quarters of every series.").wait_for()
    page.get_by_text("Fast", exact=True).click()
    wait_idle(page)
    _number(page, "Time budget (seconds)", 60)  # Fast ends when its few models are fitted
    page.get_by_text("Test: the last 8 quarters of every series").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "forecast-train.png"), full_page=True)
    page.get_by_role("button", name="Train the forecast").click()
    wait_for_run(page, tmp_path / "ws")
    assert "model(s) fitted" in main_text(page)

    nav(page, "Evaluate")
    page.get_by_text("Over the last 8 quarters (2 windows of 4 quarters)").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    text = main_text(page)
    assert "MASE ★" in text and "Inside the 80% band" in text and "By series" in text
    page.screenshot(path=str(ARTIFACTS / "forecast-evaluate.png"), full_page=True)

    nav(page, "Predict")
    button = page.get_by_role("button", name="Download the forecast (CSV)")
    button.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "forecast-predict.png"), full_page=True)
    with page.expect_download() as info:
        button.click()
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
    assert len(rows) == 16 and {r["origin"] for r in rows} == {"Japan", "NZ", "UK", "US"}
    assert all(float(r["p10"]) <= float(r["forecast"]) <= float(r["p90"]) for r in rows)

    page.reload()  # the run is in the address: a refresh shows the same forecast, not another run
    page.get_by_role("button", name="Download the forecast (CSV)").wait_for(timeout=60_000)
