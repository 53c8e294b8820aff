"""The Train page (Streamlit's AppTest)."""

import re

from tests.app.helpers import links, open_page, texts, with_sample


def test_train_page_infers_the_problem_type_of_the_suggested_target(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "titanic")
    at.switch_page("pages/train.py")
    at.run()
    assert not at.exception
    assert "Problem type inferred: **binary**" in texts(at)


def test_train_page_shows_the_finished_run_and_its_leaderboard(trained, monkeypatch):
    at = open_page("pages/train.py", trained.root, monkeypatch)
    assert "Succeeded" in texts(at)
    assert re.search(r"\d+ s (of a|for a) \d+ s (training )?budget", texts(at))  # time used, against the budget
    assert ("Next: see how good this model is (Evaluate)", "evaluate") in links(at)  # not a dead end
    target = next(s for s in at.selectbox if s.label.startswith("Column to predict"))
    assert target.value in ("survived", "price", "species")  # the dataset's last run's target, not its last column
    boards = [d.value for d in at.dataframe if any(str(c).startswith("validation ") for c in d.value.columns)]
    assert boards and "WeightedEnsemble_L2" in set(boards[0]["model"])


def test_train_page_shows_a_preflight_check_and_warns_of_a_short_budget(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "penguins")
    at.switch_page("pages/train.py")
    at.run()
    assert "Pre-flight check" in texts(at)
    assert "344 rows × 6 input columns" in texts(at)
    assert "GPU: none used; every model trains on the CPU." in texts(at)
    # the default: the auto plan, said in one line, and the model retrained on every row afterwards
    assert at.radio(key="train.preset").value == "auto" and at.checkbox(key="train.refit").value
    assert "Plan: Auto: 275 rows × 6 columns, 60 s on" in texts(at) and "kept to retrain on every row" in texts(at)
    # the test split is sized automatically (issue 30) and the check says how many rows; a chosen share is kept
    assert at.select_slider(key="train.test_split").value == "auto"
    assert "Test split: 69 of the 344 rows with a target (20%)" in texts(at) and "sized automatically" in texts(at)
    at.select_slider(key="train.test_split").set_value(0.3).run()
    assert "Test split: 104 of the 344 rows with a target (30%), kept aside to measure the model (as you chose)" \
        in texts(at)
    at.checkbox(key="train.refit").uncheck().run()
    assert "no retraining on every row" in texts(at)
    at.radio(key="train.preset").set_value("best")
    at.run()
    assert any("short for the Best preset" in w.value for w in at.warning)


def test_train_asks_for_the_target_when_none_was_chosen_and_warns_of_an_unsaved_recipe(tmp_path, monkeypatch):
    from automl.data import datasets
    from automl.data.cleaning import Recipe
    from automl.data.steps import DropColumns
    from automl.store.workspace import Workspace
    from tests.helpers import SAMPLES

    ws = Workspace(tmp_path / "ws")
    info, _ = datasets.import_table(ws, SAMPLES / "penguins.csv")  # uploaded: nothing suggests a target
    at = open_page("pages/train.py", tmp_path / "ws", monkeypatch)
    assert "Choose the column to predict" in texts(at)
    assert "Problem type inferred" not in texts(at)  # no guess from the last column
    datasets.save_draft(ws, info.id, Recipe((DropColumns(("island",)),)))
    at.run()
    assert any("not saved as a dataset version" in w.value for w in at.warning)


def test_an_unreachable_ray_cluster_is_said_in_the_preflight_and_training_stays_possible_here(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOML_STUDIO_RAY_ADDRESS", "127.0.0.1:1")  # the operator's setting
    at = with_sample(tmp_path, monkeypatch, "titanic")
    at.switch_page("pages/train.py")
    at.run()
    assert not at.exception
    assert any("Cannot reach the Ray cluster at 127.0.0.1:1" in e.value for e in at.error)
    at.checkbox(key="train.ray").uncheck().run()
    assert "Runs on this machine" in texts(at) and not at.error


def test_no_page_takes_a_cluster_address_from_its_user(tmp_path, monkeypatch):
    """Issue 28, 7: a typed address made the server connect anywhere (a port scanner), and a job would have
    shipped the rows and the model there. The cluster is the operator's setting; with none, nothing is offered."""
    monkeypatch.delenv("AUTOML_STUDIO_RAY_ADDRESS", raising=False)
    at = with_sample(tmp_path, monkeypatch, "titanic")
    for page in ("pages/train.py", "pages/predict.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception
        assert not [t for t in at.text_input if "ray" in str(t.key) or "Ray" in str(t.label)]
        assert not [c for c in at.checkbox if "ray" in str(c.key)]


def test_a_finished_run_says_in_words_what_was_fitted_and_whether_it_was_retrained(trained, tmp_path, monkeypatch):
    from tests.helpers import copy_workspace

    root = copy_workspace(trained.root, tmp_path / "ws")
    at = open_page("pages/train.py", root, monkeypatch)
    at.selectbox(key=[s.key for s in at.selectbox if s.label == "Show run"][0]).select(trained.binary_run).run()
    shown = texts(at)
    assert "model(s) fitted:" in shown
    assert "Retrained on every row, as asked." in shown or "Not retrained on every row:" in shown
