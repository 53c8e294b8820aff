"""Issue 14's holes, each with the test that failed before its fix."""

from __future__ import annotations

import json
import os
import stat
import threading
import zipfile

import pytest

from automl.model.signing import SIGNATURE_FILE, BundleSignatureError
from automl.serving import access
from automl.store import atomic

# -- the password gate --------------------------------------------------------------------------------------

def test_failed_sign_ins_wait_longer_each_time_and_a_success_forgets_them():
    key = "client:198.51.100.7"
    access.forget_failures(key)
    assert access.wait_before_next_try(key, now=100.0) == 0
    access.record_failure(key, now=100.0)
    assert access.wait_before_next_try(key, now=100.0) == pytest.approx(1.0)
    access.record_failure(key, now=101.0)
    access.record_failure(key, now=103.0)
    assert access.wait_before_next_try(key, now=103.0) == pytest.approx(4.0)
    for i in range(20):
        access.record_failure(key, now=200.0 + i)
    assert access.wait_before_next_try(key, now=219.0) == pytest.approx(access.MAX_WAIT_S)
    access.forget_failures(key)
    assert access.wait_before_next_try(key, now=219.0) == 0


@pytest.mark.parametrize("host,ok", [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
                                     ("0.0.0.0", False), ("192.0.2.10", False), ("::", False)])
def test_serving_beyond_this_machine_needs_a_password_or_an_explicit_yes(monkeypatch, host, ok):
    monkeypatch.delenv(access.ENV, raising=False)
    if ok:
        access.check_bind(host)
    else:
        with pytest.raises(access.UnsafeBindError, match="--allow-no-password"):
            access.check_bind(host)
        access.check_bind(host, allow_without_password=True)
        monkeypatch.setenv(access.ENV, "s3cret")
        access.check_bind(host)


def test_error_details_are_kept_from_users_however_the_app_is_served():
    from tests.helpers import REPO

    config = (REPO / ".streamlit" / "config.toml").read_text()
    assert "showErrorDetails = \"none\"" in config or "showErrorDetails = false" in config
    server = (REPO / "ui" / "server.py").read_text()
    assert "--client.showErrorDetails" in server


# -- what the signature covers --------------------------------------------------------------------------------

def _zip(path, signature: bytes, extra: dict[str, bytes] | None = None):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(SIGNATURE_FILE, signature)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)


@pytest.mark.parametrize("signature", [b"5", b"[1, 2]",
                                       b'{"files": 3, "signature": "x", "algorithm": "hmac-sha256"}',
                                       b'{"files": {"a": 1}, "signature": [], "algorithm": "hmac-sha256"}',
                                       b"\xff\xfe"])
def test_a_malformed_signature_is_refused_cleanly(tmp_path, signature):
    from automl.model.bundle_io import _extract_verified

    _zip(tmp_path / "m.zip", signature)
    with pytest.raises(BundleSignatureError):
        _extract_verified(tmp_path / "m.zip", b"k", tmp_path / "out")


def test_an_oversized_signature_is_refused_without_reading_it(tmp_path):
    from automl.model.bundle_io import _extract_verified

    huge = b'{"files": {' + b",".join(b'"f%d": "0"' % i for i in range(600_000)) + b'}, "signature": "x"}'
    _zip(tmp_path / "big.zip", huge)
    with pytest.raises(BundleSignatureError, match="too large"):
        _extract_verified(tmp_path / "big.zip", b"k", tmp_path / "out")


def test_the_signing_key_is_never_readable_by_others_and_one_key_wins_a_race(tmp_path):
    from automl.store.workspace import Workspace

    root = tmp_path / "ws"
    keys, errors = [], []

    def make():
        try:
            keys.append(Workspace(root).secret_key())
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(keys)) == 1 and len(keys[0]) == 32
    assert stat.S_IMODE(os.stat(root / "secret.key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700


def test_re_signing_does_not_launder_a_tampered_run(tmp_path):
    from automl.model.bundle import sign_run
    from automl.model.run_files import SIGNED, RunFiles
    from automl.model.signing import verify_dir
    from automl.store.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    files = RunFiles(ws.run_dir("run-1"))
    files.predictor.mkdir(parents=True)
    (files.predictor / "model.pkl").write_bytes(b"good")
    atomic.write_json(files.metrics, {"eval_metric": "accuracy"})
    sign_run(ws, "run-1")
    (files.predictor / "model.pkl").write_bytes(b"evil")  # swapped after signing
    atomic.write_json(files.threshold, {"threshold": 0.3})  # a legitimate change, then a re-sign
    with pytest.raises(BundleSignatureError, match="model.pkl"):
        sign_run(ws, "run-1", changed=("threshold.json",))
    with pytest.raises(BundleSignatureError):
        verify_dir(files.root, ws.secret_key(), "run", covered=SIGNED)


# -- inflated inputs -----------------------------------------------------------------------------------------

_READ_AND_MEASURE = r"""
import json, sys, time
from automl.errors import DataLoadError
from automl.data.ingest import read_table
def hwm():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
start = hwm(); t = time.perf_counter()
try:
    read_table(sys.argv[1]); outcome = "read"
except DataLoadError as exc:
    outcome = str(exc)
print(json.dumps({"outcome": outcome, "grew_mb": hwm() - start, "seconds": time.perf_counter() - t}))
"""


def _read_in_a_fresh_process(path, **env):
    import subprocess
    import sys

    from tests.helpers import REPO

    proc = subprocess.run([sys.executable, "-c", _READ_AND_MEASURE, str(path)], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, **env}, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_small_gzip_that_unpacks_past_the_budget_is_refused_before_it_costs_memory(tmp_path):
    import gzip

    line = b"0," * 19 + b"0\n"
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(b",".join(b"c%d" % i for i in range(20)) + b"\n" + line * 1_600_000, 9))
    assert bomb.stat().st_size < 200_000  # ~64 MB of text inside
    result = _read_in_a_fresh_process(bomb, AUTOML_STUDIO_MAX_INFLATED_MB="32")
    assert "unpacks to" in result["outcome"] and "allowed" in result["outcome"]
    assert result["grew_mb"] < 100 and result["seconds"] < 10


def test_a_gzip_that_hides_its_size_is_still_stopped_while_it_is_read(tmp_path):
    import gzip

    line = b"0," * 19 + b"0\n"
    data = gzip.compress(b",".join(b"c%d" % i for i in range(20)) + b"\n" + line * 1_600_000, 9)
    lying = tmp_path / "lying.csv.gz"
    lying.write_bytes(data[:-4] + (1000).to_bytes(4, "little"))  # the trailer claims 1,000 bytes
    result = _read_in_a_fresh_process(lying, AUTOML_STUDIO_MAX_INFLATED_MB="32")
    assert "unpacks to more than 32 MB" in result["outcome"] or "damaged" in result["outcome"]
    assert result["grew_mb"] < 400


def test_parquet_rows_and_columns_are_checked_from_its_metadata_before_reading(tmp_path):
    import pandas as pd

    path = tmp_path / "tall.parquet"
    pd.DataFrame({"a": [0] * 3_000_000}).to_parquet(path)
    result = _read_in_a_fresh_process(path, AUTOML_STUDIO_MAX_CELLS="1000000")
    assert "3 million cells" in result["outcome"] and "AUTOML_STUDIO_MAX_CELLS" in result["outcome"]
    assert result["grew_mb"] < 60


def test_an_excel_sheet_is_checked_from_its_stated_dimensions_before_reading(tmp_path):
    import pandas as pd

    path = tmp_path / "wide.xlsx"
    pd.DataFrame({f"c{i}": range(300) for i in range(40)}).to_excel(path, index=False)
    result = _read_in_a_fresh_process(path, AUTOML_STUDIO_MAX_CELLS="5000")
    assert "million cells" in result["outcome"]


def test_too_many_columns_are_refused_from_the_header(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(30_000)) + "\n" + ",".join("1" * 30_000) + "\n")
    from automl.data.ingest import read_table
    from automl.errors import DataLoadError

    with pytest.raises(DataLoadError, match="30,000 columns, over the limit of 20,000"):
        read_table(path)


# -- what is kept, and for how long --------------------------------------------------------------------------

def test_scored_uploads_are_deleted_with_their_run_and_after_the_retention_period(tmp_path, monkeypatch):
    import time

    from automl.store import batches
    from automl.store.workspace import Workspace
    from automl.training import runs

    ws = Workspace(tmp_path / "ws")
    ws.add_run("run-a", "ds-x", {"label": "y"})
    ws.add_run("run-b", "ds-x", {"label": "y"})
    a = batches.batch_folder(ws, "run-a", "upload-1", ".csv")
    a.input.write_text("x\n1\n")
    b = batches.batch_folder(ws, "run-b", "upload-2", ".csv.gz")
    b.input.write_bytes(b"\x1f\x8b")
    assert b.input.name == "input.csv.gz"
    runs.delete_run(ws, "run-a")
    assert not a.root.exists() and b.root.exists()

    monkeypatch.setenv("AUTOML_STUDIO_RETENTION_DAYS", "7")
    assert batches.purge_expired(ws, now=time.time() + 6 * 86400) == 0 and b.root.exists()
    assert batches.purge_expired(ws, now=time.time() + 8 * 86400) == 1 and not b.root.exists()
    monkeypatch.setenv("AUTOML_STUDIO_RETENTION_DAYS", "0")  # 0: kept until the run goes
    c = batches.batch_folder(ws, "run-b", "upload-3", ".csv")
    assert batches.purge_expired(ws, now=time.time() + 800 * 86400) == 0 and c.root.exists()


def test_a_dataset_and_its_cleaned_versions_can_be_deleted(tmp_path):
    import pandas as pd

    from automl.data import datasets
    from automl.errors import DatasetNotFoundError
    from automl.store.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    raw = ws.add_dataset(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "x"]}), "raw.csv")
    version = ws.add_dataset(pd.DataFrame({"a": [1, 2]}), "raw · cleaned v1", {"parent": raw.id})
    other = ws.add_dataset(pd.DataFrame({"c": [5]}), "other.csv")
    assert sorted(datasets.delete_dataset(ws, raw.id)) == sorted([raw.id, version.id])
    assert [d.id for d in ws.list_datasets()] == [other.id]
    assert not ws.dataset_dir(raw.id).exists() and not ws.dataset_dir(version.id).exists()
    with pytest.raises(DatasetNotFoundError):
        ws.get_dataset(raw.id)
