"""Pages end early with `ui.flow.stop_page()`, never `st.stop()`: after `st.stop()` every Streamlit call of
the run stops too, so the sidebar `app.py` draws after the page would stay empty (the browser journey checks
the sidebar on a page that ended early)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _stop_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == "stop"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "st"]


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "pages").glob("*.py")))
def test_no_page_calls_st_stop(page):
    assert _stop_calls(ROOT / "pages" / page) == [], f"pages/{page}: use ui.flow.stop_page()"


def test_stop_page_is_not_caught_by_a_pages_except_exception():
    from ui.flow import PageStopped, running_pages, stop_page

    with pytest.raises(PageStopped), running_pages():
        try:
            stop_page()
        except Exception:  # noqa: BLE001 - what a page's broad handler would do
            pytest.fail("a page's `except Exception` swallowed the stop")


def test_a_page_run_on_its_own_stops_as_streamlit_does(monkeypatch):
    """Outside app.py (AppTest switches to a page's file directly) nothing catches PageStopped: the page's
    script thread died with it. There it is `st.stop()`."""
    import streamlit as st

    from ui.flow import stop_page

    class Stopped(Exception):
        pass

    def stop():
        raise Stopped

    monkeypatch.setattr(st, "stop", stop)
    with pytest.raises(Stopped):
        stop_page()
