"""What the browser tests do as a user: wait for Streamlit, go to a page, pick from a select box."""

from __future__ import annotations

import re
from pathlib import Path

# status words as the run panel writes them (capitalised), not the history table's lower-case cells
RUNNING, SUCCEEDED = re.compile(r"\bRunning\b"), re.compile(r"\bSucceeded\b")
ENDED_OTHERWISE = re.compile(r"\b(Failed|Stopped|Cancelled)\b")


def wait_for_run(page, workspace, timeout: int = 300_000) -> None:
    """Wait until the run panel says the run ended; one that did not succeed fails the test at once, with the
    job's own log (a slow machine or a failed job reads differently from a page that never updates)."""
    page.get_by_text(SUCCEEDED).or_(page.get_by_text(ENDED_OTHERWISE)).first.wait_for(timeout=timeout)
    if page.get_by_text(SUCCEEDED).count():
        return
    logs = sorted([*Path(workspace).rglob("train.log"), *Path(workspace).rglob("job.log")])
    tail = "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-3000:]}" for p in logs)
    raise AssertionError(f"the run did not succeed:\n{main_text(page)[:2000]}\n{tail}")


def wait_idle(page, timeout: int = 60_000) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)


def nav(page, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).first.click()
    page.get_by_role("heading", name=name, exact=True).first.wait_for()
    wait_idle(page)


def choose(page, label: str, option: str) -> None:
    """Open the select box labelled `label` (the whole label, or its start) and click `option`."""
    title = page.locator('[data-testid="stWidgetLabel"]', has_text=re.compile("^" + re.escape(label)))
    page.locator('[data-testid="stSelectbox"]').filter(has=title).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def upload(page, path) -> None:
    page.locator('input[type="file"]').first.set_input_files(str(path))
    wait_idle(page)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()
