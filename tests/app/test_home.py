"""The Home page (Streamlit's AppTest)."""

from tests.app.helpers import links, open_page, texts


def test_home_says_what_the_app_does_and_offers_samples(tmp_path, monkeypatch):
    at = open_page("pages/home.py", tmp_path / "ws", monkeypatch)
    assert "trains and tunes models" in texts(at)
    labels = [b.label for b in at.button]
    assert {"Use titanic", "Use penguins", "Use diamonds"} <= set(labels)
    shown = links(at)
    assert shown[0] == ("Upload your own data", "data")  # not only samples
    assert [page for _, page in shown[1:]] == ["data", "clean", "train", "evaluate", "explain", "predict", "deploy",
                                                  "monitor"]



def test_the_sidebar_names_the_table_and_model_in_words_not_ids(trained):
    """What the sidebar writes for the active table and run (AppTest does not see `with st.sidebar` content
    under `st.navigation`; the browser does: test-artifacts/page_speed/*.png)."""
    from automl.store.workspace import Workspace
    from ui.widgets import sidebar_dataset, sidebar_run

    ws = Workspace(trained.root)
    run = ws.get_run(trained.binary_run)
    from automl.training.runs import run_name

    assert sidebar_run(ws, run.id) == f"{run_name(run)} · not deployed"
    assert f"test ROC AUC {run.test_value:.3f}" in sidebar_run(ws, run.id)
    assert sidebar_dataset(ws, run.dataset_id) == "titanic.csv (1,309 rows)"
    assert sidebar_run(ws, None) is None and sidebar_run(ws, "run-gone") is None
    assert sidebar_dataset(ws, "ds-gone") is None


def test_the_sidebar_says_whether_the_model_in_view_is_the_deployed_one(trained, tmp_path):
    """Issue 29, 2: after a refresh a model that was not deployed was in front of the user, with no word."""
    import shutil

    from automl.serving import deployments
    from automl.store.workspace import Workspace
    from ui.widgets import sidebar_run

    ws = Workspace(shutil.copytree(trained.root, tmp_path / "ws"))
    deployments.deploy(ws, trained.binary_run, "survival")
    assert sidebar_run(ws, trained.binary_run).endswith("· deployed as survival")
    assert sidebar_run(ws, trained.split_only_run).endswith("· not deployed")
