"""Datasets as the app uses them: import a file (ingest + store + profile), profiles and alerts cached
in the dataset's folder, and the columns a user chose to leave out of training."""

from __future__ import annotations

import hashlib
import os
from typing import Any, BinaryIO, Callable

from automl.data.alerts import Alert, find_alerts, table_alerts
from automl.data.cleaning import Recipe
from automl.data.ingest import IngestReport, read_table
from automl.data.profile import ColumnProfile, TableProfile, profile_table
from automl.data.steps import DropColumns, DropDuplicates, GroupRare, Step
from automl.errors import SchemaMismatchError
from automl.store import atomic
from automl.store.workspace import DatasetInfo, Workspace

__all__ = ["import_table", "delete_dataset", "chosen_target", "set_target", "load_profile", "load_alerts",
           "set_excluded", "excluded_columns", "suggested_exclusions", "load_draft", "save_draft", "undo_draft",
           "can_undo", "save_version", "alert_step"]

_HISTORY = 50


def import_table(ws: Workspace, source: str | os.PathLike[str] | bytes | BinaryIO, name: str | None = None,
                 meta: dict[str, Any] | None = None, on_progress: Callable[[float], None] | None = None,
                 max_bytes: int | None = None) -> tuple[DatasetInfo, IngestReport]:
    """Read a file, store it as a dataset with its ingest report, and profile it once."""
    df, report = read_table(source, name=name, max_bytes=max_bytes, on_progress=on_progress)
    info = ws.add_dataset(df, report.source, {"ingest": report.to_dict(), **(meta or {})})
    if not (ws.dataset_dir(info.id) / "profile.json").exists():
        atomic.write_json(ws.dataset_dir(info.id) / "profile.json", profile_table(df).to_dict())
    return info, report


def load_profile(ws: Workspace, dataset_id: str) -> TableProfile:
    path = ws.dataset_dir(dataset_id) / "profile.json"
    data = atomic.read_json(path)
    if data is None:
        profile = profile_table(ws.load_dataset(dataset_id))
        atomic.write_json(path, profile.to_dict())
        return profile
    columns = [ColumnProfile(**{**c, "top": [(t["value"], t["count"]) for t in c["top"]]}) for c in data["columns"]]
    return TableProfile(rows=data["rows"], columns=columns, duplicate_rows=data["duplicate_rows"])


def load_alerts(ws: Workspace, dataset_id: str, label: str | None = None) -> list[Alert]:
    """Table alerts, plus the target's (imbalance, leakage) when a label is given; cached per label."""
    profile = load_profile(ws, dataset_id)
    if label is None:
        return table_alerts(profile)
    key = hashlib.sha256(label.encode()).hexdigest()[:12]
    path = ws.dataset_dir(dataset_id) / f"alerts-{key}.json"
    cached = atomic.read_json(path)
    if cached is None or cached.get("label") != label:
        alerts = find_alerts(ws.load_dataset(dataset_id), label, profile)
        atomic.write_json(path, {"label": label, "alerts": [a.to_dict() for a in alerts]})
        return alerts
    return [Alert(**a) for a in cached["alerts"]]


def chosen_target(ws: Workspace, info: DatasetInfo) -> str | None:
    """The column to predict, chosen once per dataset and carried through Data, Clean and Train: the user's
    last choice, else the target of its latest run, else the one its cleaned version was made for."""
    if info.meta.get("target"):
        return info.meta["target"]
    previous = ws.list_runs(info.id)
    return previous[0].label if previous else info.meta.get("suggested_label")


def set_target(ws: Workspace, dataset_id: str, label: str | None) -> None:
    """Remember the user's choice of target for this dataset (every page starts from it)."""
    info = ws.get_dataset(dataset_id)
    if info.meta.get("target") != label:
        ws.update_dataset_meta(dataset_id, target=label)


def excluded_columns(info: DatasetInfo) -> list[str]:
    return list(info.meta.get("excluded", []))


def suggested_exclusions(ws: Workspace, info: DatasetInfo, label: str) -> list[str]:
    """Columns to leave out by default: the user's choice on the Data page, else the identifier and
    leakage alerts for this target."""
    if "excluded" in info.meta:
        return [c for c in info.meta["excluded"] if c != label]
    return sorted({a.column for a in load_alerts(ws, info.id, label)
                   if a.kind in ("id_like", "leakage") and a.column and a.column != label})


def set_excluded(ws: Workspace, dataset_id: str, columns: list[str]) -> DatasetInfo:
    """Remember the columns to leave out of training (the Train page starts from these)."""
    known = ws.get_dataset(dataset_id).meta.get("columns", {})
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise SchemaMismatchError(f"Cannot exclude unknown column(s): {', '.join(unknown)}.")
    return ws.update_dataset_meta(dataset_id, excluded=sorted(set(columns)))


# -- the recipe being edited on the Clean page: saved in the dataset's folder, with its undo history ------------

def _draft_path(ws: Workspace, dataset_id: str):
    return ws.dataset_dir(dataset_id) / "recipe_draft.json"


def load_draft(ws: Workspace, dataset_id: str) -> Recipe:
    data = atomic.read_json(_draft_path(ws, dataset_id), {}) or {}
    return Recipe.from_dict(data.get("recipe"))


def save_draft(ws: Workspace, dataset_id: str, recipe: Recipe) -> Recipe:
    """Save the draft, keeping the previous one for undo."""
    path = _draft_path(ws, dataset_id)
    data = atomic.read_json(path, {}) or {}
    previous = data.get("recipe", Recipe().to_dict())  # the first step's undo goes back to no steps
    history = (data.get("history", []) + [previous])[-_HISTORY:]
    atomic.write_json(path, {"recipe": recipe.to_dict(), "history": history})
    return recipe


def can_undo(ws: Workspace, dataset_id: str) -> bool:
    return bool((atomic.read_json(_draft_path(ws, dataset_id), {}) or {}).get("history"))


def undo_draft(ws: Workspace, dataset_id: str) -> Recipe:
    path = _draft_path(ws, dataset_id)
    data = atomic.read_json(path, {}) or {}
    history = data.get("history", [])
    if not history:
        return load_draft(ws, dataset_id)
    previous = history.pop()
    atomic.write_json(path, {"recipe": previous, "history": history})
    return Recipe.from_dict(previous)


def save_version(ws: Workspace, dataset_id: str, recipe: Recipe, label: str | None) -> DatasetInfo:
    """Store the cleaned table as a new dataset version that remembers its parent and its recipe.

    Training on a version starts again from the parent's raw rows and fits the recipe on the training
    split only; the stored table is what the recipe makes of all rows, for looking at.
    """
    parent = ws.get_dataset(dataset_id)
    root = parent.meta.get("parent") or dataset_id
    steps = Recipe.from_dict(parent.meta.get("recipe")).steps + recipe.steps if parent.meta.get("parent") \
        else recipe.steps
    full = Recipe(steps)
    _, cleaned = full.fit_apply(ws.load_dataset(root), label)
    versions = [d for d in ws.list_datasets() if d.meta.get("parent") == root]
    base = ws.get_dataset(root).name
    meta = {"parent": root, "recipe": full.to_dict(), "suggested_label": label,
            "excluded": parent.meta.get("excluded", [])}
    info = ws.add_dataset(cleaned.reset_index(drop=True), f"{base} · cleaned v{len(versions) + 1}", meta)
    if not (ws.dataset_dir(info.id) / "profile.json").exists():
        atomic.write_json(ws.dataset_dir(info.id) / "profile.json", profile_table(cleaned).to_dict())
    return info


def delete_dataset(ws: Workspace, dataset_id: str) -> list[str]:
    """Delete a dataset and the cleaned versions made from it; returns the ids deleted. Runs trained on it
    keep their models (and the held-out rows they need), but cannot be trained again."""
    ws.get_dataset(dataset_id)  # raises if unknown
    doomed = [dataset_id] + [d.id for d in ws.list_datasets() if d.meta.get("parent") == dataset_id]
    for did in doomed:
        ws.delete_dataset(did)
    return doomed


def alert_step(alert: Alert) -> Step | None:
    """The cleaning step that fixes an alert, if there is one."""
    if alert.kind == "duplicate_rows":
        return DropDuplicates()
    if alert.kind == "high_cardinality" and alert.column:
        return GroupRare(column=alert.column, min_share=0.01)
    if alert.kind in ("constant", "id_like", "mostly_missing", "leakage") and alert.column:
        return DropColumns(columns=(alert.column,))
    return None
