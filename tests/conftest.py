"""Shared fixtures. A real AutoGluon run is trained once per session and shared by integration,
AppTest and browser tests (small budgets, few models)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import FAST_MODELS, SAMPLES, run_cli, wait_for


@pytest.fixture
def ws(tmp_path):
    from automl.workspace import Workspace

    return Workspace(tmp_path / "ws")


@dataclass(frozen=True)
class TrainedWorkspace:
    root: Path
    binary_run: str
    regression_run: str
    multiclass_run: str
    train_json: dict


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> TrainedWorkspace:
    """A workspace with a finished binary run (titanic, trained through the CLI), a regression run (diamonds)
    and a multiclass run (penguins)."""
    from automl.training import TrainConfig, start_training
    from automl.workspace import Workspace

    root = tmp_path_factory.mktemp("trained") / "ws"
    proc = run_cli("train", str(SAMPLES / "titanic.csv"), "--label", "survived", "--time-limit", "30",
                   "--models", *FAST_MODELS, "--json", workspace=root)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)

    ws = Workspace(root)
    diamonds = pd.read_csv(SAMPLES / "diamonds.csv").sample(1500, random_state=0)
    dataset = ws.add_dataset(diamonds, "diamonds-sample.csv")
    run = start_training(ws, TrainConfig(dataset.id, "price", time_limit=30, model_families=("GBM",)))
    job = wait_for(ws, run.id)
    assert job.status == "succeeded", job.message
    penguins = ws.add_dataset(pd.read_csv(SAMPLES / "penguins.csv"), "penguins.csv")
    multi = start_training(ws, TrainConfig(penguins.id, "species", time_limit=20, model_families=("GBM",)))
    assert wait_for(ws, multi.id).status == "succeeded"
    return TrainedWorkspace(root=root, binary_run=result["run_id"], regression_run=run.id, multiclass_run=multi.id,
                            train_json=result)


@pytest.fixture(autouse=True)
def _no_stray_home(monkeypatch, tmp_path):
    # Never write to the developer's ./workspace from a test.
    monkeypatch.setenv("AUTOML_STUDIO_HOME", str(tmp_path / "default-ws"))
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
