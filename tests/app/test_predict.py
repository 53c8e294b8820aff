"""The Predict page: one row and a batch file (Streamlit's AppTest)."""

import numpy as np

from tests.app.helpers import open_page, texts
from tests.helpers import SAMPLES


def test_what_if_prediction_moves_with_the_inputs_and_is_explained(trained, monkeypatch):
    at = open_page("pages/predict.py", trained.root, monkeypatch)
    at.selectbox(key="predict.run").select(trained.binary_run)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    predicted = [m for m in at.metric if m.label == "Predicted survived"]
    assert predicted and predicted[0].value in ("yes", "no")
    # the threshold tuned at training is the one the answer follows, and said so
    assert "(the decision threshold tuned at training for balanced accuracy on validation rows)" in texts(at)
    shares = [m.value for m in at.markdown if m.value.startswith("**yes** ") or m.value.startswith("**no** ")]
    assert shares and shares[0].count("%") == 2, "the probabilities as numbers beside the answer"
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

    from automl.model import choice
    from automl.model.bundle import load_bundle, load_predictor
    from automl.store.workspace import Workspace

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.binary_run)
    predictor = load_predictor(bundle)
    other = next(m for m in predictor.model_names() if m != bundle.autogluon_best and "Ensemble" not in m
                 and not m.endswith("_FULL"))
    choice.choose_model(ws, bundle, predictor, other)
    at = open_page("pages/predict.py", root, monkeypatch)
    at.selectbox(key="predict.run").select(trained.binary_run)
    at.run()
    assert any(f"({other})" in c.value and "with the model of" in c.value for c in at.caption), \
        "the model in use, not AutoGluon's best"
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
    rows = expected["row"].to_numpy()
    assert np.allclose(out["proba_yes"].to_numpy()[rows], expected["proba_yes"], atol=1e-6)
    threshold = load_bundle(ws, trained.binary_run).threshold  # tuned at training: answers follow it
    assert ((out["proba_yes"] >= threshold) == (out["prediction"] == "yes")).all()
    counts = out["prediction"].value_counts()
    summary = next(m.value for m in at.markdown if m.value.startswith("**1,309 rows predicted**"))
    assert all(f"{c}: {n:,}" in summary for c, n in counts.items()), summary  # how many of each answer
    preview = next(d.value for d in at.dataframe if "prediction" in d.value.columns)
    assert list(preview.columns[:3]) == ["prediction", "proba_no", "proba_yes"]  # the answers first


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


def test_predicting_through_a_deployment_records_the_form_and_the_batch_under_it(trained, tmp_path, monkeypatch):
    import shutil

    from automl.serving import deployments
    from automl.store.workspace import Workspace

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    deployments.deploy(ws, trained.binary_run, "survival")
    at = open_page("pages/predict.py", root, monkeypatch)
    at.selectbox(key="predict.via").select("survival")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Deployment **survival** serves run" in c.value for c in at.caption)
    assert [(s.source, s.rows, s.run_id) for s in ws.list_scorings("survival")] == [("form", 1, trained.binary_run)]
    at.run()  # the same row again: not counted twice
    assert len(ws.list_scorings("survival")) == 1
    at.text_input(key=f"predict.{trained.binary_run}.name").set_value("Someone Else").run()
    assert [s.source for s in ws.list_scorings("survival")] == ["form", "form"]
    raw = (SAMPLES / "titanic.csv").read_bytes()
    at.file_uploader(key=f"predict.batch.{trained.binary_run}").upload("titanic.csv", raw, "text/csv")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    batch = [s for s in ws.list_scorings("survival") if s.source == "batch"]
    assert len(batch) == 1 and batch[0].rows == 1309 and batch[0].detail["file"] == "titanic.csv"


def test_what_if_edits_are_kept_across_pages_until_reset(trained, monkeypatch):
    at = open_page("pages/predict.py", trained.root, monkeypatch)
    at.selectbox(key="predict.run").select(trained.binary_run)
    at.run()
    key = f"predict.{trained.binary_run}.age"
    typical = at.number_input(key=key).value
    at.number_input(key=key).set_value(71.0).run()
    at.switch_page("pages/evaluate.py")
    at.run()
    at.switch_page("pages/predict.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.number_input(key=key).value == 71.0, "the what-if edit survives a visit to another page"
    at.button(key=f"predict.reset.{trained.binary_run}").click().run()
    assert at.number_input(key=key).value == typical


def test_a_used_car_model_reads_as_cars_not_as_zero_one_columns(tmp_path_factory, monkeypatch):
    """The newcomer's used-car walk (issue 20): the typical row has a make, the make is one choice, a 0/1
    option is a box, whole numbers stay whole, the explanation names the make, and a batch row with 3 doors
    (training had 2 and 4) is told in the drift table and marked in the scored file."""
    import json

    import pandas as pd

    from automl.store.workspace import Workspace
    from automl.training.config import TrainConfig, start_training
    from tests.helpers import used_cars, wait_for

    root = tmp_path_factory.mktemp("cars") / "ws"
    ws = Workspace(root)
    dataset = ws.add_dataset(used_cars(), "cars.csv")
    run = start_training(ws, TrainConfig(dataset.id, "Price", time_limit=15, model_families=("GBM",)))
    assert wait_for(ws, run.id).status == "succeeded"
    at = open_page("pages/predict.py", root, monkeypatch)
    at.selectbox(key="predict.run").select(run.id)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    make = at.selectbox(key=f"predict.{run.id}.group0")
    assert make.label == "Buick / Cadillac / Chevy / …" and make.value == "Chevy"
    assert at.checkbox(key=f"predict.{run.id}.Cruise").label == "Cruise"
    doors = at.number_input(key=f"predict.{run.id}.Doors")
    assert doors.value in (2, 4) and isinstance(doors.value, int)
    assert not [n for n in at.number_input if n.key.endswith((".Saab", ".Chevy", ".sedan"))], "no 0/1 steppers"
    before = at.metric[0].value
    make.select("Cadillac").run()
    after = at.metric[0].value
    assert float(after.replace(",", "")) > float(before.replace(",", "")) + 5_000, (before, after)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    labels = figure["data"][0]["y"]
    assert "Buick / Cadillac / Chevy / … = Cadillac" in labels and not any(
        label.startswith(("Cadillac =", "Saab =")) for label in labels), labels
    sentence = next(c.value for c in at.caption if "pushes" in c.value)
    assert "e+" not in sentence and "Buick / Cadillac" in sentence, sentence

    batch = used_cars(40, seed=3).drop(columns=["Price"])
    batch.loc[[5, 9], "Doors"] = 3
    at.file_uploader(key=f"predict.batch.{run.id}").upload("more.csv", batch.to_csv(index=False).encode(), "text/csv")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    drift = next(d.value for d in at.dataframe if "shift" in d.value.columns).set_index("column")
    assert "psi" not in drift.columns and "unseen" not in drift.columns  # in words
    assert drift.loc["Doors", "status"] != "stable" and "training never had, inside its range: 3" in \
        drift.loc["Doors", "detail"]
    assert any("2 row(s) hold a value training never saw" in w.value for w in at.warning)
    scored = pd.read_csv(next((root / "predictions").rglob("output.csv")), keep_default_na=False)
    marked = scored.index[scored["unusual_inputs"] != ""].tolist()
    assert marked == [5, 9] and scored.loc[5, "unusual_inputs"] == "Doors a value training never had"
