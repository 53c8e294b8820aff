"""Opening the app's pages in Streamlit's AppTest, and reading what they show."""

from streamlit.testing.v1 import AppTest

from tests.helpers import REPO

PAGES = ["pages/home.py", "pages/data.py", "pages/clean.py", "pages/train.py", "pages/runs.py",
         "pages/evaluate.py", "pages/explain.py", "pages/predict.py", "pages/deploy.py", "pages/monitor.py"]


def open_page(page: str, workspace, monkeypatch) -> AppTest:
    monkeypatch.setenv("AUTOML_STUDIO_HOME", str(workspace))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    if page != "pages/home.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def with_sample(tmp_path, monkeypatch, sample: str) -> AppTest:
    """The Data page of an empty workspace after picking a sample dataset."""
    at = open_page("pages/data.py", tmp_path / "ws", monkeypatch)
    at.selectbox(key="data.sample").select(sample)
    at.button(key="data.use_sample").click()
    at.run()
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [i.value for i in at.info] + [c.value for c in at.caption]
    parts += [t.value for t in at.title] + [s.value for s in at.subheader] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def links(at: AppTest) -> list[tuple[str, str]]:
    """The page links shown: (label, page name)."""
    return [(link.proto.label, link.proto.page) for link in at.get("page_link")]
