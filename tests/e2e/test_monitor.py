"""The Monitor page in the browser: a deployment whose batches drifted shows it, with the alerts."""

from __future__ import annotations

import shutil

from automl.store.workspace import Workspace
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.ui import choose, main_text, nav, wait_idle
from tests.helpers import SAMPLES, score_drifting_batches


def test_the_monitor_page_shows_where_a_column_drifted(trained, serve, page, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(trained.root, root)
    score_drifting_batches(Workspace(root), trained.binary_run, "survival")
    server = serve(root)
    page.goto(server.url)
    wait_idle(page)
    nav(page, "Monitor")
    page.get_by_text("Alerts (").first.wait_for()
    page.locator(".js-plotly-plot").nth(2).wait_for()  # the heatmap, volume and answers
    text = main_text(page)
    assert "age drifted from the training data" in text and "usually have about 300" in text
    assert "serves the model survived · " in text and trained.binary_run in text  # named in words, id beside
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "monitor.png"), full_page=True)
    # the outcomes arrive: joined by passenger name to the answers kept when the batches were scored
    page.get_by_text("Add true outcomes").click()
    page.locator('input[type="file"]').first.set_input_files(str(SAMPLES / "titanic.csv"))
    wait_idle(page)
    page.get_by_label("Id column").fill("name")
    page.get_by_label("Id column").press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Add outcomes").click()
    page.get_by_text("outcome(s) matched an earlier prediction by id").wait_for()
    assert "realised (outcomes)" in main_text(page)
    nav(page, "Predict")  # scoring through the deployment from the page is offered
    choose(page, "Predict through", 'deployment "survival"')
    page.get_by_text("Deployment survival serves run").wait_for()
