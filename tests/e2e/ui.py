"""What the browser tests do as a user: wait for Streamlit, go to a page, pick from a select box."""

from __future__ import annotations

import re

# status words as the run panel writes them (capitalised), not the history table's lower-case cells
RUNNING, SUCCEEDED = re.compile(r"\bRunning\b"), re.compile(r"\bSucceeded\b")


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
