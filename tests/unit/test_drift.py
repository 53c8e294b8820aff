"""The schema contract on rows to predict: unseen categories, out-of-range values, drift."""

import pandas as pd

from automl.model.drift import DriftCheck, psi
from automl.model.prediction import predict_csv, predict_frame
from tests.unit.fakes import FakeBinaryPredictor, fake_bundle, people


def test_psi_is_zero_for_the_same_shares_and_large_for_a_shift():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert psi([0.5, 0.5], [0.9, 0.1]) > 0.2


def test_rows_like_the_training_data_are_stable(tmp_path):
    bundle = fake_bundle(tmp_path)
    check = DriftCheck(bundle.schema)
    check.update(people(2000, seed=7)[["age", "sex"]])
    assert {d["status"] for d in check.report()} == {"stable"}
    assert all(d["detail"] == "" for d in check.report())


def test_shifted_numbers_and_new_categories_are_flagged(tmp_path):
    bundle = fake_bundle(tmp_path)
    rows = people(500, seed=3)[["age", "sex"]]
    rows["age"] = rows["age"] + 60  # everyone much older than in training
    rows.loc[:9, "sex"] = "unknown"
    check = DriftCheck(bundle.schema)
    for start in range(0, len(rows), 125):  # chunk by chunk, as a batch file is read
        check.update(rows.iloc[start:start + 125])
    report = {d["column"]: d for d in check.report()}
    assert report["age"]["status"] == "shifted" and "outside the training range" in report["age"]["detail"]
    assert "10 value(s) never seen in training: 'unknown'" in report["sex"]["detail"]


def test_the_prediction_report_names_what_is_unusual(tmp_path):
    bundle = fake_bundle(tmp_path)
    rows = pd.DataFrame({"age": [250.0], "sex": ["robot"]})
    _, report = predict_frame(FakeBinaryPredictor(), bundle, rows)
    text = " ".join(report.lines())
    assert "outside the training range" in text and "'robot'" in text


def test_chunked_output_equals_whole_file_output(tmp_path):
    bundle = fake_bundle(tmp_path)
    rows = people(257, seed=5)
    src = tmp_path / "in.csv"
    rows.to_csv(src, index=False)
    predict_csv(FakeBinaryPredictor(), bundle, src, tmp_path / "whole.csv", chunk_rows=10_000)
    report = predict_csv(FakeBinaryPredictor(), bundle, src, tmp_path / "chunks.csv", chunk_rows=16)
    assert (tmp_path / "whole.csv").read_bytes() == (tmp_path / "chunks.csv").read_bytes()
    assert report.rows == 257 and {d["column"] for d in report.drift} == {"age", "sex"}


def test_a_few_values_outside_the_range_are_never_called_stable(tmp_path):
    bundle = fake_bundle(tmp_path)
    rows = people(2000, seed=7)[["age", "sex"]]
    rows.loc[:19, "age"] = 500.0  # 1% of the rows: PSI stays low, but training never saw such ages
    check = DriftCheck(bundle.schema)
    check.update(rows)
    report = {d["column"]: d for d in check.report()}
    assert report["age"]["status"] == "new values" and "20 value(s) outside the training range" in \
        report["age"]["detail"], report["age"]
    assert report["sex"]["status"] == "stable"
