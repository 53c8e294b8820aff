"""Ending a page early without ending the app's script run.

Pages call `stop_page()` where a Streamlit page would call `st.stop()`. `st.stop()` ends the whole script
run: every Streamlit call after it stops too, so the sidebar that `app.py` fills once the page has run (the
table and model in use, where work is kept) would stay empty on any page that stopped early (Train before a
target is chosen, Evaluate before a run exists, ...). `stop_page()` raises `PageStopped`, which `app.py`
catches around the page: the page ends there and the sidebar is still drawn.
"""

from __future__ import annotations

from typing import NoReturn

__all__ = ["PageStopped", "stop_page"]


class PageStopped(BaseException):
    """The page has said all it can (a BaseException, so a page's `except Exception` does not swallow it)."""


def stop_page() -> NoReturn:
    raise PageStopped
