"""Issue 29, 2: a browser refresh keeps the model in view. After a refresh Evaluate and Predict fell back to
the newest run (there, a rolled-back challenger), so predictions were made with a model that was not deployed,
with no word."""

import pytest

from automl.serving import deployments
from automl.store.workspace import Workspace
from tests.e2e.ui import choose, main_text, nav, wait_idle
from tests.helpers import copy_workspace

pytestmark = pytest.mark.e2e


def _sidebar(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def test_a_refresh_keeps_the_run_and_the_deployment_in_view(trained, serve, page, tmp_path):
    ws = Workspace(copy_workspace(trained.root, tmp_path / "ws"))
    deployed, other = trained.binary_run, trained.split_only_run
    deployments.deploy(ws, deployed, "survival")
    server = serve(ws.root)
    page.goto(server.url)
    wait_idle(page)

    nav(page, "Evaluate")  # nothing chosen yet: the deployed run, and the sidebar says so
    assert f"run={deployed}" in page.url and "deployed as survival" in _sidebar(page)
    choose(page, "Run", next(o for o in _options(page, "Run") if other in o))
    page.get_by_text("not deployed").first.wait_for()
    assert f"run={other}" in page.url
    page.reload()
    wait_idle(page)
    page.get_by_role("heading", name="Evaluate", exact=True).wait_for()
    page.locator('[data-testid="stSidebar"]').get_by_text("not deployed").wait_for()
    assert f"run={other}" in page.url, "the refresh kept the run chosen (the sidebar: not the deployed one)"

    nav(page, "Predict")  # Predict opens on the deployment
    page.get_by_text("Deployment survival serves run").wait_for()
    choose(page, "Predict through", "a run (choose below)")
    choose(page, "Run", next(o for o in _options(page, "Run") if other in o))
    page.reload()
    wait_idle(page)
    page.get_by_role("heading", name="Predict", exact=True).wait_for()
    page.locator('[data-testid="stSidebar"]').get_by_text("not deployed").wait_for()
    assert "Deployment survival serves run" not in main_text(page), "the refresh kept the choice of a run"
    assert f"run={other}" in page.url


def _options(page, label: str) -> list[str]:
    """The options of the select box labelled `label` (opened, read, closed)."""
    import re

    title = page.locator('[data-testid="stWidgetLabel"]', has_text=re.compile("^" + re.escape(label)))
    page.locator('[data-testid="stSelectbox"]').filter(has=title).first.click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return options

