"""Page timings for `benchmarks/page_speed.py`: with `AUTOML_STUDIO_PAGE_TIMING=FILE`, each script run
appends one JSON line (page, when it started and ended, the session's `bench` query parameter), so a
browser driving the app can tell when the page it opened was ready. Off by default: nothing is written."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from automl import settings

__all__ = ["timed_run"]


@contextmanager
def timed_run(page_title: str, started: float) -> Iterator[None]:
    path = settings.PAGE_TIMING.text()
    session = st.query_params.get("bench", "") if path else ""  # read now: after st.stop() any st call stops
    try:
        yield
    finally:
        if path:
            line = {"page": page_title, "started": started, "ended": time.time(), "session": session}
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")
