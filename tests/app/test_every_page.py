"""Every page renders, on an empty workspace and with finished runs (Streamlit's AppTest)."""

import re

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
    if page == "pages/deploy.py":
        assert "No finished run yet" in texts(at)
    if page == "pages/monitor.py":
        assert "Nothing to monitor yet" in texts(at)


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


# what each page shows of a workspace with three finished runs (titanic, diamonds, penguins)
SHOWS = {
    "pages/home.py": lambda at: re.search(r"Your workspace holds [1-9]\d* tables? and [1-9]\d* trained model runs?\.",
                                          texts(at)) and subheaders(at) == ["Start from a sample", "Steps"],
    "pages/data.py": lambda at: subheaders(at)[:4] == ["Alerts", "Preview", "Columns", "Distributions"]
    and [m.label for m in at.metric][:2] == ["Rows", "Columns"],
    "pages/clean.py": lambda at: subheaders(at) == ["Recipe", "Add a step"] and "No steps yet." in texts(at),
    "pages/train.py": lambda at: "Problem type inferred:" in texts(at) and "Pre-flight check" in texts(at)
    and "Run history" in subheaders(at),
    "pages/runs.py": lambda at: subheaders(at) == ["Open a run", "Compare two runs"] and len(at.dataframe) >= 1,
    "pages/evaluate.py": lambda at: at.info and any(m.label.endswith("★") for m in at.metric)
    and "Leaderboard" in subheaders(at),
    "pages/explain.py": lambda at: "No explanations for this run yet" in texts(at) or "SHAP values of" in texts(at),
    "pages/predict.py": lambda at: [m.label for m in at.metric][:1] in (["Predicted survived"], ["Predicted price"],
                                                                       ["Predicted species"])
    and "Predicts `" in texts(at),
    "pages/deploy.py": lambda at: "Deploy this run" in subheaders(at) and at.text_input(key="deploy.name").value,
    "pages/monitor.py": lambda at: "Nothing to monitor yet" in texts(at),  # the shared runs are not deployed
}


@pytest.mark.parametrize("page", PAGES)
def test_page_shows_what_it_is_for_with_finished_runs(page, trained, monkeypatch):
    at = open_page(page, trained.root, monkeypatch)
    assert at.title and SHOWS[page](at), texts(at)[:1500]
