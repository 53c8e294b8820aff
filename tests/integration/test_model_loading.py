"""Issue 28, items 2-5: a model loads only what was verified. Each test plays a second process that swaps a
pickle in the run's folder at the worst moment; the pickle creates a marker file when it is unpickled, so
the test sees whether it ran."""

from __future__ import annotations

import pickle
import shutil

import pandas as pd
import pytest

from automl.store.workspace import Workspace
from tests.helpers import SAMPLES, copy_workspace

pytestmark = pytest.mark.integration


class _Evil:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))  # runs when unpickled: creates the marker


def _swap_in_evil(predictor_dir, marker) -> None:
    """Every pickle of the run's predictor folder replaced, as an attacker with write access would."""
    evil = pickle.dumps(_Evil(str(marker)))
    for path in predictor_dir.rglob("*.pkl"):
        path.write_bytes(evil)


@pytest.fixture
def copy_ws(trained, tmp_path):
    return Workspace(copy_workspace(trained.root, tmp_path / "copy"))


def test_a_pickle_swapped_between_the_check_and_the_load_never_runs(trained, copy_ws, tmp_path, monkeypatch):
    from autogluon.tabular import TabularPredictor

    from automl.model.bundle import load_bundle, load_predictor
    from automl.model.signing import BundleSignatureError

    bundle = load_bundle(copy_ws, trained.binary_run)
    marker = tmp_path / "ran"
    real_load = TabularPredictor.load.__func__

    def swap_then_load(cls, path, *args, **kwargs):  # the check is done; the second process wins the race
        _swap_in_evil(bundle.files.predictor, marker)
        return real_load(cls, path, *args, **kwargs)

    monkeypatch.setattr(TabularPredictor, "load", classmethod(swap_then_load))
    predictor = load_predictor(bundle)
    out = predictor.predict(pd.read_csv(SAMPLES / "titanic.csv").head(5).drop(columns=["survived"]))
    assert len(out) == 5
    assert not marker.exists()
    monkeypatch.undo()
    with pytest.raises(BundleSignatureError):  # and the swapped run is refused from now on
        load_predictor(bundle)
    assert not marker.exists()


def test_a_batch_holds_the_model_it_checked_while_pickles_are_swapped_mid_file(trained, copy_ws, tmp_path):
    from automl.model.bundle import load_bundle, load_predictor
    from automl.prediction.files import predict_csv

    bundle = load_bundle(copy_ws, trained.binary_run)
    predictor = load_predictor(bundle)
    marker = tmp_path / "ran"
    swapped = []

    def after_chunk(rows: int) -> None:
        if not swapped:
            _swap_in_evil(bundle.files.predictor, marker)
            swapped.append(rows)

    report = predict_csv(predictor, bundle, SAMPLES / "titanic.csv", tmp_path / "out.csv", chunk_rows=200,
                         on_progress=after_chunk)
    assert swapped and report.rows == 1309
    assert not marker.exists()
    assert len(pd.read_csv(tmp_path / "out.csv")) == 1309


def test_a_refit_works_from_the_verified_copy_and_signs_only_what_it_wrote(trained, copy_ws, tmp_path,
                                                                             monkeypatch):
    from automl.model import reshape
    from automl.model.bundle import load_bundle, load_predictor, verify_bundle
    from automl.prediction.rows import predict_frame

    bundle = load_bundle(copy_ws, trained.split_only_run)
    marker = tmp_path / "ran"

    def load_then_swap(b):
        predictor = load_predictor(b)
        _swap_in_evil(b.files.predictor, marker)  # after the job's check, before it copies the predictor
        return predictor

    monkeypatch.setattr(reshape, "load_predictor", load_then_swap)
    reshape.run_refit_job(copy_ws, _job(bundle), _Events(), lambda: False)
    assert not marker.exists()
    bundle = load_bundle(copy_ws, trained.split_only_run)
    verify_bundle(bundle)  # what was signed is what the job built, none of the swapped pickles
    assert not any(p.read_bytes() == pickle.dumps(_Evil(str(marker))) for p in bundle.files.predictor.rglob("*.pkl"))
    out, _ = predict_frame(load_predictor(bundle), bundle, pd.read_csv(SAMPLES / "titanic.csv").head(20))
    assert len(out) == 20 and not marker.exists()


def test_promote_refuses_a_run_whose_model_is_gone_and_the_deployment_keeps_its_model(trained, copy_ws):
    from automl.errors import DeploymentError
    from automl.serving import deployments

    deployments.deploy(copy_ws, trained.binary_run, "churn")
    shutil.rmtree(copy_ws.run_dir(trained.split_only_run) / "predictor")
    with pytest.raises(DeploymentError, match="cannot be served"):
        deployments.promote(copy_ws, "churn", trained.split_only_run)
    assert deployments.get(copy_ws, "churn").run_id == trained.binary_run


class _Events:
    def emit(self, *args, **kwargs) -> None:
        pass


def _job(bundle):
    from automl.store.catalogue import JobRecord

    return JobRecord(id="job-refit", kind="refit", run_id=bundle.run_id, status="running", pid=None,
                     created_at=0.0, started_at=None, finished_at=None, message="")
