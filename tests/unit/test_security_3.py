"""Issue 28's holes (the third security round), each with the test that failed before its fix. The holes
that need a trained model are in tests/integration/test_model_loading.py."""

from __future__ import annotations

import os
import shutil

import pytest

from automl.model.run_files import SIGNED, RunFiles
from automl.model.signing import BundleSignatureError, copy_verified, verify_dir
from automl.store import atomic

# -- 1. the signature covers every file the load can open: no links --------------------------------------------


def _signed_run(ws):
    from automl.model.bundle import sign_run

    files = RunFiles(ws.run_dir("run-1"))
    (files.predictor / "models" / "GBM").mkdir(parents=True)
    (files.predictor / "predictor.pkl").write_bytes(b"predictor")
    (files.predictor / "models" / "GBM" / "model.pkl").write_bytes(b"good")
    atomic.write_json(files.metrics, {"eval_metric": "accuracy"})
    sign_run(ws, "run-1")
    return files


def test_a_predictor_folder_replaced_by_a_link_to_a_copy_with_an_extra_pickle_is_refused(ws):
    files = _signed_run(ws)
    copy = ws.root / "elsewhere"
    shutil.copytree(files.predictor, copy)
    (copy / "models" / "GBM" / "extra.pkl").write_bytes(b"runs code when loaded")
    shutil.rmtree(files.predictor)
    os.symlink(copy, files.predictor)
    with pytest.raises(BundleSignatureError, match="symbolic link"):
        verify_dir(files.root, ws.secret_key(), "run", covered=SIGNED)
    with pytest.raises(BundleSignatureError, match="symbolic link"):
        copy_verified(files.root, ws.secret_key(), "run", SIGNED, ws.root / "private")


def test_a_linked_folder_inside_the_predictor_is_refused_and_never_signed_over(ws):
    from automl.model.bundle import sign_run

    files = _signed_run(ws)
    models = files.predictor / "models"
    copy = ws.root / "elsewhere"
    shutil.copytree(models, copy)
    (copy / "GBM" / "extra.pkl").write_bytes(b"runs code when loaded")
    shutil.rmtree(models)
    os.symlink(copy, models)
    with pytest.raises(BundleSignatureError, match="symbolic link"):
        verify_dir(files.root, ws.secret_key(), "run", covered=SIGNED)
    # a re-sign (saving a threshold) neither drops the linked files from the signature nor accepts them
    digest = atomic.write_json(files.threshold, {"threshold": 0.4})
    with pytest.raises(BundleSignatureError, match="symbolic link"):
        sign_run(ws, "run-1", changed=("threshold.json",), written={"threshold.json": digest})


def test_a_linked_file_is_refused(ws):
    files = _signed_run(ws)
    target = files.predictor / "predictor.pkl"
    (ws.root / "same.pkl").write_bytes(target.read_bytes())
    target.unlink()
    os.symlink(ws.root / "same.pkl", target)
    with pytest.raises(BundleSignatureError, match="symbolic link"):
        verify_dir(files.root, ws.secret_key(), "run", covered=SIGNED)


def test_the_private_copy_holds_exactly_the_signed_bytes(ws, tmp_path):
    files = _signed_run(ws)
    dest = tmp_path / "private"
    dest.mkdir()
    copy_verified(files.root, ws.secret_key(), "run", SIGNED, dest)
    assert (dest / "predictor" / "models" / "GBM" / "model.pkl").read_bytes() == b"good"
    (files.predictor / "models" / "GBM" / "model.pkl").write_bytes(b"evil")
    with pytest.raises(BundleSignatureError, match="model.pkl"):
        copy_verified(files.root, ws.secret_key(), "run", SIGNED, tmp_path / "again")


# -- 4. a re-sign signs only what the caller wrote ---------------------------------------------------------------


def test_a_file_swapped_while_a_run_is_re_signed_is_not_signed(ws, monkeypatch):
    """Verification of the unchanged files passed, then a pickle was swapped before the signature was
    written: the new signature must still hold the verified hash, so the swap stays refused."""
    from automl.model import bundle as bundle_mod

    files = _signed_run(ws)
    real_verify = bundle_mod.verify_dir

    def verify_then_swap(*args, **kwargs):
        out = real_verify(*args, **kwargs)
        (files.predictor / "models" / "GBM" / "model.pkl").write_bytes(b"evil")
        return out

    monkeypatch.setattr(bundle_mod, "verify_dir", verify_then_swap)
    digest = atomic.write_json(files.threshold, {"threshold": 0.4})
    bundle_mod.sign_run(ws, "run-1", changed=("threshold.json",), written={"threshold.json": digest})
    monkeypatch.setattr(bundle_mod, "verify_dir", real_verify)
    with pytest.raises(BundleSignatureError, match="model.pkl"):
        verify_dir(files.root, ws.secret_key(), "run", covered=SIGNED)


def test_a_re_signed_json_is_signed_as_written_not_as_found(ws):
    from automl.model.bundle import sign_run

    files = _signed_run(ws)
    digest = atomic.write_json(files.threshold, {"threshold": 0.4})
    atomic.write_json(files.threshold, {"threshold": 0.01})  # swapped after the caller wrote it
    sign_run(ws, "run-1", changed=("threshold.json",), written={"threshold.json": digest})
    with pytest.raises(BundleSignatureError, match="threshold.json"):
        verify_dir(files.root, ws.secret_key(), "run", covered=SIGNED)


# -- the private folders ---------------------------------------------------------------------------------------


def test_private_folders_are_ours_alone_and_a_dead_process_s_are_removed(tmp_path, monkeypatch):
    import stat
    import subprocess
    import sys

    from automl.store import private

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    folder = private.private_folder("model")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder.parent).st_mode) == 0o700
    code = ("import os, sys; sys.path.insert(0, os.getcwd()); from automl.store import private; "
            "print(private.private_folder('model')); os._exit(9)")  # killed: its clean-up never runs
    left = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ},
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__)))).stdout.strip()
    assert os.path.isdir(left)
    another = private.private_folder("model")  # this process's first folder is alive: kept; the dead one's goes
    assert folder.is_dir() and another.is_dir() and not os.path.exists(left)
    private.remove(folder)
    private.remove(another)
    assert not folder.exists()


def test_a_private_parent_that_is_not_ours_is_refused(tmp_path, monkeypatch):
    from automl.store import private

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    (tmp_path / "decoy").mkdir()
    os.symlink(tmp_path / "decoy", tmp_path / f"automl-studio-{os.getuid()}")
    with pytest.raises(private.PrivateFolderError):
        private.private_folder("model")


# -- 6. Parquet is bounded by what it decodes to -------------------------------------------------------------------


def test_parquet_of_run_length_encoded_numbers_is_refused_by_what_it_decodes_to(tmp_path):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.unit.test_security import _read_in_a_fresh_process

    path = tmp_path / "ints.parquet"
    pq.write_table(pa.table({"a": np.zeros(20_000_000, dtype=np.int64)}), path, compression="zstd")
    assert path.stat().st_size < 200_000  # 160 MB of numbers in ~91 KB
    result = _read_in_a_fresh_process(path, AUTOML_STUDIO_MAX_UPLOAD_MB="1")
    assert "unpacks to more than the 20 MB allowed" in result["outcome"]
    assert result["grew_mb"] < 60


def test_parquet_of_dictionary_encoded_text_is_refused_before_the_text_is_decoded(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.unit.test_security import _read_in_a_fresh_process

    path = tmp_path / "text.parquet"
    pq.write_table(pa.table({"s": pa.array(["x" * 10_000] * 100_000)}), path, compression="zstd")
    assert path.stat().st_size < 5_000  # about 1 GB of text in a few KB
    result = _read_in_a_fresh_process(path, AUTOML_STUDIO_MAX_UPLOAD_MB="1")
    assert "unpacks to more than the 20 MB allowed" in result["outcome"]
    assert result["grew_mb"] < 60


def test_an_ordinary_parquet_file_reads_as_pandas_reads_it(tmp_path):
    import numpy as np
    import pandas as pd

    from automl.data.ingest import read_table

    df = pd.DataFrame({"a": range(1000), "b": ["x", None] * 500, "c": pd.Categorical(["p", "q"] * 500),
                       "d": np.linspace(0, 1, 1000), "when": pd.date_range("2024-01-01", periods=1000, freq="h")})
    df.to_parquet(tmp_path / "ok.parquet")
    got = read_table(tmp_path / "ok.parquet")[0]
    pd.testing.assert_frame_equal(got, pd.read_parquet(tmp_path / "ok.parquet"))


# -- 9. one attacker cannot lock everyone out ---------------------------------------------------------------------


def test_many_failures_slow_the_server_down_but_never_refuse_the_right_password_for_long():
    from automl.serving import access

    access.forget_global_failures()
    now = 1000.0
    for i in range(access.GLOBAL_FAILURES_PER_MINUTE):  # an attacker, a new session for every guess
        keys = [f"session:attacker-{i}"]
        assert access.wait_before_check(keys, now=now) == 0
        access.record_failed_attempt(keys, now=now)
        now += 0.1
    # now at most one check a second, server-wide: the attacker's next guesses and a person's try alike
    assert access.wait_before_check(["session:attacker-x"], now=now) == 0
    assert 0 < access.wait_before_check(["session:person"], now=now + 0.2) <= access.GLOBAL_SPACING_S
    assert access.wait_before_check(["session:person"], now=now + 1.1) == 0
    # a session's own failures wait at most MAX_WAIT_S, however many
    for i in range(50):
        access.record_failure("session:typo", now=now + i)
    assert access.wait_before_check(["session:typo"], now=now + 49) <= access.MAX_WAIT_S <= 10
    # a minute later the server is calm again
    assert access.wait_before_check(["session:person"], now=now + 120) == 0
    access.forget_global_failures()


@pytest.mark.parametrize("peer,forwarded,behind,expected", [
    (None, None, False, None),                      # loopback without a proxy: everyone shares it
    ("127.0.0.1", None, False, None),
    ("198.51.100.7", None, False, "198.51.100.7"),
    ("127.0.0.1", "203.0.113.9, 198.51.100.7", True, "198.51.100.7"),  # the last hop, which the proxy wrote
    ("127.0.0.1", "203.0.113.9, 198.51.100.7", False, None),  # a header nobody vouches for is ignored
    (None, None, True, None),
])
def test_failures_are_counted_by_a_client_address_only_when_it_is_one_client_s(monkeypatch, peer, forwarded,
                                                                              behind, expected):
    from automl.serving import access

    if behind:
        monkeypatch.setenv(access.PROXY_ENV, "1")
    else:
        monkeypatch.delenv(access.PROXY_ENV, raising=False)
    assert access.client_address(peer, forwarded) == expected


# -- 8. uploads before sign-in -------------------------------------------------------------------------------------


def test_streamlit_s_upload_manager_keeps_only_signed_in_sessions_files():
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    from ui.gate import guard_uploads

    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    guard_uploads(manager, lambda session: session == "signed")
    for session in ("anonymous", "signed"):
        manager.add_file(session, UploadedFileRec(file_id="f", name="a.csv", type="text/csv", data=b"x" * 1000))
    assert manager.get_files("anonymous", ["f"]) == []
    assert len(manager.get_files("signed", ["f"])) == 1


def test_the_repository_config_keeps_streamlit_run_on_this_machine_within_the_app_s_upload_limit():
    import tomllib

    from automl.data.limits import max_upload_bytes
    from tests.helpers import REPO

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["maxUploadSize"] == 500 == max_upload_bytes() // 2**20


# -- 10, 11. nothing of the training rows published; an example that cannot run a command -------------------------


def _customers():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 400
    return pd.DataFrame({
        "customer_id": [f"C{100000 + i}" for i in range(n)],
        "full_name": [f"Person Number{i} Smith" for i in range(n)],
        "state": rng.choice(["NY", "CA", "TX"], n),
        "plan": ["gold"] * 3 + ["basic"] * (n - 3),  # 'gold': 3 customers, too few to be a category
        "minutes": rng.normal(200, 30, n).round(1),
        "churn": rng.choice(["yes", "no"], n),
    })


def test_the_endpoint_publishes_no_training_ids_names_or_rare_values():
    import json

    from automl.model.schema import build_schema
    from automl.serving.rows import example_row, request_model, schema_view

    frame = _customers()
    schema = build_schema(frame, "churn", "binary", ["no", "yes"])
    published = json.dumps(schema_view(schema)) + json.dumps(request_model(schema).model_json_schema())
    published += json.dumps(example_row(schema))
    leaked = [v for v in list(frame["customer_id"]) + list(frame["full_name"]) + ["gold"] if v in published]
    assert not leaked, leaked[:5]
    assert '"NY"' in published and '"basic"' in published  # real categories are still listed
    row = example_row(schema)
    assert row["customer_id"] is None and row["full_name"] is None and row["state"] in ("NY", "CA", "TX")
    assert row["minutes"] == pytest.approx(frame["minutes"].median(), rel=1e-3)


def test_a_run_from_before_rows_were_counted_publishes_no_categories():
    from automl.model.schema import InputSchema, build_schema
    from automl.serving.rows import public_categories

    d = build_schema(_customers(), "churn", "binary", ["no", "yes"]).to_dict()
    for f in d["features"]:
        f.pop("present", None)
    old = InputSchema.from_dict(d)
    assert public_categories(old.feature("state")) == ()


@pytest.mark.parametrize("hostile", ["x'$(touch {marker})'y", "`touch {marker}`", "a\nJSON\ntouch {marker}\n",
                                     "\\'; touch {marker}; echo '", "$HOME ${{IFS}} !! \\\" \\\\"])
def test_the_deploy_page_s_curl_example_sends_any_value_as_it_is_and_runs_nothing(tmp_path, hostile):
    import json
    import subprocess

    from ui.deploy_views import curl_example

    marker = tmp_path / "pwned"
    value = hostile.format(marker=marker)
    rows = [{"name": value, "n": 1.5, "missing": None}]
    script = "curl() { cat > " + str(tmp_path / "body.json") + "; }\n" + curl_example("http://127.0.0.1:9", rows)
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()
    assert json.loads((tmp_path / "body.json").read_text()) == {"rows": rows}


# -- 13. no table downloads a formula -------------------------------------------------------------------------------


def test_tables_own_csv_export_is_off_however_the_app_is_started_and_the_app_s_download_is_escaped():
    import tomllib

    import pandas as pd

    from automl.data.spreadsheet import safe_csv
    from tests.helpers import REPO

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True
    server = (REPO / "ui" / "server.py").read_text()
    assert '"--client.disableDataExport", "true"' in server
    page = (REPO / "pages" / "data.py").read_text()
    assert "safe_csv(df)" in page
    text = safe_csv(pd.DataFrame({"=cmd|' /C calc'!A0": ["=HYPERLINK(\"http://x\")", "-3.5", "@SUM(1)", "ok"],
                                  "n": [-1, 2, 3, 4]})).decode()
    assert "'=HYPERLINK" in text and "'@SUM" in text and "'=cmd" in text and "\n-3.5," in text and ",-1\n" in text


# -- 18, 19. retention without opening a page; a workspace that is its owner's alone -----------------------------


def _expired(ws, days_ago: float = 30):
    """A scored upload and an answer kept by id, both back-dated past the retention period."""
    import time
    from contextlib import closing

    from automl.store import batches

    folder = batches.batch_folder(ws, "run-1", "upload", ".csv")
    folder.input.write_text("name,age\nAnn,30\n")
    atomic.write_json(folder.root / "meta.json", {"run_id": "run-1", "created_at": time.time() - days_ago * 86400})
    ws.record_scoring("d", "run-1", "batch", 1, answers=[("Ann", "yes", None)])
    with closing(ws._connect()) as con, con:  # noqa: SLF001 - back-dating a record, as time would
        con.execute("UPDATE answers SET at = ?", (time.time() - days_ago * 86400,))
    return folder


def _answers(ws) -> int:
    from contextlib import closing

    with closing(ws._connect()) as con:  # noqa: SLF001
        return con.execute("SELECT COUNT(*) FROM answers").fetchone()[0]


def test_any_cli_command_removes_what_is_kept_past_the_retention_period(tmp_path):
    from automl.store.workspace import Workspace
    from tests.helpers import run_cli

    ws = Workspace(tmp_path / "ws")
    folder = _expired(ws)
    assert folder.root.exists() and _answers(ws) == 1
    assert run_cli("deployments", workspace=ws.root).returncode == 0
    assert not folder.root.exists() and _answers(ws) == 0


def test_a_long_running_server_purges_on_a_timer(tmp_path):
    import time

    from automl.store import batches
    from automl.store.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    batches.keep_purging(ws, every_s=0.2)
    folder = _expired(ws)  # expires while the server runs
    deadline = time.monotonic() + 10
    while (folder.root.exists() or _answers(ws)) and time.monotonic() < deadline:  # the folder goes first
        time.sleep(0.05)
    assert not folder.root.exists() and _answers(ws) == 0


def test_the_app_s_workspace_purges_when_the_server_opens_it(tmp_path, monkeypatch):
    import time

    from automl.store.workspace import Workspace
    from ui import loaders

    folder = _expired(Workspace(tmp_path / "ws"))
    loaders.workspace.clear()
    loaders.workspace(str(tmp_path / "ws"))
    deadline = time.monotonic() + 10
    while folder.root.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not folder.root.exists()


def test_an_existing_workspace_is_tightened_to_its_owner_on_open(tmp_path):
    import stat

    from automl.store.workspace import Workspace

    root = tmp_path / "ws"
    Workspace(root)
    os.chmod(root, 0o755)
    os.chmod(root / "catalog.sqlite", 0o644)
    Workspace(root)
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(root / "catalog.sqlite").st_mode) == 0o600


def test_an_imported_model_is_signed_with_the_hashes_it_was_verified_with(tmp_path, monkeypatch):
    """The import moved the extracted files into the workspace, then signed them as found: a pickle swapped
    between the move and the signature would have been signed as the workspace's own."""
    import hashlib
    import json
    import zipfile
    from pathlib import Path

    from automl.model import bundle_io
    from automl.model.signing import sign_manifest
    from automl.store.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    files = {"predictor/predictor.pkl": b"model", "metrics.json": b'{"eval_metric": "accuracy"}',
             "schema.json": b"{}", "model.json": b"{}", "config.json": b'{"label": "y"}'}
    manifest = {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}
    with zipfile.ZipFile(tmp_path / "m.zip", "w") as zf:
        zf.writestr("SIGNATURE.json", json.dumps(sign_manifest(ws.secret_key(), manifest)))
        for name, data in files.items():
            zf.writestr(name, data)
    real_move = bundle_io.shutil.move

    def move_then_swap(src, dst):
        out = real_move(src, dst)
        (Path(dst) / "predictor" / "predictor.pkl").write_bytes(b"evil")
        return out

    monkeypatch.setattr(bundle_io.shutil, "move", move_then_swap)
    monkeypatch.setattr(bundle_io.RunMetrics, "from_dict", classmethod(lambda cls, d: _Metrics()))
    run = bundle_io.import_bundle(ws, tmp_path / "m.zip")
    with pytest.raises(BundleSignatureError, match="predictor.pkl"):
        verify_dir(ws.run_dir(run.id), ws.secret_key(), "run", covered=SIGNED)


class _Metrics:
    test_score, value, eval_metric = 0.9, 0.9, "accuracy"
