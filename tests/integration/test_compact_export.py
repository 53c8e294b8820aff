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


def test_the_cleaning_recipe_is_replayed_by_the_exported_scorer(tmp_path):
    """A run cleaned on Data (the text column dropped, ages filled and clipped, rare classes grouped, text trimmed
    and lower-cased, a column read as a category): the export replays each step as the app does."""
    from automl.data.cleaning import Recipe
    from automl.data.steps import CastType, CleanText, ClipOutliers, DropColumns, FillMissing, GroupRare
    from automl.portable.export import export_compact
    from automl.training.config import TrainConfig, start_training

    ws = Workspace(tmp_path / "ws")
    frame = pd.read_csv(SAMPLES / "titanic.csv")
    frame["sex"] = frame["sex"].where(frame.index % 7 != 0, "  " + frame["sex"].str.upper() + " ")
    dataset = ws.add_dataset(frame, "titanic-untidy.csv")
    recipe = Recipe((DropColumns(("name",)), FillMissing("age", "median"), ClipOutliers("age"),
                     GroupRare("passengerClass", 0.3), CleanText("sex", lower=True),
                     CastType("passengerClass", "category")))
    run = start_training(ws, TrainConfig(dataset.id, "survived", time_limit=15, model_families=("GBM",),
                                         refit_all_rows=False, recipe=recipe.to_dict()))
    assert wait_for(ws, run.id).status == "succeeded"
    bundle, predictor = _loaded(tmp_path / "ws", run.id)
    model = _lightgbm(predictor)
    done = export_compact(bundle, predictor, tmp_path / "compact", model=model)
    spec = json.loads((tmp_path / "compact" / "preprocess.json").read_text())
    assert [s["kind"] for s in spec["recipe"]] == ["drop_columns", "fill_missing", "clip_outliers", "group_rare",
                                                  "clean_text", "cast_type"]
    assert done.max_difference <= 1e-5
    path = tmp_path / "untidy.csv"
    frame.to_csv(path, index=False)
    app, ours = _app_and_export(bundle, predictor, tmp_path / "compact", path, model, rows=len(frame))
    assert [str(v) for v in ours["prediction"]] == app["prediction"].astype(str).tolist()
    positive = bundle.metrics.positive_class
    assert np.abs(app[f"proba_{positive}"].to_numpy() - np.asarray(ours[f"proba_{positive}"])).max() <= 1e-5
