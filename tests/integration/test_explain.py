"""Explanations of real AutoGluon models: exact per problem type, the CLI report and CSV, the Explain page."""

import shutil

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from automl.model.bundle import load_bundle, load_predictor
from automl.store import jobs
from automl.store.workspace import Workspace
from automl.training.config import TrainConfig, start_training
from explain.shap_values import compute_shap
from tests.helpers import REPO, SAMPLES, run_cli, wait_for

pytestmark = pytest.mark.integration


def test_regression_values_add_up_to_the_predicted_value(trained):
    ws = Workspace(trained.root)
    bundle = load_bundle(ws, trained.regression_run)
    predictor = load_predictor(bundle)
    rows = pd.read_parquet(bundle.run_dir / "test.parquet").head(10)
    result = compute_shap(predictor, bundle, rows, pd.read_parquet(bundle.run_dir / "train_sample.parquet").head(20))
    sums = result.values.groupby("row")["value"].sum().to_numpy() + result.base_values["price"]
    np.testing.assert_allclose(sums, predictor.predict(rows.drop(columns=["price"])).to_numpy(), rtol=1e-3)


def test_multiclass_values_add_up_per_class_and_the_csv_has_a_line_per_row_and_class(tmp_path):
    ws = Workspace(tmp_path / "ws")
    dataset = ws.add_dataset(pd.read_csv(SAMPLES / "penguins.csv"), "penguins.csv")
    run = start_training(ws, TrainConfig(dataset.id, "species", time_limit=20, model_families=("GBM",)))
    assert wait_for(ws, run.id).status == "succeeded"
    bundle = load_bundle(ws, run.id)
    predictor = load_predictor(bundle)
    rows = pd.read_parquet(bundle.run_dir / "test.parquet").head(6)
    result = compute_shap(predictor, bundle, rows, pd.read_parquet(bundle.run_dir / "train_sample.parquet").head(15))
    proba = predictor.predict_proba(rows.drop(columns=["species"]))
    for cls in ("Adelie", "Chinstrap", "Gentoo"):
        part = result.values[result.values["output"] == cls]
        sums = part.groupby("row")["value"].sum().to_numpy() + result.base_values[cls]
        np.testing.assert_allclose(sums, proba[cls].to_numpy(), rtol=1e-3, atol=1e-6)
    csv_out = tmp_path / "shap.csv"
    proc = run_cli("explain", run.id, str(SAMPLES / "penguins.csv"), "--rows", "5", "--out", str(tmp_path / "r.html"),
                   "--shap-out", str(csv_out), workspace=ws.root)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(csv_out)
    assert len(table) == 15 and set(table["class"]) == {"Adelie", "Chinstrap", "Gentoo"}
    assert {"base_value", "model_output", "island", "bill_length_mm"} <= set(table.columns)


def test_cli_report_and_shap_csv_for_a_binary_model(trained, tmp_path):
    out, csv_out = tmp_path / "report.html", tmp_path / "shap.csv"
    proc = run_cli("explain", trained.binary_run, str(SAMPLES / "titanic.csv"), "--rows", "25", "--out", str(out),
                   "--shap-out", str(csv_out), workspace=trained.root)
    assert proc.returncode == 0, proc.stderr
    page = out.read_text()
    assert "Model report: predicting survived" in page and "looks like an identifier" in page
    table = pd.read_csv(csv_out)
    assert len(table) == 25
    bundle = load_bundle(Workspace(trained.root), trained.binary_run)
    expected = load_predictor(bundle).predict_proba(pd.read_csv(SAMPLES / "titanic.csv").head(25))["yes"]
    np.testing.assert_allclose(table["model_output"], expected, rtol=1e-3)


def test_explain_page_shows_every_view_and_writes_the_report(trained, tmp_path, monkeypatch):
    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    job = jobs.start(ws, "explain", run_id=trained.binary_run, params={"rows": 30})
    assert wait_for(ws, job.id).status == "succeeded"
    monkeypatch.setenv("AUTOML_STUDIO_HOME", str(root))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/explain.py")
    at.run()
    at.selectbox(key="explain.run").select(trained.binary_run)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.get("plotly_chart")) == 4  # importance, every row, one column, one row
    assert any("matters most" in m.value for m in at.markdown)
    at.button(key="explain.report").click()
    at.run()
    assert (ws.run_dir(trained.binary_run) / "report.html").exists()


def test_a_regression_report_has_the_pages_charts_and_numbers_in_the_targets_units(trained, tmp_path):
    """The report a newcomer hands out (issue 20): residuals, error by tenth, the score by group of the column
    that matters most, the verdict against guessing the average, and numbers never in e-notation."""
    import re

    out = tmp_path / "report.html"
    proc = run_cli("explain", trained.regression_run, str(SAMPLES / "diamonds.csv"), "--rows", "20", "--out", str(out),
                   workspace=trained.root)
    assert proc.returncode == 0, proc.stderr
    page = out.read_text()
    for title in ("Predicted vs actual", "Residuals (actual", "Distribution of residuals",
                  "Mean absolute error by tenth", "Mean absolute error by group of"):
        assert title in page, title
    assert "always guessing the average" in page and "simplest guess" in page
    table = page[page.index("<h2>Evaluation</h2>"):page.index("<h2>What drives")]
    cells = re.findall(r"<td>([^<]*)</td>", table[:table.index("</table>")])
    assert cells and not [c for c in cells if re.search(r"\de[+-]\d", c)], cells
    assert "RMSE ★" in cells and "True" not in cells and "None" not in cells
    waterfall_text = re.findall(r'"text":\[("[^\]]*")\]', page)
    assert waterfall_text and not [t for t in waterfall_text if re.search(r"\de[+-]\d", t)]
    assert "root_mean_squared_error</td>" not in page  # the settings in words
