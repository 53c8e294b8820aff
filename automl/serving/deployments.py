"""Deployments: a name that points at one run (its champion) and keeps its history.

`deploy` creates a name or points it at another run, `promote` moves an existing one, `rollback` points it
back at the run it served before its last change. Only a run with a complete, signed model can be
deployed (checked by verifying and loading it). Everything scored through a deployment — a batch file, the
endpoint's requests — is recorded under its name (`record`), for monitoring.
"""

from __future__ import annotations

from dataclasses import dataclass

from automl.data.markdown import code
from automl.errors import AutoMLError, DeploymentError, NotFoundError
from automl.model.bundle import load_bundle, load_predictor
from automl.model.forecast_run import is_forecast, load_forecast_run, load_forecaster
from automl.store.deploy_records import DeploymentRecord, HistoryEntry
from automl.store.workspace import Workspace, validate_id

__all__ = ["Deployment", "deploy", "promote", "rollback", "list_deployments", "get", "resolve", "record"]


@dataclass(frozen=True)
class Deployment:
    name: str
    run_id: str
    created_at: float
    changed_at: float
    history: tuple[HistoryEntry, ...]

    def to_dict(self) -> dict:
        return {"name": self.name, "run_id": self.run_id, "created_at": self.created_at,
                "changed_at": self.changed_at,
                "history": [{"run_id": h.run_id, "action": h.action, "at": h.at} for h in self.history]}


def _full(ws: Workspace, record: DeploymentRecord) -> Deployment:
    return Deployment(record.name, record.run_id, record.created_at, record.changed_at,
                      tuple(ws.deployment_history(record.name)))


def _ready(ws: Workspace, run_id: str, name: str, serving: str | None = None) -> str:
    """`run_id`, once its model is complete, verifies and loads and, when the deployment serves `serving` now,
    it keeps that run's contract: the same target, problem type and input columns (what clients send)."""
    if is_forecast(ws.get_run(run_id)):
        return _ready_forecast(ws, run_id, name, serving)
    if serving is not None and serving != run_id and is_forecast(ws.get_run(serving)):
        raise DeploymentError(f"{name} serves a forecast; {run_id} predicts rows of a table. Clients would send the "
                              "wrong request: deploy it under another name.")
    bundle = load_bundle(ws, run_id)  # a run still training, failed, or without its model files stops here
    try:
        load_predictor(bundle)  # what an endpoint will do: a run whose model files are gone or changed stops here
    except AutoMLError as exc:
        raise DeploymentError(f"{run_id} cannot be served: {exc}") from exc
    except Exception as exc:  # AutoGluon's own load raises many kinds
        raise DeploymentError(f"{run_id} cannot be served: its model does not load ({type(exc).__name__}).") from exc
    new = bundle.schema
    if serving is not None and serving != run_id:
        old = load_bundle(ws, serving).schema
        if (new.label, new.problem_type, new.names) != (old.label, old.problem_type, old.names):
            raise DeploymentError(
                f"{run_id} does not keep {name}'s contract: it predicts {code(new.label)} ({new.problem_type}) from "
                f"{len(new.names)} column(s), {name} predicts {code(old.label)} ({old.problem_type}) from "
                f"{len(old.names)}. Clients would send the wrong columns: deploy it under another name.")
    return run_id


def _ready_forecast(ws: Workspace, run_id: str, name: str, serving: str | None) -> str:
    """A forecast run verifies and loads; a deployment keeps its columns, their roles and its horizon."""
    run = load_forecast_run(ws, run_id)
    try:
        load_forecaster(run)
    except AutoMLError as exc:
        raise DeploymentError(f"{run_id} cannot be served: {exc}") from exc
    except Exception as exc:
        raise DeploymentError(f"{run_id} cannot be served: its model does not load ({type(exc).__name__}).") from exc
    if serving is not None and serving != run_id:
        if not is_forecast(ws.get_run(serving)):
            raise DeploymentError(f"{name} predicts rows of a table; {run_id} is a forecast. Clients would send the "
                                  "wrong request: deploy it under another name.")
        old, new = load_forecast_run(ws, serving).spec, run.spec
        if (old.columns, old.horizon) != (new.columns, new.horizon):
            raise DeploymentError(f"{run_id} does not keep {name}'s contract: it reads {len(new.columns)} column(s) "
                                  f"and forecasts {new.horizon} steps, {name} reads {len(old.columns)} and forecasts "
                                  f"{old.horizon}. Deploy it under another name.")
    return run_id


def deploy(ws: Workspace, run_id: str, name: str) -> Deployment:
    """Create the deployment `name` serving `run_id`, or point an existing one at it."""
    validate_id(name, "deployment name")
    existing = ws.get_deployment(name)
    if existing is not None and existing.run_id == run_id:
        return _full(ws, existing)
    serving = existing.run_id if existing else None
    return _full(ws, ws.point_deployment(name, _ready(ws, run_id, name, serving),
                                         "promote" if existing else "deploy"))


def promote(ws: Workspace, name: str, run_id: str) -> Deployment:
    """Point an existing deployment at another run."""
    current = get(ws, name)
    if current.run_id == run_id:
        raise DeploymentError(f"{name} already serves {run_id}.")
    return _full(ws, ws.point_deployment(name, _ready(ws, run_id, name, current.run_id), "promote"))


def rollback(ws: Workspace, name: str) -> Deployment:
    """Point the deployment back at the run it served before its last change."""
    current = get(ws, name)
    previous = next((h.run_id for h in current.history if h.run_id != current.run_id), None)
    if previous is None:
        raise DeploymentError(f"{name} has served only {current.run_id}: there is nothing to roll back to.")
    return _full(ws, ws.point_deployment(name, _ready(ws, previous, name, current.run_id), "rollback"))


def get(ws: Workspace, name: str) -> Deployment:
    record = ws.get_deployment(validate_id(name, "deployment name"))
    if record is None:
        known = ", ".join(d.name for d in ws.list_deployments()) or "none yet"
        raise DeploymentError(f"No deployment {name!r} (deployments: {known}). Create one with "
                              "`automl-studio deploy RUN --name NAME`.")
    return _full(ws, record)


def list_deployments(ws: Workspace) -> list[Deployment]:
    return [_full(ws, r) for r in ws.list_deployments()]


def resolve(ws: Workspace, name_or_run: str) -> tuple[str, str | None]:
    """(run id, deployment name or None) for a deployment name or a run id."""
    validate_id(name_or_run, "run id or deployment name")
    record = ws.get_deployment(name_or_run)
    if record is not None:
        return record.run_id, record.name
    try:
        ws.get_run(name_or_run)
    except NotFoundError:
        raise DeploymentError(f"No run or deployment {name_or_run!r} in {ws.root}: see the app's Runs page or "
                              "`automl-studio deployments`.") from None
    return name_or_run, None


def record(ws: Workspace, deployment: str | None, run_id: str, source: str, rows: int, **detail) -> None:
    """Record rows scored through a deployment (nothing when scored by run id)."""
    if deployment:
        ws.record_scoring(deployment, run_id, source, rows, detail)
