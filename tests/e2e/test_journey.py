"""A user's whole journey in a real browser, once per problem type: upload, profile, clean, train, evaluate,
explain, predict one row and a batch, download the report."""

import csv
import io
import re
from dataclasses import dataclass

import pandas as pd
import pytest

from automl.cli.report import SECTIONS
from tests.e2e.ui import RUNNING, SUCCEEDED, choose, main_text, nav, upload, wait_for_run, wait_idle
from tests.helpers import SAMPLES

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Journey:
    file: str
    target: str
    problem: str
    clean: tuple[str, str]  # (step title, column)
    metric: str  # the optimised metric's tile
    charts: int  # charts on Evaluate: the problem type's own plus the leaderboard and Pareto
    prediction_values: set[str] | None  # what the prediction column may hold (None: numbers)
    proba: tuple[str, ...]


JOURNEYS = {
    "binary": Journey("titanic.csv", "survived", "binary", ("Fill missing values", "age"), "ROC AUC ★", 7,
                      {"yes", "no"}, ("proba_no", "proba_yes")),
    "multiclass": Journey("penguins.csv", "species", "multiclass", ("Fill missing values", "bill_length_mm"),
                          "Accuracy ★", 6, {"Adelie", "Chinstrap", "Gentoo"},
                          ("proba_Adelie", "proba_Chinstrap", "proba_Gentoo")),
    "regression": Journey("diamonds-sample.csv", "price", "regression", ("Clip outliers", "carat"),
                          "RMSE ★", 6, None, ()),
}


@pytest.mark.parametrize("kind", list(JOURNEYS))
def test_a_whole_journey_in_the_browser(kind, serve, page, tmp_path):
    """Upload -> profile -> one cleaning step -> train -> evaluate -> explain -> one row -> batch -> report."""
    j = JOURNEYS[kind]
    if j.file == "diamonds-sample.csv":
        data = tmp_path / j.file
        pd.read_csv(SAMPLES / "diamonds.csv").sample(1500, random_state=0).to_csv(data, index=False)
    else:
        data = SAMPLES / j.file
    rows = len(pd.read_csv(data))
    server = serve()
    page.goto(server.url)
    page.get_by_text("Start from a sample").wait_for()

    nav(page, "Data")
    upload(page, data)
    page.get_by_text(f"Stored {j.file}: {rows:,} rows").wait_for()
    # the sidebar names the table the page just stored, in the same run (it used to show it one click late)
    page.locator('[data-testid="stSidebar"]').get_by_text(f"{j.file} ({rows:,} rows)").wait_for(timeout=5_000)
    page.get_by_role("heading", name="Alerts").wait_for()  # the page streams: "Stored" shows before the profile
    assert page.get_by_role("heading", name="Alerts").count() == 1
    page.get_by_role("heading", name="Distributions").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()  # a column's distribution

    nav(page, "Clean")
    choose(page, "Step", j.clean[0])
    choose(page, "Column", j.clean[1])
    page.get_by_role("button", name="Add step", exact=True).click()
    page.get_by_role("heading", name="Before / after").wait_for()
    assert j.clean[1] in main_text(page)
    page.get_by_role("button", name="Save as a new dataset version").click()
    page.get_by_text(re.compile(r"Saved .* rows")).wait_for()

    nav(page, "Train")
    page.get_by_text("A cleaned version").wait_for()  # the page streams: wait, do not read it half-drawn
    # the page ends early until a target is chosen; the sidebar is still drawn (it stayed empty after st.stop)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Where your work is kept").wait_for(timeout=5_000)
    assert "Table:" in sidebar.inner_text()
    choose(page, "Column to predict", j.target)
    page.get_by_text("Problem type inferred:").filter(has_text=j.problem).wait_for()
    budget = page.get_by_label("Time budget (seconds)")
    budget.fill("15")
    budget.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(RUNNING).or_(page.get_by_text(SUCCEEDED)).first.wait_for(timeout=90_000)
    if kind == "binary":  # a browser refresh mid-run loses the session, not the run
        page.reload()
        page.get_by_role("heading", name="Train", exact=True).wait_for()
    wait_for_run(page, tmp_path / "ws")

    nav(page, "Evaluate")
    page.get_by_text(j.metric).wait_for()
    charts = page.locator(".js-plotly-plot")
    charts.nth(j.charts - 1).wait_for()
    assert charts.count() == j.charts
    assert "WeightedEnsemble_L2" in main_text(page)

    nav(page, "Explain")
    n = page.get_by_label("Test rows to explain")
    n.fill("40")
    n.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Compute explanations").click()
    page.get_by_text("SHAP values of 40 test rows").wait_for(timeout=120_000)
    wait_idle(page)
    page.locator(".js-plotly-plot").first.wait_for()
    text = main_text(page)
    assert "plus its SHAP values equals the model's output" in text
    assert ("Explain the probability of class" in text) == (kind == "multiclass")
    page.get_by_role("button", name="Prepare the model report (HTML)").click()
    report_button = page.get_by_role("button", name="Download the report")
    report_button.wait_for(timeout=60_000)
    with page.expect_download() as info:
        report_button.click()
    report = open(info.value.path(), encoding="utf-8").read()
    for section in SECTIONS:
        assert f">{section}</h2>" in report, section
    assert f"`{j.target}`" in report or j.target in report
    assert "<script src=" not in report  # opens offline: plotly is inlined

    nav(page, "Predict")
    page.get_by_text(f"Predicted {j.target}").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()  # the row's waterfall
    page.get_by_role("tab", name="Batch (CSV)").click()
    page.locator('input[type="file"]').last.set_input_files(str(data))
    download_button = page.get_by_role("button", name="Download predictions (CSV)")
    download_button.wait_for(timeout=60_000)
    with page.expect_download() as info:
        download_button.click()
    scored = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
    assert len(scored) == rows
    assert {j.target, "prediction", *j.proba} <= set(scored[0])
    if j.prediction_values is None:
        assert all(float(r["prediction"]) == float(r["prediction"]) for r in scored)  # numbers, no NaN
    else:
        assert {r["prediction"] for r in scored} <= j.prediction_values
    # any row of the file, explained: its prediction (the same as in the download) and its waterfall
    which = page.get_by_label(re.compile("Explain a row of this file"))
    which.fill("3")
    which.press("Enter")
    wait_idle(page)
    page.get_by_text(f"Row 3: predicted {j.target}").wait_for()
    shown = page.locator('[data-testid="stMetric"]').filter(has_text="Row 3: predicted").inner_text()
    assert shown.split("\n")[-1].strip() == scored[2]["prediction"] or j.prediction_values is None
    panel = page.get_by_role("tabpanel").filter(has_text="Row 3: predicted")
    panel.locator(".js-plotly-plot").first.wait_for()  # this row's waterfall


def test_a_page_url_opened_first_after_a_restart_still_has_the_app_navigation(serve, page):
    server = serve()
    page.goto(f"{server.url}/train")  # the very first request this server sees
    page.get_by_role("heading", name="Train", exact=True).wait_for()
    wait_idle(page)
    assert page.get_by_role("link", name="Home", exact=True).count() == 1
    assert page.get_by_text("No dataset yet").count() == 1
