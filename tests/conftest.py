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

# Plans are made as on an idle machine: the load of the tests' own training jobs must not change what a test
# trains (the busy-machine plan has its unit tests). Inherited by every CLI, job and server the tests start.
os.environ.setdefault("AUTOML_STUDIO_PLAN_LOAD", "0")


@pytest.fixture
def ws(tmp_path):
    from automl.store.workspace import Workspace

    return Workspace(tmp_path / "ws")


@dataclass(frozen=True)
class TrainedWorkspace:
    root: Path
    binary_run: str
    regression_run: str
    multiclass_run: str
    train_json: dict
    split_only_run: str  # titanic kept on its training split (retraining on every row off): it can be shrunk


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> TrainedWorkspace:
    """A workspace with a finished binary run (titanic, trained through the CLI), a regression run (diamonds)
    and a multiclass run (penguins)."""
    from automl.store.workspace import Workspace
    from automl.training.config import TrainConfig, start_training

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
    split_only = start_training(ws, TrainConfig(result["dataset_id"], "survived", time_limit=20,
                                                model_families=tuple(FAST_MODELS), refit_all_rows=False))
    assert wait_for(ws, split_only.id).status == "succeeded"
    return TrainedWorkspace(root=root, binary_run=result["run_id"], regression_run=run.id, multiclass_run=multi.id,
                            train_json=result, split_only_run=split_only.id)


@dataclass(frozen=True)
class ForecastWorkspace:
    root: Path
    arrivals_run: str   # 4 quarterly series by origin, 4 quarters ahead, trained through the CLI
    seatbelts_run: str  # one monthly series, 12 months ahead, `law`, `PetrolPrice` and `kms` known in advance
    train_json: dict


@pytest.fixture(scope="session")
def forecasts(tmp_path_factory) -> ForecastWorkspace:
    """A workspace with two finished forecast runs (the fast model set, small budgets)."""
    from automl.store.workspace import Workspace
    from automl.training.forecast_config import ForecastConfig, start_forecast

    root = tmp_path_factory.mktemp("forecasts") / "ws"
    proc = run_cli("train", str(SAMPLES / "arrivals_quarterly.csv"), "--task", "forecast", "--time", "quarter",
                   "--series", "origin", "--label", "arrivals", "--horizon", "4", "--preset", "fast",
                   "--time-limit", "30", "--json", workspace=root)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    ws = Workspace(root)
    seatbelts = pd.read_csv(SAMPLES / "seatbelts_monthly.csv", parse_dates=["month"])
    dataset = ws.add_dataset(seatbelts[["month", "drivers", "law", "PetrolPrice", "kms"]], "seatbelts_monthly.csv")
    run = start_forecast(ws, ForecastConfig(dataset.id, "drivers", "month", 12, known=("law", "PetrolPrice", "kms"),
                                            preset="fast", time_limit=25))
    job = wait_for(ws, run.id)
    assert job.status == "succeeded", job.message
    return ForecastWorkspace(root, result["run_id"], run.id, result)


@pytest.fixture(autouse=True)
def _no_stray_home(monkeypatch, tmp_path):
    # Never write to the developer's ./workspace from a test.
    monkeypatch.setenv("AUTOML_STUDIO_HOME", str(tmp_path / "default-ws"))
    os.environ.setdefault("PYTHONUNBUFFERED", "1")


def pytest_collection_modifyitems(items):
    """Every test carries its tier's marker, from the folder it lives in (a file cannot forget it)."""
    for item in items:
        tier = next((p for p in Path(str(item.fspath)).parts if p in _SUITES), None)
        if tier:
            item.add_marker(getattr(pytest.mark, tier))


# ---- the one-line summary `make test` ends with: what ran, per suite ------------------------------------

_SUITES = {"unit": "unit", "integration": "integration", "app": "AppTest pages", "e2e": "browser (Chromium)"}
_outcomes: dict[str, dict[str, int]] = {}
_started = __import__("time").time()


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        parts = Path(report.fspath).parts
        suite = next((_SUITES[p] for p in parts if p in _SUITES), "other")
        counts = _outcomes.setdefault(suite, {})
        outcome = "error" if report.when == "setup" and report.failed else report.outcome
        counts[outcome] = counts.get(outcome, 0) + 1


def pytest_sessionfinish(session, exitstatus):
    if not _outcomes or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    elapsed = __import__("time").time() - _started
    total = {k: sum(c.get(k, 0) for c in _outcomes.values()) for k in ("passed", "failed", "error", "skipped")}
    suites = ", ".join(f"{name} {sum(c.values())}" for name, c in sorted(_outcomes.items()))
    verdict = "PASSED" if total["failed"] == total["error"] == 0 else "FAILED"
    line = (f"make test {verdict}: {sum(total.values())} tests ({suites}): {total['passed']} passed, "
            f"{total['failed']} failed, {total['error']} errors, {total['skipped']} skipped "
            f"in {int(elapsed // 60)} min {int(elapsed % 60)} s")
    out = Path(__file__).resolve().parent.parent / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "summary.txt").write_text(line + "\n", encoding="utf-8")
