"""Permutation importance as a background job on a real model."""

import shutil

import pytest

from automl import jobs
from automl.importance import load_importance
from automl.workspace import Workspace
from tests.helpers import wait_for

pytestmark = pytest.mark.integration


def test_permutation_importance_job_ranks_the_columns_with_intervals(trained, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    job = jobs.start(ws, "importance", run_id=trained.binary_run, params={"shuffles": 3})
    done = wait_for(ws, job.id, timeout=240)
    assert done.status == "succeeded", done.message
    frame = load_importance(ws, trained.binary_run).set_index("feature")
    assert {"sex", "age", "passengerClass"} <= set(frame.index)
    assert frame.loc["sex", "importance"] > 0.05, "sex matters for survival on the Titanic"
    assert any(c.endswith("_high") for c in frame.columns) and any(c.endswith("_low") for c in frame.columns)
