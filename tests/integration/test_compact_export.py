"""The compact export (issue 33) on the shared runs: the regression and multiclass LightGBMs exported and
giving the app's answers, a model with text features refused with the reason, a parity failure refused, and
a cleaning recipe replayed by the exported scorer."""

import json

import numpy as np
import pandas as pd
import pytest

from automl.store.workspace import Workspace
from tests.helpers import SAMPLES, run_cli, wait_for

pytestmark = pytest.mark.integration


def _loaded(root, run_id):
    from automl.model.bundle import load_bundle, load_predictor

    bundle = load_bundle(Workspace(root), run_id)
    return bundle, load_predictor(bundle)


def _lightgbm(predictor) -> str:
    return next(m for m in predictor.model_names() if m.startswith("LightGBM"))


def _app_and_export(bundle, predictor, folder, csv_path, model, rows=300):
    """The app's answers (`read_file` -> `score_input`) and the export's on the first `rows` of a file."""
    from automl.model.inference import score_input
    from automl.model.model_input import read_file
    from automl.portable.scorer import Scorer, _read_csv

    frame = pd.read_csv(csv_path).head(rows)
    small = folder.parent / f"{folder.name}-rows.csv"
    frame.to_csv(small, index=False)
    X, _, _ = read_file(bundle.schema, small)
    app = score_input(predictor, bundle, X, model=model)
    header, cells = _read_csv(str(small))
    ours = Scorer(folder).predict_columns({h: [r[i] for r in cells] for i, h in enumerate(header)})
    return app, ours


def test_a_regression_lightgbm_exports_and_gives_the_apps_values(trained, tmp_path):
    from automl.portable.export import ExportRefused, export_compact

    bundle, predictor = _loaded(trained.root, trained.regression_run)
    model = _lightgbm(predictor)
    if not bundle.deployed_model.startswith("LightGBM"):
        with pytest.raises(ExportRefused, match="covers LightGBM models so far") as refused:
            export_compact(bundle, predictor, tmp_path / "refused")
        assert "--model LightGBM" in str(refused.value)
        assert not (tmp_path / "refused").exists()
    done = export_compact(bundle, predictor, tmp_path / "compact", model=model, key=b"k" * 32)
    assert done.rows_checked > 100 and done.max_difference <= 1e-5
    signed = json.loads((tmp_path / "compact" / "SIGNATURE.json").read_text())
    assert {"model.onnx", "preprocess.json", "predict.py", "schema.json"} <= set(signed["files"])
    app, ours = _app_and_export(bundle, predictor, tmp_path / "compact", SAMPLES / "diamonds.csv", model)
    rel = np.abs(app["prediction"].to_numpy() - np.asarray(ours["prediction"])) / np.maximum(
        1.0, np.abs(app["prediction"].to_numpy()))
    assert rel.max() <= 1e-5


def test_a_multiclass_lightgbm_exports_from_the_command_line(trained, tmp_path):
    bundle, predictor = _loaded(trained.root, trained.multiclass_run)
    model = _lightgbm(predictor)
    proc = run_cli("export", trained.multiclass_run, "--format", "onnx", "--model", model, "--out",
                   str(tmp_path / "compact"), "--json", workspace=trained.root)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["model"] == model
    app, ours = _app_and_export(bundle, predictor, tmp_path / "compact", SAMPLES / "penguins.csv", model)
    assert ours["prediction"] == app["prediction"].tolist()
    for c in ("Adelie", "Chinstrap", "Gentoo"):
        assert np.abs(app[f"proba_{c}"].to_numpy() - np.asarray(ours[f"proba_{c}"])).max() <= 1e-5
    readme = (tmp_path / "compact" / "README.md").read_text()
    assert "numpy" in readme and "onnxruntime" in readme and "predict.py" in readme


def test_a_model_with_text_features_is_refused_naming_the_text_column(trained, tmp_path):
    """titanic's `name` is free text: AutoGluon counts its characters and words, which the export cannot state."""
    from automl.portable.export import ExportRefused, export_compact

    bundle, predictor = _loaded(trained.root, trained.binary_run)
    with pytest.raises(ExportRefused) as refused:
        export_compact(bundle, predictor, tmp_path / "compact", model=_lightgbm(predictor))
    assert "name" in str(refused.value) and "text column" in str(refused.value)
    assert not (tmp_path / "compact").exists()


def test_an_export_whose_answers_differ_from_the_apps_is_refused(trained, tmp_path, monkeypatch):
    from automl.portable import export

    bundle, predictor = _loaded(trained.root, trained.regression_run)
    monkeypatch.setattr(export, "TOLERANCE", 0.0)  # float32 answers of the app differ from double in the last bits
    with pytest.raises(export.ExportRefused, match="does not give the app's answers"):
        export.export_compact(bundle, predictor, tmp_path / "compact", model=_lightgbm(predictor))
    assert not (tmp_path / "compact").exists() and not list(tmp_path.glob(".export-*"))


@pytest.fixture(scope="module")
def cleaned_run(tmp_path_factory):
    """A run cleaned on Data (the text column dropped, ages filled and clipped, rare classes grouped, text trimmed
    and lower-cased, a column read as a category), kept on its training split; its own workspace (the serving
    test changes its model in use)."""
    from automl.data.cleaning import Recipe
    from automl.data.steps import CastType, CleanText, ClipOutliers, DropColumns, FillMissing, GroupRare
    from automl.training.config import TrainConfig, start_training

    root = tmp_path_factory.mktemp("cleaned")
    ws = Workspace(root / "ws")
    frame = pd.read_csv(SAMPLES / "titanic.csv")
    frame["sex"] = frame["sex"].where(frame.index % 7 != 0, "  " + frame["sex"].str.upper() + " ")
    dataset = ws.add_dataset(frame, "titanic-untidy.csv")
    recipe = Recipe((DropColumns(("name",)), FillMissing("age", "median"), ClipOutliers("age"),
                     GroupRare("passengerClass", 0.3), CleanText("sex", lower=True),
                     CastType("passengerClass", "category")))
    run = start_training(ws, TrainConfig(dataset.id, "survived", time_limit=15, model_families=("GBM",),
                                         refit_all_rows=False, recipe=recipe.to_dict()))
    assert wait_for(ws, run.id).status == "succeeded"
    path = root / "untidy.csv"
    frame.to_csv(path, index=False)
    return root, run.id, path


def test_the_cleaning_recipe_is_replayed_by_the_exported_scorer(cleaned_run, tmp_path):
    from automl.portable.export import export_compact

    root, run_id, path = cleaned_run
    bundle, predictor = _loaded(root / "ws", run_id)
    model = _lightgbm(predictor)
    done = export_compact(bundle, predictor, tmp_path / "compact", model=model)
    spec = json.loads((tmp_path / "compact" / "preprocess.json").read_text())
    assert [s["kind"] for s in spec["recipe"]] == ["drop_columns", "fill_missing", "clip_outliers", "group_rare",
                                                  "clean_text", "cast_type"]
    assert done.max_difference <= 1e-5
    app, ours = _app_and_export(bundle, predictor, tmp_path / "compact", path, model, rows=2000)
    assert [str(v) for v in ours["prediction"]] == app["prediction"].astype(str).tolist()
    positive = bundle.metrics.positive_class
    assert np.abs(app[f"proba_{positive}"].to_numpy() - np.asarray(ours[f"proba_{positive}"])).max() <= 1e-5


def test_serve_with_the_onnx_engine_answers_as_the_app_and_follows_the_model_in_use(cleaned_run):
    """`serve RUN --engine onnx` exports the model in use into the run once and answers with it: the app's
    labels and probabilities; no explanations; another model put in use is exported and served next."""
    import httpx

    from automl.model.inference import score_input
    from automl.model.model_input import to_model_input
    from tests.helpers import serving, wait_until

    root, run_id, path = cleaned_run
    ws = root / "ws"
    from automl.model.bundle import load_bundle

    if not load_bundle(Workspace(ws), run_id).deployed_model.startswith("LightGBM"):  # refused, saying why
        refused = run_cli("serve", run_id, "--engine", "onnx", "--port", "0", workspace=ws, timeout=120)
        assert refused.returncode != 0 and "covers LightGBM" in refused.stderr
    assert run_cli("use", run_id, "LightGBM", workspace=ws).returncode == 0
    rows = pd.read_csv(path).drop(columns=["survived"]).head(40)
    body = {"rows": json.loads(rows.to_json(orient="records"))}
    with serving(ws, run_id, "--engine", "onnx") as url:
        answer = httpx.post(url + "/v1/predict", json=body, timeout=30).json()
        bundle, predictor = _loaded(ws, run_id)
        app = score_input(predictor, bundle, to_model_input(bundle.schema, rows)[0])
        assert answer["predictions"] == app["prediction"].tolist()
        for got, (_, want) in zip(answer["probabilities"], app.iterrows(), strict=True):
            assert all(abs(got[c] - want[f"proba_{c}"]) <= 1e-5 for c in got)
        explained = httpx.post(url + "/v1/predict?explain=2", json=body, timeout=30)
        assert explained.status_code == 422 and "onnx engine" in explained.json()["detail"]

        assert run_cli("use", run_id, "LightGBMXT", workspace=ws).returncode == 0
        compact = Workspace(ws).run_dir(run_id) / "compact" / "preprocess.json"

        def serves_the_new_model():
            httpx.post(url + "/v1/predict", json=body, timeout=30)  # a request looks for a change
            return json.loads(compact.read_text())["model"] == "LightGBMXT"

        wait_until(serves_the_new_model, timeout=60, what="the endpoint to export LightGBMXT")
