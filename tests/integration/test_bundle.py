"""Signed model bundles end to end: export, import elsewhere, predict from a zip, tampering refused."""

import shutil

import pandas as pd
import pytest

from automl.model.bundle import load_bundle, load_predictor
from automl.model.signing import BundleSignatureError
from automl.store.workspace import Workspace
from tests.helpers import SAMPLES, run_cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def exported(trained, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bundle")
    proc = run_cli("export", trained.binary_run, "--out", str(tmp / "model.zip"), workspace=trained.root)
    assert proc.returncode == 0, proc.stderr
    return tmp / "model.zip"


def test_a_bundle_moves_between_workspaces_only_with_the_shared_key(trained, exported, tmp_path):
    other = tmp_path / "other"
    refused = run_cli("import", str(exported), workspace=other)
    assert refused.returncode == 2 and "share the signing key" in refused.stderr
    key = tmp_path / "key"
    key.write_bytes((trained.root / "secret.key").read_bytes())
    accepted = run_cli("import", str(exported), "--key-file", str(key), "--json", workspace=other)
    assert accepted.returncode == 0, accepted.stderr
    run_id = __import__("json").loads(accepted.stdout)["run_id"]
    out_a, out_b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run_cli("predict", trained.binary_run, str(SAMPLES / "titanic.csv"), "--out", str(out_a),
                   workspace=trained.root).returncode == 0
    assert run_cli("predict", run_id, str(SAMPLES / "titanic.csv"), "--out", str(out_b),
                   workspace=other).returncode == 0
    pd.testing.assert_frame_equal(pd.read_csv(out_a), pd.read_csv(out_b))  # the deployment clone predicts the same


def test_predict_straight_from_a_bundle_zip(trained, exported, tmp_path):
    out = tmp_path / "p.csv"
    proc = run_cli("predict", str(exported), str(SAMPLES / "titanic.csv"), "--out", str(out), workspace=trained.root)
    assert proc.returncode == 0, proc.stderr
    assert len(pd.read_csv(out)) == 1309


def test_a_tampered_run_is_refused_before_loading(trained, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.binary_run)
    victim = next(p for p in (bundle.run_dir / "predictor").rglob("*.pkl"))
    victim.write_bytes(victim.read_bytes() + b"\x00")
    with pytest.raises(BundleSignatureError, match="changed"):
        load_predictor(bundle)
    proc = run_cli("predict", trained.binary_run, str(SAMPLES / "titanic.csv"), "--out", str(tmp_path / "o.csv"),
                   workspace=root)
    assert proc.returncode == 2 and "refused" in proc.stderr


def test_a_model_file_swapped_after_loading_is_never_unpickled(trained, tmp_path):
    """AutoGluon unpickles models lazily: a kept predictor is checked against its verified files first."""
    import shutil

    from automl.model.bundle import load_bundle, load_predictor, unchanged_since_loaded
    from automl.model.signing import BundleSignatureError
    from automl.store.workspace import Workspace

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.binary_run)
    predictor = load_predictor(bundle)
    assert unchanged_since_loaded(bundle, predictor)
    model_file = next(p for p in bundle.files.predictor.rglob("model.pkl"))
    data = model_file.read_bytes()
    model_file.write_bytes(data)  # same bytes, rewritten: still a change the stamp sees
    assert not unchanged_since_loaded(bundle, predictor)
    predictor = load_predictor(bundle)  # identical content verifies again
    model_file.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # tampered after verification
    assert not unchanged_since_loaded(bundle, predictor)
    with pytest.raises(BundleSignatureError):
        load_predictor(bundle)
