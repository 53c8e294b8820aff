"""Every page renders with an empty workspace and with finished runs (Streamlit's AppTest)."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import REPO

PAGES = ["pages/home.py", "pages/data.py", "pages/train.py", "pages/evaluate.py", "pages/explain.py",
         "pages/predict.py"]


def open_page(page: str, workspace, monkeypatch) -> AppTest:
    monkeypatch.setenv("AUTOML_STUDIO_HOME", str(workspace))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    if page != "pages/home.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [i.value for i in at.info] + [c.value for c in at.caption]
    parts += [t.value for t in at.title] + [s.value for s in at.subheader] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_an_empty_workspace(page, tmp_path, monkeypatch):
    at = open_page(page, tmp_path / "ws", monkeypatch)
    assert at.title, "every page has a title"
    if page in ("pages/evaluate.py", "pages/explain.py", "pages/predict.py"):
        assert "No finished run yet" in texts(at)
    if page == "pages/train.py":
        assert "No dataset yet" in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_finished_runs(page, trained, monkeypatch):
    at = open_page(page, trained.root, monkeypatch)
    assert at.title


def test_home_says_what_the_app_does_and_offers_samples(tmp_path, monkeypatch):
    at = open_page("pages/home.py", tmp_path / "ws", monkeypatch)
    assert "trains and tunes models" in texts(at)
    labels = [b.label for b in at.button]
    assert {"Use titanic", "Use penguins", "Use diamonds"} <= set(labels)


def test_picking_a_sample_stores_it_and_shows_its_columns(tmp_path, monkeypatch):
    at = open_page("pages/data.py", tmp_path / "ws", monkeypatch)
    at.selectbox(key="data.sample").select("penguins")
    at.button(key="data.use_sample").click()
    at.run()
    assert not at.exception
    assert (tmp_path / "ws" / "datasets").iterdir().__next__().joinpath("data.parquet").exists()
    assert len(at.dataframe) == 2  # preview and column profile
    profile = at.dataframe[1].value
    assert profile.set_index("column").loc["sex", "missing"] == 11


def test_train_page_infers_the_problem_type_of_the_suggested_target(tmp_path, monkeypatch):
    at = open_page("pages/data.py", tmp_path / "ws", monkeypatch)
    at.selectbox(key="data.sample").select("titanic")
    at.button(key="data.use_sample").click()
    at.run()
    at.switch_page("pages/train.py")
    at.run()
    assert not at.exception
    assert "Problem type inferred: **binary**" in texts(at)


def test_train_page_shows_the_finished_run_and_its_leaderboard(trained, monkeypatch):
    at = open_page("pages/train.py", trained.root, monkeypatch)
    assert "Succeeded" in texts(at)
    target = next(s for s in at.selectbox if s.label.startswith("Column to predict"))
    assert target.value in ("survived", "price")  # the target of the dataset's last run, not its last column
    boards = [d.value for d in at.dataframe if any(str(c).startswith("validation ") for c in d.value.columns)]
    assert boards and "WeightedEnsemble_L2" in set(boards[0]["model"])


def test_evaluate_page_shows_metrics_and_charts(trained, monkeypatch):
    at = open_page("pages/evaluate.py", trained.root, monkeypatch)
    labels = [m.label for m in at.metric]
    assert any(label.startswith("Accuracy") for label in labels) or any(label.startswith("RMSE") for label in labels)
    assert len(at.get("plotly_chart")) == 2


def test_predict_form_gives_a_prediction_with_probabilities(trained, monkeypatch):
    at = open_page("pages/predict.py", trained.root, monkeypatch)
    at.selectbox(key="predict.run").select(trained.binary_run)
    at.run()
    next(b for b in at.button if b.label == "Predict").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    predicted = [m for m in at.metric if m.label == "Predicted survived"]
    assert predicted and predicted[0].value in ("yes", "no")


def test_a_bad_upload_shows_one_line_and_the_app_keeps_working(tmp_path, monkeypatch):
    at = open_page("pages/data.py", tmp_path / "ws", monkeypatch)
    at.file_uploader(key="data.upload").upload("garbage.csv", bytes(range(256)) * 20, "text/csv")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.error and "binary" in at.error[0].value
    assert not list((tmp_path / "ws" / "datasets").iterdir()), "nothing is stored"
    at.file_uploader(key="data.upload").upload("ok.csv", b"a;b;c\n1;x;$1,000\n2;y;$2,500\n3;x;$300\n", "text/csv")
    at.run()
    assert not at.exception
    assert any("Stored ok.csv: 3 rows" in s.value for s in at.success)
    assert "`c`: text read as number (thousands separators, currency symbols)." in texts(at)


def test_alerts_offer_to_exclude_a_column_and_train_starts_from_it(tmp_path, monkeypatch):
    at = open_page("pages/data.py", tmp_path / "ws", monkeypatch)
    at.selectbox(key="data.sample").select("titanic")
    at.button(key="data.use_sample").click()
    at.run()
    assert "looks like an identifier" in texts(at)
    next(b for b in at.button if b.label == "Exclude").click()
    at.run()
    assert not at.exception
    assert "Left out of training." in texts(at)
    at.switch_page("pages/train.py")
    at.run()
    excluded = next(m for m in at.multiselect if m.label == "Columns to leave out")
    assert excluded.value == ["name"]
