"""The schema contract on rows to predict: unseen categories, out-of-range values, drift."""

import pandas as pd
import pytest

from automl.model.model_input import to_model_input
from automl.prediction.drift import DriftCheck, psi
from automl.prediction.files import predict_csv
from automl.prediction.rows import predict_frame
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


def test_a_whole_number_training_never_had_is_told_even_inside_the_range():
    """Cars with 2 or 4 doors at training: a 3 is inside [2, 4] but new (a newcomer's report, issue 20)."""
    from automl.model.schema import build_schema

    train = pd.DataFrame({"doors": [2, 4] * 50, "price": range(100)})
    schema = build_schema(train, "price", "regression", None)
    assert schema.feature("doors").whole_values == (2.0, 4.0)
    check = DriftCheck(schema)
    notes = check.update(pd.DataFrame({"doors": [2, 3, 4, 3, 6]}))
    report = {d["column"]: d for d in check.report()}["doors"]
    assert report["status"] != "stable" and report["unseen"] == 2
    assert "2 whole number(s) training never had, inside its range: 3" in report["detail"]
    assert "1 value(s) outside the training range" in report["detail"]
    assert notes.tolist() == ["", "doors a value training never had", "", "doors a value training never had",
                              "doors outside the training range"]


def test_a_scored_file_marks_each_row_with_what_was_unusual_in_it(tmp_path):
    bundle = fake_bundle(tmp_path)
    rows = people(6, seed=5).drop(columns=["survived"])
    rows.loc[1, "age"] = 500.0
    rows.loc[3, "sex"] = "robot"
    rows.loc[4, ["age", "sex"]] = [-3.0, "robot"]
    src = tmp_path / "in.csv"
    rows.to_csv(src, index=False)
    predict_csv(FakeBinaryPredictor(), bundle, src, tmp_path / "out.csv", chunk_rows=4)
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert out.columns[-1] == "unusual_inputs"
    assert out["unusual_inputs"].tolist() == [
        "", "age outside the training range", "", "sex a value training never had",
        "age outside the training range; sex a value training never had", ""]


def test_a_bad_upload_is_named_as_the_user_named_it(tmp_path):
    """The Predict page stores an upload as input.csv: its errors named input.csv, not the user's file."""
    from automl.errors import AutoMLError

    bundle = fake_bundle(tmp_path)
    stored = tmp_path / "input.csv"
    stored.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(AutoMLError, match="garbage.csv looks like a binary file"):
        predict_csv(FakeBinaryPredictor(), bundle, stored, tmp_path / "out.csv", name="garbage.csv")
    rows = people(3, seed=1).drop(columns=["survived"])
    rows.to_csv(stored, index=False)
    with pytest.raises(AutoMLError, match="`ref` is not in my rows.csv"):
        predict_csv(FakeBinaryPredictor(), bundle, stored, tmp_path / "out.csv", id_column="ref", name="my rows.csv")


def test_a_many_valued_column_is_not_flagged_by_sampling_noise():
    """Issue 29, 11: a 51-value `state` column in a batch of 500 rows from the same population read PSI
    0.136, "moderate": sampling noise. A column is judged on how far it goes beyond what chance shows."""
    import numpy as np
    import pandas as pd

    from automl.prediction.drift import DriftCheck, psi_noise
    from automl.model.schema import build_schema

    rng = np.random.default_rng(3)
    states = [f"S{i:02d}" for i in range(51)]
    train = pd.DataFrame({"state": rng.choice(states, 20_000), "y": rng.integers(0, 2, 20_000)})
    schema = build_schema(train, "y", "binary", [0, 1])
    same = DriftCheck(schema)
    same.update(pd.DataFrame({"state": rng.choice(states, 500)}))
    entry = same.report()[0]
    assert entry["psi"] > 0.08 and entry["status"] == "stable", entry  # the noise itself, not flagged
    assert entry["noise"] == pytest.approx(psi_noise(51, 500), abs=0.005) == pytest.approx(0.1, abs=0.005)
    moved = DriftCheck(schema)
    moved.update(pd.DataFrame({"state": rng.choice(states[:10], 500)}))  # only ten states: a real shift
    assert moved.report()[0]["status"] == "shifted"


def test_the_training_range_is_written_as_a_person_reads_it(tmp_path):
    """Seen on a walk (ames): "outside the training range [1470, 2.152e+05]"; numbers as a person reads them."""
    from automl.data.numbers import readable_range

    assert readable_range("Lot_Area", 1470.0, 215245.0, True) == "1,470 to 215,245"
    assert readable_range("Year_Built", 1872.0, 2010.0, True) == "1872 to 2010"
    assert readable_range("ratio", 0.0125, 0.5, False) == "0.0125 to 0.5"
    bundle = fake_bundle(tmp_path)
    check = DriftCheck(bundle.schema)
    check.update(to_model_input(bundle.schema, pd.DataFrame({"age": [1.0e7, 30.0], "sex": ["male", "female"]}))[0])
    (age,) = [d for d in check.report() if d["column"] == "age"]
    assert "e+" not in age["detail"] and "outside the training range (" in age["detail"]
