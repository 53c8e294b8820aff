"""The Home page (Streamlit's AppTest)."""

from tests.app.helpers import links, open_page, texts


def test_home_says_what_the_app_does_and_offers_samples(tmp_path, monkeypatch):
    at = open_page("pages/home.py", tmp_path / "ws", monkeypatch)
    assert "trains and tunes models" in texts(at)
    labels = [b.label for b in at.button]
    assert {"Use titanic", "Use penguins", "Use diamonds"} <= set(labels)
    shown = links(at)
    assert shown[0] == ("Upload your own data", "data")  # not only samples
    assert [page for _, page in shown[1:]] == ["data", "clean", "train", "evaluate", "explain", "predict", "deploy"]
