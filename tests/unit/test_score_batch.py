"""One way to score a file (issue 31, 3): the page, the CLI and the Ray job call `score_batch`; the endpoint's
sampled requests are summarised by the same code a file is and handed to the same recorder."""

import json

import pandas as pd
import pytest

from automl.errors import ConfigError
from automl.model.inference import score_input
from automl.model.model_input import to_model_input
from automl.monitoring.batch import score_batch
from automl.serving.usage import UsageLog
from automl.store.deploy_records import SAMPLE_SOURCE
from automl.store.workspace import Workspace
from tests.unit.fakes import FakeBinaryPredictor, fake_bundle, people


def _rows(n: int = 300) -> pd.DataFrame:
    rows = people(n, seed=3).drop(columns=["survived"])
    rows["age"] = rows["age"] + 30  # drifted: most of it above the training range
    return rows.assign(customer=[f"c{i}" for i in range(n)])


def test_a_file_scored_through_a_deployment_is_written_reported_and_recorded(tmp_path):
    ws, bundle = Workspace(tmp_path / "ws"), fake_bundle(tmp_path)
    _rows().to_csv(tmp_path / "in.csv", index=False)
    scored = score_batch(ws, bundle, tmp_path / "in.csv", tmp_path / "out.csv", deployment="d",
                         predictor=FakeBinaryPredictor(), id_column="customer", chunk_rows=70, name="customers.csv",
                         report_path=tmp_path / "report.json")
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns) == ["customer", "prediction", "proba_no", "proba_yes", "unusual_inputs"]
    assert len(out) == 300 and scored.report.rows == 300 and scored.nodes == []
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved["lines"] == scored.lines == scored.report.lines() and saved["rows"] == 300
    (record,) = ws.list_scorings("d")
    assert record.id == scored.batch_id and record.rows == 300 and record.source == "batch"
    assert record.detail["file"] == "customers.csv" and record.detail["id_column"] == "customer"
    assert record.detail["psi"]["age"] > 0.2 and record.detail["with_ids"]


def test_scored_by_run_id_nothing_is_recorded_and_reasons_are_refused_on_a_cluster(tmp_path):
    ws, bundle = Workspace(tmp_path / "ws"), fake_bundle(tmp_path)
    _rows(20).to_csv(tmp_path / "in.csv", index=False)
    scored = score_batch(ws, bundle, tmp_path / "in.csv", tmp_path / "out.csv", predictor=FakeBinaryPredictor())
    assert scored.batch_id is None and scored.report.rows == 20
    with pytest.raises(ConfigError, match="Reasons per row are not available on a Ray cluster"):
        score_batch(ws, bundle, tmp_path / "in.csv", tmp_path / "again.csv", address="ray://nowhere:10001",
                    reasons=lambda X, result: result)
    assert not (tmp_path / "again.csv").exists()


def test_the_endpoint_s_sampled_requests_are_summarised_as_the_same_rows_in_a_file(tmp_path):
    ws, bundle, predictor = Workspace(tmp_path / "ws"), fake_bundle(tmp_path), FakeBinaryPredictor()
    rows = _rows().drop(columns=["customer"])
    rows.to_csv(tmp_path / "in.csv", index=False)
    score_batch(ws, bundle, tmp_path / "in.csv", tmp_path / "out.csv", deployment="d", predictor=predictor)

    class Served:
        run_id, bundle = "run-fake", None

    served = Served()
    served.bundle = bundle
    usage = UsageLog(ws, "d", every_s=3600, sample_rows=100)
    for start in range(0, len(rows), 50):  # six requests of 50 rows, as the endpoint hands them over
        part = rows.iloc[start:start + 50]
        answers = score_input(predictor, bundle, to_model_input(bundle.schema, part)[0])
        usage.add("run-fake", len(part), sample=(served, part, answers.reset_index(drop=True)))
    usage.flush()
    by_source = {s.source: s for s in ws.list_scorings("d")}
    batch, sample = by_source["batch"], by_source[SAMPLE_SOURCE]
    assert (sample.rows, sample.detail["requests"], by_source["endpoint"].rows) == (300, 6, 300)
    for key in ("psi", "psi_noise", "missing", "predicted", "unusual"):
        assert sample.detail[key] == batch.detail[key], key
