"""Faults as a user meets them: the server stops during training and comes back."""

import pytest

from automl import jobs
from automl.workspace import Workspace
from tests.e2e.test_journey import nav, wait_idle
from tests.helpers import wait_for

pytestmark = pytest.mark.e2e


def test_a_server_restart_during_training_loses_nothing(serve, page, tmp_path):
    root = tmp_path / "ws"
    first = serve(root)
    page.goto(first.url)
    page.get_by_role("button", name="Use titanic").click()
    page.get_by_role("heading", name="Data", exact=True).wait_for()
    wait_idle(page)
    nav(page, "Train")
    page.get_by_role("button", name="Train", exact=True).click()  # started by the server's own process
    page.get_by_text("Running").first.wait_for(timeout=60_000)
    ws = Workspace(root)
    run_id = ws.list_runs()[0].id
    first.stop()  # the server goes away; training runs in its own process session and goes on
    assert jobs.refresh(ws, run_id).status in jobs.ACTIVE + ("succeeded",)

    second = serve(root)
    page.goto(f"{second.url}/train")
    page.get_by_role("heading", name="Train", exact=True).wait_for()
    wait_idle(page)
    page.get_by_text(run_id).first.wait_for()
    assert wait_for(ws, run_id, timeout=180).status == "succeeded"
    page.reload()
    page.get_by_text("Succeeded").first.wait_for(timeout=60_000)
    assert page.get_by_text("Running").count() == 0
