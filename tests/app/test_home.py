"""The Home page (Streamlit's AppTest)."""

from tests.app.helpers import open_page, texts


def test_home_says_what_the_app_does_and_offers_samples(tmp_path, monkeypatch):
    at = open_page("pages/home.py", tmp_path / "ws", monkeypatch)
    assert "trains and tunes models" in texts(at)
    labels = [b.label for b in at.button]
    assert {"Use titanic", "Use penguins", "Use diamonds"} <= set(labels)
