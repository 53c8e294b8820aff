"""A user's whole journey in a real browser: upload titanic.csv, train, see the leaderboard, download predictions."""

import csv
import io
import re

import pytest

from tests.helpers import SAMPLES

pytestmark = pytest.mark.e2e
# status words as the run panel writes them (capitalised), not the history table's lower-case cells
RUNNING, SUCCEEDED = re.compile(r"\bRunning\b"), re.compile(r"\bSucceeded\b")


def wait_idle(page):
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)


def nav(page, name: str):
    page.get_by_role("link", name=name, exact=True).first.click()
    page.get_by_role("heading", name=name, exact=True).first.wait_for()
    wait_idle(page)


def test_upload_train_evaluate_and_download_predictions(serve, page):
    server = serve()
    page.goto(server.url)
    page.get_by_text("Start from a sample").wait_for()

    nav(page, "Data")
    page.locator('input[type="file"]').set_input_files(str(SAMPLES / "titanic.csv"))
    page.get_by_text("Stored titanic.csv: 1,309 rows × 5 columns.").wait_for()

    nav(page, "Train")
    page.get_by_text("Column to predict (target)").wait_for()
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Column to predict").click()
    page.get_by_role("option", name="survived", exact=True).click()
    page.get_by_text("Problem type inferred:").filter(has_text="binary").wait_for()
    budget = page.get_by_label("Time budget (seconds)")
    budget.fill("20")
    budget.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(RUNNING).or_(page.get_by_text(SUCCEEDED)).first.wait_for(timeout=90_000)
    # a browser refresh mid-run loses the session, not the run: it is found again in the workspace
    page.reload()
    page.get_by_role("heading", name="Train", exact=True).wait_for()
    page.get_by_text(SUCCEEDED).first.wait_for(timeout=180_000)
    assert page.get_by_text("elapsed").count() >= 1

    nav(page, "Evaluate")
    page.get_by_text("Accuracy ★").wait_for()
    charts = page.locator(".js-plotly-plot")
    charts.nth(6).wait_for()  # confusion matrix, ROC, precision-recall, calibration, gain, leaderboard, Pareto
    assert charts.count() == 7
    assert page.get_by_text("ROC curve (area").count() == 1
    assert charts.nth(5).get_by_text("WeightedEnsemble_L2").count() >= 1  # the leaderboard chart

    nav(page, "Predict")
    page.get_by_role("tab", name="Batch (CSV)").click()
    page.locator('input[type="file"]').set_input_files(str(SAMPLES / "titanic.csv"))
    download_button = page.get_by_role("button", name="Download predictions (CSV)")
    download_button.wait_for(timeout=60_000)
    with page.expect_download() as info:
        download_button.click()
    text = open(info.value.path(), encoding="utf-8").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1309
    assert {"name", "survived", "prediction", "proba_no", "proba_yes"} <= set(rows[0])
    assert {r["prediction"] for r in rows} <= {"yes", "no"}


def test_a_page_url_opened_first_after_a_restart_still_has_the_app_navigation(serve, page):
    server = serve()
    page.goto(f"{server.url}/train")  # the very first request this server sees
    page.get_by_role("heading", name="Train", exact=True).wait_for()
    wait_idle(page)
    assert page.get_by_role("link", name="Home", exact=True).count() == 1
    assert page.get_by_text("No dataset yet").count() == 1
