"""The Runs page (Streamlit's AppTest)."""

from tests.app.helpers import open_page


def test_runs_page_lists_compares_and_deletes(trained, tmp_path, monkeypatch):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    at = open_page("pages/runs.py", root, monkeypatch)
    table = at.dataframe[0].value
    assert set(table["run"]) == {trained.binary_run, trained.regression_run, trained.multiclass_run,
                                 trained.split_only_run}
    assert set(table["status"]) == {"succeeded"}
    diff = next(d.value for d in at.dataframe if "setting" in d.value.columns)
    assert diff.set_index("setting").loc["target", "differs"]  # survived vs price
    words = diff.set_index("setting")
    assert {"model in use", "time to predict 1,000 rows", "size of the model in use"} <= set(words.index)
    first, second = diff.columns[1], diff.columns[2]
    assert words.loc["preset", first] in ("Auto", "Fast", "Good", "Better", "Best")  # not medium_quality
    assert words.loc["time to predict 1,000 rows", first].endswith(" ms")
    assert "." not in words.loc["test score", second] or len(words.loc["test score", second]) <= 6  # 0.829, 1,656
    at.toggle(key="runs.only_diff").set_value(True)
    at.run()
    diff = next(d.value for d in at.dataframe if "setting" in d.value.columns)
    assert diff["differs"].all()
    at.checkbox(key=f"runs.confirm.{table['run'].iloc[0]}").check()
    at.run()
    at.button(key="runs.delete").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.dataframe[0].value) == 3
    assert not (root / "runs" / table["run"].iloc[0]).exists()


def test_runs_are_named_in_words_and_their_numbers_rounded(trained, monkeypatch):
    """A run is picked by what it is (target, preset, budget, when, score), not by its id alone; tables show
    1,656, not 1655.6446, and the metric by its name (issue 20)."""
    from automl.store.workspace import Workspace
    from automl.training.runs import run_name

    run = Workspace(trained.root).get_run(trained.regression_run)
    name = run_name(run)
    assert name.startswith("price · Auto, 30 s · ") and " · test RMSE " in name and "root_mean" not in name
    at = open_page("pages/runs.py", trained.root, monkeypatch)
    table = at.dataframe[0].value
    assert set(table["metric"]) <= {"ROC AUC", "RMSE", "Accuracy"}, table["metric"]
    value = table.loc[table["run"] == trained.regression_run, "test value"].iloc[0]
    assert value == f"{run.test_value:,.0f}", value  # an error of hundreds in whole units
