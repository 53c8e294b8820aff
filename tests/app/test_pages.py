"""Every page renders with an empty workspace and with finished runs (Streamlit's AppTest)."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import REPO, SAMPLES

PAGES = ["pages/home.py", "pages/data.py", "pages/clean.py", "pages/train.py", "pages/runs.py",
         "pages/evaluate.py", "pages/explain.py", "pages/predict.py"]


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


def test_home_says_what_the_app_does_and_offers_samples(tmp_path, monkeypatch):
    at = open_page("pages/home.py", tmp_path / "ws", monkeypatch)
    assert "trains and tunes models" in texts(at)
    labels = [b.label for b in at.button]
    assert {"Use titanic", "Use penguins", "Use diamonds"} <= set(labels)


def test_picking_a_sample_stores_it_and_shows_its_columns(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "penguins")
    assert not at.exception
    assert (tmp_path / "ws" / "datasets").iterdir().__next__().joinpath("data.parquet").exists()
    assert len(at.dataframe) == 2  # preview and column profile
    profile = at.dataframe[1].value
    assert profile.set_index("column").loc["sex", "missing"] == 11


def test_train_page_infers_the_problem_type_of_the_suggested_target(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "titanic")
    at.switch_page("pages/train.py")
    at.run()
    assert not at.exception
    assert "Problem type inferred: **binary**" in texts(at)


def test_train_page_shows_the_finished_run_and_its_leaderboard(trained, monkeypatch):
    at = open_page("pages/train.py", trained.root, monkeypatch)
    assert "Succeeded" in texts(at)
    target = next(s for s in at.selectbox if s.label.startswith("Column to predict"))
    assert target.value in ("survived", "price", "species")  # the dataset's last run's target, not its last column
    boards = [d.value for d in at.dataframe if any(str(c).startswith("validation ") for c in d.value.columns)]
    assert boards and "WeightedEnsemble_L2" in set(boards[0]["model"])


def test_evaluate_page_shows_the_charts_of_each_problem_type(trained, monkeypatch):
    at = open_page("pages/evaluate.py", trained.root, monkeypatch)
    at.selectbox(key="evaluate.run").select(trained.regression_run)
    at.run()
    assert any(m.label.startswith("RMSE") for m in at.metric)
    assert len(at.get("plotly_chart")) == 6  # predicted vs actual, residuals, histogram, by decile, leaderboard, Pareto
    at.selectbox(key="evaluate.run").select(trained.binary_run)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(m.label.startswith("Accuracy") for m in at.metric)
    assert len(at.get("plotly_chart")) == 7  # confusion, ROC, PR, calibration, gain, leaderboard, Pareto
    slices = next(d.value for d in at.dataframe if "group" in d.value.columns)
    assert slices["rows"].sum() == 262
    at.selectbox(key="evaluate.run").select(trained.multiclass_run)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.get("plotly_chart")) == 6  # counts, shares, per class, one-vs-rest ROC, leaderboard, Pareto
    per_class = next(d.value for d in at.dataframe if "support" in d.value.columns)
    assert set(per_class["class"]) == {"Adelie", "Chinstrap", "Gentoo"}


def test_a_saved_threshold_changes_later_predictions(trained, tmp_path, monkeypatch):
    import shutil

    import pandas as pd

    from automl.model.bundle import load_bundle, load_predictor
    from automl.model.prediction import predict_frame
    from automl.store.workspace import Workspace

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    rows = pd.read_csv(SAMPLES / "titanic.csv")
    bundle = load_bundle(ws, trained.binary_run)
    before, _ = predict_frame(load_predictor(bundle), bundle, rows)
    at = open_page("pages/evaluate.py", root, monkeypatch)
    at.selectbox(key="evaluate.run").select(trained.binary_run)
    at.run()
    at.slider(key=f"evaluate.threshold.{trained.binary_run}").set_value(0.9)
    at.run()
    at.button(key="evaluate.save_threshold").click()
    at.run()
    assert not at.exception
    bundle = load_bundle(ws, trained.binary_run)
    assert bundle.threshold == 0.9
    after, _ = predict_frame(load_predictor(bundle), bundle, rows)  # the signature still verifies
    assert (after["prediction"] == "yes").sum() < (before["prediction"] == "yes").sum()
    assert ((after["proba_yes"] >= 0.9) == (after["prediction"] == "yes")).all()


def test_the_suggested_threshold_is_tuned_on_validation_rows_not_the_test_split(trained, tmp_path, monkeypatch):
    import shutil

    import pandas as pd

    from automl.model import threshold
    from automl.model.bundle import load_bundle
    from automl.store.workspace import Workspace

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.binary_run)
    val = threshold.validation_predictions(bundle)
    assert val is not None and val["source"].iloc[0] in ("validation", "out-of-fold")
    assert val["model"].iloc[0] == bundle.deployed_model
    test_rows = len(pd.read_parquet(bundle.files.test_predictions))
    assert len(val) != test_rows and set(val["actual"]) == {0, 1}
    expected = threshold.suggest_threshold(val, "f1")
    at = open_page("pages/evaluate.py", root, monkeypatch)
    at.selectbox(key="evaluate.run").select(trained.binary_run)
    at.run()
    shown = " ".join(c.value for c in at.caption)
    assert f"Suggested: **{expected['threshold']:.3f}**" in shown and "(not the test split)" in shown
    assert "On the test split at this threshold" in shown
    at.button(key="evaluate.save_suggested").click()
    at.run()
    assert not at.exception
    assert load_bundle(ws, trained.binary_run).threshold == pytest.approx(expected["threshold"])


def test_what_if_prediction_moves_with_the_inputs_and_is_explained(trained, monkeypatch):
    at = open_page("pages/predict.py", trained.root, monkeypatch)
    at.selectbox(key="predict.run").select(trained.binary_run)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    predicted = [m for m in at.metric if m.label == "Predicted survived"]
    assert predicted and predicted[0].value in ("yes", "no")
    assert len(at.get("plotly_chart")) == 1, "the row's waterfall explanation"
    before = [c.value for c in at.caption if "pushes" in c.value or "pulls" in c.value]
    at.selectbox(key=f"predict.{trained.binary_run}.sex").select("female")
    at.selectbox(key=f"predict.{trained.binary_run}.passengerClass").select("1st")
    at.run()
    assert not at.exception
    assert [m for m in at.metric if m.label == "Predicted survived"][0].value == "yes"
    after = [c.value for c in at.caption if "pushes" in c.value or "pulls" in c.value]
    assert after != before


def test_predict_names_the_chosen_model_and_scores_a_compressed_file_as_training_read_it(trained, tmp_path,
                                                                                        monkeypatch):
    import gzip
    import shutil

    import pandas as pd

    from automl.model import deploy
    from automl.model.bundle import load_bundle, load_predictor
    from automl.store.workspace import Workspace

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.binary_run)
    predictor = load_predictor(bundle)
    other = next(m for m in predictor.model_names() if m != bundle.autogluon_best and "Ensemble" not in m)
    deploy.deploy_model(ws, bundle, predictor, other)
    at = open_page("pages/predict.py", root, monkeypatch)
    at.selectbox(key="predict.run").select(trained.binary_run)
    at.run()
    assert any(f"with {other}" in c.value for c in at.caption), "the model in use, not AutoGluon's best"
    raw = (SAMPLES / "titanic.csv").read_bytes()
    at.file_uploader(key=f"predict.batch.{trained.binary_run}").upload("titanic.csv.gz", gzip.compress(raw),
                                                                        "application/gzip")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any("1309 row(s) scored." in c.value for c in at.caption)
    assert not any("could not be read" in c.value for c in at.caption)
    scored = next((root / "predictions").rglob("output.csv"))
    expected = pd.read_parquet(load_bundle(ws, trained.binary_run).files.test_predictions)
    out = pd.read_csv(scored)
    assert out["prediction"].to_numpy()[expected["row"].to_numpy()].tolist() == expected["prediction"].tolist()


def test_a_model_tampered_with_while_the_page_keeps_it_is_refused_not_used(trained, tmp_path, monkeypatch):
    import shutil

    from automl.model.bundle import load_bundle
    from automl.store.workspace import Workspace

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    at = open_page("pages/predict.py", root, monkeypatch)
    at.selectbox(key="predict.run").select(trained.binary_run)
    at.run()
    assert [m for m in at.metric if m.label == "Predicted survived"]
    bundle = load_bundle(Workspace(root), trained.binary_run)
    model_file = next(p for p in bundle.files.predictor.rglob("model.pkl"))
    model_file.write_bytes(model_file.read_bytes() + b"\x00")  # swapped under the server's cached predictor
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.error and "was changed or removed after signing" in at.error[0].value
    assert not [m for m in at.metric if m.label == "Predicted survived"]


def test_shrink_from_the_evaluate_page_runs_as_a_job_and_shows_before_and_after(trained, tmp_path, monkeypatch):
    import shutil

    from automl.store.workspace import Workspace
    from tests.helpers import wait_for

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    at = open_page("pages/evaluate.py", root, monkeypatch)
    at.selectbox(key="evaluate.run").select(trained.binary_run)
    at.run()
    at.button(key="evaluate.shrink").click()
    at.run(timeout=60)
    assert not at.exception, [e.message for e in at.exception]
    ws = Workspace(root)
    (job,) = ws.list_jobs(kind="shrink", run_id=trained.binary_run)
    assert wait_for(ws, job.id).status == "succeeded"
    at.run(timeout=60)
    assert "Shrink for deployment: before and after" in texts(at)


def test_evaluate_leads_with_a_verdict_against_the_simplest_guess(trained, monkeypatch):
    at = open_page("pages/evaluate.py", trained.root, monkeypatch)
    at.selectbox(key="evaluate.run").select(trained.binary_run)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    verdict = at.info[0].value
    assert verdict.startswith("The model is right on") and 'always answering "no"' in verdict
    assert 'It finds' in verdict and '"yes" rows' in verdict
    accuracy = next(m for m in at.metric if m.label.startswith("Accuracy"))
    assert accuracy.proto.delta.endswith(" vs guessing") and 'guess (always "no") scores' in accuracy.proto.help
    at.selectbox(key="evaluate.run").select(trained.regression_run)
    at.run()
    assert "always guessing the average" in at.info[0].value


def test_the_target_chosen_on_data_is_the_one_clean_and_train_start_from(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "penguins")
    from automl.store.workspace import Workspace

    (dataset,) = Workspace(tmp_path / "ws").list_datasets()
    at.selectbox(key=f"data.target.{dataset.id}").select("island")
    at.run()
    at.switch_page("pages/clean.py")
    at.run()
    assert at.selectbox(key=f"clean.label.{dataset.id}").value == "island"
    at.switch_page("pages/train.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key=f"train.label.{dataset.id}").value == "island"
    at.selectbox(key=f"train.label.{dataset.id}").select("species")  # changed on Train: Data follows
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    assert at.selectbox(key=f"data.target.{dataset.id}").value == "species"


def test_a_dataset_is_deleted_from_the_data_page_after_confirming(tmp_path, monkeypatch):
    from automl.store.workspace import Workspace

    at = with_sample(tmp_path, monkeypatch, "penguins")
    assert not at.exception
    (dataset,) = Workspace(tmp_path / "ws").list_datasets()
    assert at.button(key="data.delete").disabled
    at.checkbox(key=f"data.confirm_delete.{dataset.id}").check()
    at.run()
    at.button(key="data.delete").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert Workspace(tmp_path / "ws").list_datasets() == []
    assert "No dataset yet" in texts(at)


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
    at = with_sample(tmp_path, monkeypatch, "titanic")
    assert "looks like an identifier" in texts(at)
    next(b for b in at.button if b.label == "Exclude").click()
    at.run()
    assert not at.exception
    assert "Left out of training." in texts(at)
    at.switch_page("pages/train.py")
    at.run()
    excluded = next(m for m in at.multiselect if m.label == "Columns to leave out")
    assert excluded.value == ["name"]


def test_clean_page_adds_reorders_edits_undoes_and_saves_a_version(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "titanic")
    at.switch_page("pages/clean.py")
    at.run()
    assert "cleaning is optional" in texts(at) and "No steps yet." in texts(at)

    at.selectbox(key="clean.kind").select("fill_missing")
    at.run()
    at.selectbox(key="clean.form.fill_missing.None.column").select("age")
    at.button(key="clean.add").click()
    at.run()
    at.selectbox(key="clean.kind").select("drop_columns")
    at.run()
    at.multiselect(key="clean.form.drop_columns.None.columns").select("name")
    at.button(key="clean.add").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    steps = [m.value for m in at.markdown if m.value.startswith("**")]
    assert steps[:2] == ["**1.** Fill missing `age` with the median", "**2.** Drop `name`"]
    assert "**Removed:** `name`" in texts(at) and "**Changed:** `age`" in texts(at)

    at.button(key="clean.up.1").click()
    at.run()
    assert [m.value for m in at.markdown if m.value.startswith("**")][0] == "**1.** Drop `name`"
    at.button(key="clean.undo").click()
    at.run()
    assert [m.value for m in at.markdown if m.value.startswith("**")][0].startswith("**1.** Fill missing")

    at.button(key="clean.edit.0").click()
    at.run()
    at.selectbox(key="clean.form.fill_missing.0.strategy").select("mean")
    at.button(key="clean.save").click()
    at.run()
    assert [m.value for m in at.markdown if m.value.startswith("**")][0] == "**1.** Fill missing `age` with the mean"

    at.button(key="clean.save_version").click()
    at.run()
    assert not at.exception
    assert any("cleaned v1" in s.value for s in at.success)


def test_an_alert_fix_opens_the_clean_page_with_its_step(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "titanic")
    next(b for b in at.button if b.label == "Fix in Clean").click()
    at.run()
    assert not at.exception
    assert "**1.** Drop `name`" in texts(at)


def test_runs_page_lists_compares_and_deletes(trained, tmp_path, monkeypatch):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    at = open_page("pages/runs.py", root, monkeypatch)
    table = at.dataframe[0].value
    assert set(table["run"]) == {trained.binary_run, trained.regression_run, trained.multiclass_run}
    assert set(table["status"]) == {"succeeded"}
    diff = next(d.value for d in at.dataframe if "setting" in d.value.columns)
    assert diff.set_index("setting").loc["label", "differs"]  # survived vs price
    at.toggle(key="runs.only_diff").set_value(True)
    at.run()
    diff = next(d.value for d in at.dataframe if "setting" in d.value.columns)
    assert diff["differs"].all()
    at.checkbox(key=f"runs.confirm.{table['run'].iloc[0]}").check()
    at.run()
    at.button(key="runs.delete").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.dataframe[0].value) == 2
    assert not (root / "runs" / table["run"].iloc[0]).exists()


def test_train_page_shows_a_preflight_check_and_warns_of_a_short_budget(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "penguins")
    at.switch_page("pages/train.py")
    at.run()
    assert "Pre-flight check" in texts(at)
    assert "344 rows × 6 input columns" in texts(at)
    assert "GPU: none used; every model trains on the CPU." in texts(at)
    at.radio(key="train.preset").set_value("best")
    at.run()
    assert any("short for the Best preset" in w.value for w in at.warning)


def test_identifier_and_leak_alerts_are_left_out_by_default_unless_included(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "titanic")
    at.switch_page("pages/train.py")
    at.run()
    assert next(m for m in at.multiselect if m.label == "Columns to leave out").value == ["name"]
    at.switch_page("pages/data.py")
    at.run()
    next(b for b in at.button if b.label == "Exclude").click()
    at.run()
    next(b for b in at.button if b.label == "Include").click()  # the user wants it in after all
    at.run()
    at.switch_page("pages/train.py")
    at.run()
    assert next(m for m in at.multiselect if m.label == "Columns to leave out").value == []


def test_choosing_another_leaderboard_model_rescores_and_predicts_with_it(trained, tmp_path, monkeypatch):
    import shutil

    from automl.model.bundle import load_bundle

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    at = open_page("pages/evaluate.py", root, monkeypatch)
    at.selectbox(key="evaluate.run").select(trained.binary_run)
    at.run()
    assert len(at.get("plotly_chart")) == 7  # ... leaderboard and its Pareto chart
    other = next(m for m in at.selectbox(key=f"evaluate.deploy.{trained.binary_run}").options
                 if m != "WeightedEnsemble_L2")
    at.selectbox(key=f"evaluate.deploy.{trained.binary_run}").select(other)
    at.run()
    at.button(key="evaluate.deploy").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    from automl.store.workspace import Workspace

    bundle = load_bundle(Workspace(root), trained.binary_run)
    assert bundle.deployed_model == other and bundle.metrics.deployed_model == other
    assert f"model in use: **{other}**" in texts(at)


def test_an_optional_password_keeps_the_app_closed_until_given(tmp_path, monkeypatch):
    from automl.serving import access

    clock = [1000.0]
    monkeypatch.setattr(access.time, "monotonic", lambda: clock[0])
    access.forget_failures("client:unknown")
    monkeypatch.setenv("AUTOML_STUDIO_PASSWORD", "s3cret")
    monkeypatch.setenv("AUTOML_STUDIO_HOME", str(tmp_path / "ws"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    assert "trains and tunes models" not in texts(at), "nothing of the app shows before signing in"

    def sign_in(password: str) -> None:
        at.text_input(key="app.password").input(password)
        next(b for b in at.button if b.label == "Sign in").click()
        at.run()

    sign_in("wrong")
    assert at.error and at.error[0].value == "Wrong password."
    sign_in("s3cret")  # at once: the next try waits, even with the right password
    assert at.error and "Too many failed attempts: try again in 1 s" in at.error[0].value
    assert "trains and tunes models" not in texts(at)
    clock[0] += 1.5
    sign_in("wrong")
    clock[0] += 1.0  # the second failure doubles the wait to 2 s
    sign_in("s3cret")
    assert "try again in 1 s" in at.error[0].value
    clock[0] += 1.5
    sign_in("s3cret")
    assert not at.exception
    assert "trains and tunes models" in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_asks_for_the_password_even_when_opened_alone(page, tmp_path, monkeypatch):
    """`streamlit run app.py` serves pages/ as old-style pages when a page URL comes first: each page runs
    without app.py, so each page must check the password itself."""
    monkeypatch.setenv("AUTOML_STUDIO_PASSWORD", "s3cret")
    monkeypatch.setenv("AUTOML_STUDIO_HOME", str(tmp_path / "ws"))
    # the page's own code alone, with the repository (not pages/) importable, as Streamlit runs it
    at = AppTest.from_string(f"import runpy\nrunpy.run_path({str(REPO / page)!r}, run_name='__main__')",
                             default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.text_input(key="app.password") is not None
    assert [t.value for t in at.title] == ["AutoML Studio"], "only the sign-in form renders"
    assert not at.button or [b.label for b in at.button] == ["Sign in"]


def test_password_comparison():
    import os

    from automl.serving.access import check_password

    os.environ.pop("AUTOML_STUDIO_PASSWORD", None)
    assert check_password("anything")
    os.environ["AUTOML_STUDIO_PASSWORD"] = "pa55"
    try:
        assert check_password("pa55") and not check_password("pa5") and not check_password("")
    finally:
        del os.environ["AUTOML_STUDIO_PASSWORD"]
