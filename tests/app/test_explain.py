"""The Explain page (Streamlit's AppTest)."""

from tests.app.helpers import open_page, texts
from tests.helpers import copy_workspace


def test_explain_says_how_long_before_it_starts(trained, tmp_path, monkeypatch):
    root = copy_workspace(trained.root, tmp_path / "ws")
    at = open_page("pages/explain.py", root, monkeypatch)
    at.selectbox(key="explain.run").select(trained.binary_run).run()
    assert not at.exception, [e.message for e in at.exception]
    shown = texts(at)
    assert "Takes about " in shown and "for 200 rows (" in shown and "timed just now" in shown
    assert "No explanations for this run yet" in shown
    at.number_input(key="explain.rows").set_value(100).run()
    assert "for 100 rows (" in texts(at)
