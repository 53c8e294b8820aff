import os

import pandas as pd
import pytest

from automl.errors import DatasetNotFoundError, InvalidIdError, RunNotFoundError
from automl.store import atomic
from automl.store.workspace import Workspace, content_hash


def test_dataset_is_stored_as_parquet_and_listed(ws):
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    info = ws.add_dataset(df, "t.csv", {"note": 1})
    assert (ws.dataset_dir(info.id) / "data.parquet").exists()
    assert [d.id for d in ws.list_datasets()] == [info.id]
    pd.testing.assert_frame_equal(ws.load_dataset(info.id), df)
    assert ws.get_dataset(info.id).meta["note"] == 1


def test_same_content_gives_same_id_and_is_stored_once(ws):
    df = pd.DataFrame({"a": [1, 2]})
    assert ws.add_dataset(df, "one.csv").id == ws.add_dataset(df.copy(), "two.csv").id
    assert len(ws.list_datasets()) == 1
    assert content_hash(df) != content_hash(df.assign(a=[1, 3]))


def test_catalogue_survives_a_new_workspace_object(ws):
    info = ws.add_dataset(pd.DataFrame({"a": [1]}), "t.csv")
    assert Workspace(ws.root).get_dataset(info.id).name == "t.csv"


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", "A" * 3, "x" * 80, "..", "run id"])
def test_ids_cannot_escape_the_workspace(ws, bad):
    with pytest.raises(InvalidIdError):
        ws.run_dir(bad)
    with pytest.raises(InvalidIdError):
        ws.get_dataset(bad)


def test_run_file_refuses_traversal(ws):
    with pytest.raises(InvalidIdError):
        ws.run_file("run-1", "../../secret.key")


def test_unknown_ids_raise_lookup_errors_that_say_what_to_do(ws):
    with pytest.raises(DatasetNotFoundError, match="Data page"):
        ws.get_dataset("ds-none")
    with pytest.raises(RunNotFoundError):
        ws.get_run("run-none")
    assert isinstance(RunNotFoundError("x"), LookupError)


def test_run_status_comes_from_its_job(ws):
    ws.add_run("run-1", "ds-1", {"label": "y", "problem_type": "binary"})
    assert ws.get_run("run-1").status == "unknown"
    ws.add_job("run-1", "train", None)
    assert ws.get_run("run-1").status == "queued"


def test_update_job_respects_expected_status(ws):
    ws.add_job("job-1", "train", None, status="running")
    assert ws.update_job("job-1", status="cancelled", only_if_status=("running",))
    assert not ws.update_job("job-1", status="succeeded", only_if_status=("running",))
    assert ws.get_job("job-1").status == "cancelled"
    with pytest.raises(ValueError):
        ws.update_job("job-1", bogus=1)


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "m.json"
    atomic.write_json(target, {"v": 1})
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert atomic.read_json(target) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_secret_key_is_private_and_stable(ws):
    key = ws.secret_key()
    assert len(key) == 32 and ws.secret_key() == key
    assert oct(os.stat(ws.root / "secret.key").st_mode & 0o777) == "0o600"


def test_a_catalogue_from_an_earlier_version_is_upgraded(tmp_path):
    import sqlite3

    root = tmp_path / "old"
    root.mkdir()
    con = sqlite3.connect(root / "catalog.sqlite")
    con.execute("CREATE TABLE runs (id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, label TEXT NOT NULL, "
                "problem_type TEXT, eval_metric TEXT, preset TEXT, time_limit REAL, created_at REAL NOT NULL, "
                "config_json TEXT NOT NULL DEFAULT '{}', test_score REAL)")
    con.commit()
    con.close()
    ws = Workspace(root)
    ws.add_run("run-1", "ds-1", {"label": "y"})
    ws.set_run_result("run-1", -3.0, 3.0, "root_mean_squared_error")
    assert ws.get_run("run-1").test_value == 3.0


def test_a_catalogue_from_before_versions_is_migrated_step_by_step_and_keeps_its_rows(tmp_path):
    import sqlite3

    from automl.store.catalogue import SCHEMA_VERSION

    root = tmp_path / "old"
    root.mkdir()
    con = sqlite3.connect(root / "catalog.sqlite")  # the first version's tables, no test_value, user_version 0
    con.executescript(
        "CREATE TABLE datasets (id TEXT PRIMARY KEY, name TEXT NOT NULL, rows INTEGER, cols INTEGER, "
        "created_at REAL NOT NULL, meta_json TEXT NOT NULL DEFAULT '{}');"
        "CREATE TABLE runs (id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, label TEXT NOT NULL, problem_type TEXT, "
        "eval_metric TEXT, preset TEXT, time_limit REAL, created_at REAL NOT NULL, "
        "config_json TEXT NOT NULL DEFAULT '{}', test_score REAL);"
        "INSERT INTO runs(id, dataset_id, label, created_at, test_score) VALUES ('run-old', 'ds-1', 'y', 1.0, 0.8);")
    con.commit()
    con.close()
    ws = Workspace(root)
    run = ws.get_run("run-old")
    assert (run.label, run.test_score, run.test_value) == ("y", 0.8, None)
    ws.set_run_result("run-old", 0.9, 0.9, "accuracy")
    assert ws.get_run("run-old").test_value == 0.9
    with sqlite3.connect(root / "catalog.sqlite") as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    Workspace(root)  # opening it again changes nothing
    assert ws.get_run("run-old").test_value == 0.9


def test_a_catalogue_written_by_a_newer_version_is_refused_with_what_to_do(tmp_path):
    import sqlite3

    from automl.errors import WorkspaceError

    Workspace(tmp_path / "ws")
    with sqlite3.connect(tmp_path / "ws" / "catalog.sqlite") as con:
        con.execute("PRAGMA user_version=99")
    with pytest.raises(WorkspaceError, match="newer AutoML Studio"):
        Workspace(tmp_path / "ws")


def test_a_run_and_its_training_job_are_recorded_together(tmp_path):
    # a page listing runs while another session starts one must never meet a run without its job
    ws = Workspace(tmp_path / "ws")
    ws.add_run("run-1", "ds-1", {"label": "y"}, job_kind="train")
    assert ws.get_run("run-1").status == "queued" and ws.get_job("run-1").kind == "train"
    assert ws.add_job("run-1", "train", None).status == "queued"  # jobs.start takes the recorded job
    with pytest.raises(ValueError, match="already recorded"):
        ws.add_job("run-1", "explain", None)


def test_answers_kept_by_id_are_forgotten_after_the_retention_period(tmp_path, monkeypatch):
    import time

    from automl.store.batches import purge_all as purge

    ws = Workspace(tmp_path / "ws")
    ws.record_scoring("live", "run-1", "batch", 2, {}, [("a", "yes", None), ("b", "no", None)])
    assert ws.set_actuals("live", [("a", "yes"), ("zz", "no")]) == 1
    assert [(a.row_id, a.actual) for a in ws.labelled_answers("live")] == [("a", "yes")]
    monkeypatch.setenv("AUTOML_STUDIO_RETENTION_DAYS", "7")
    assert purge(ws, now=time.time() + 6 * 86400) == 0
    assert purge(ws, now=time.time() + 8 * 86400) == 2 and ws.count_answers("live") == 0
    monkeypatch.setenv("AUTOML_STUDIO_RETENTION_DAYS", "0")  # 0 keeps them
    ws.record_scoring("live", "run-1", "batch", 1, {}, [("c", "yes", None)])
    assert purge(ws, now=time.time() + 800 * 86400) == 0
