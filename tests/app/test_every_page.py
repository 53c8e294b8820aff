"""Every page renders, on an empty workspace and with finished runs (Streamlit's AppTest)."""

import pytest

from tests.app.helpers import PAGES, open_page, texts


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_an_empty_workspace(page, tmp_path, monkeypatch):
    at = open_page(page, tmp_path / "ws", monkeypatch)
    assert at.title, "every page has a title"
    if page in ("pages/evaluate.py", "pages/explain.py", "pages/predict.py"):
        assert "No finished run yet" in texts(at)
    if page in ("pages/train.py", "pages/clean.py"):
        assert "No dataset yet" in texts(at)
    if page == "pages/runs.py":
        assert "No run yet" in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_finished_runs(page, trained, monkeypatch):
    at = open_page(page, trained.root, monkeypatch)
    assert at.title
