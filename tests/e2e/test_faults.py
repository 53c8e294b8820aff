"""Faults as a user meets them: the server stops during training and comes back."""

import time

import pytest

from automl.store import jobs
from automl.store.workspace import Workspace
from tests.e2e.ui import RUNNING, SUCCEEDED, nav, wait_idle
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
    page.get_by_text(RUNNING).first.wait_for(timeout=60_000)
    ws = Workspace(root)
    run_id = ws.list_runs()[0].id
    first.stop()  # the server goes away; training runs in its own process session and goes on
    assert jobs.refresh(ws, run_id).status in jobs.ACTIVE + ("succeeded",)

    second = serve(root)
    page.goto(f"{second.url}/train")
    page.get_by_role("heading", name="Train", exact=True).wait_for()
    wait_idle(page)
    page.locator("[data-testid=\"stMain\"] code", has_text=run_id).first.wait_for()
    assert wait_for(ws, run_id, timeout=180).status == "succeeded"
    page.reload()
    page.get_by_text(SUCCEEDED).first.wait_for(timeout=60_000)
    assert page.get_by_text(RUNNING).count() == 0


def test_two_browser_sessions_training_at_once_are_queued_and_not_crossed(serve, browser, tmp_path):
    root = tmp_path / "ws"
    server = serve(root)
    pages = []
    for sample in ("titanic", "penguins"):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        pg.goto(server.url)
        pg.get_by_role("button", name=f"Use {sample}").click()
        pg.get_by_role("heading", name="Data", exact=True).wait_for()
        wait_idle(pg)
        nav(pg, "Train")
        pg.get_by_text("Pre-flight check").wait_for()
        wait_idle(pg)
        pg.get_by_role("button", name="Train", exact=True).click()
        wait_idle(pg)
        pages.append(pg)
    ws = Workspace(root)
    deadline = time.time() + 60
    while len(ws.list_runs()) < 2 and time.time() < deadline:  # the second click reaches the server
        time.sleep(0.5)
    runs = {r.label: r.id for r in ws.list_runs()}
    assert set(runs) == {"survived", "species"}
    for run_id in runs.values():
        assert wait_for(ws, run_id, timeout=240).status == "succeeded"
    first, second = (ws.get_job(runs["survived"]), ws.get_job(runs["species"]))
    assert second.started_at >= first.finished_at - 1, "one at a time: the second waited for the first"
    for pg, label in zip(pages, ("survived", "species"), strict=True):
        # each session's live panel follows its own run, not the other session's
        pg.locator("[data-testid=\"stMain\"] code", has_text=runs[label]).first.wait_for(timeout=60_000)
        pg.get_by_text(SUCCEEDED).first.wait_for(timeout=60_000)
        pg.context.close()
