"""Ending a page early without ending the app's script run.

Pages call `stop_page()` where a Streamlit page would call `st.stop()`. `st.stop()` ends the whole script
run: every Streamlit call after it stops too, so the sidebar that `app.py` fills once the page has run (the
table and model in use, where work is kept) would stay empty on any page that stopped early (Train before a
target is chosen, Evaluate before a run exists, ...). Under `app.py` (`running_pages()`), `stop_page()`
raises `PageStopped`, which `app.py` catches around the page: the page ends there and the sidebar is still
drawn. A page run on its own (Streamlit's AppTest switches to a page's file directly) stops with `st.stop()`.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator, NoReturn

import streamlit as st

__all__ = ["PageStopped", "stop_page", "running_pages"]

_here = threading.local()  # each session's script runs in its own thread


class PageStopped(BaseException):
    """The page has said all it can (a BaseException, so a page's `except Exception` does not swallow it)."""


@contextmanager
def running_pages() -> Iterator[None]:
    """`app.py` runs the page in here and catches `PageStopped`."""
    _here.active = True
    try:
        yield
    finally:
        _here.active = False


def stop_page() -> NoReturn:
    if getattr(_here, "active", False):
        raise PageStopped
    st.stop()
    raise AssertionError("st.stop() returned")  # outside a script run (never in the app)
