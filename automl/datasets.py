"""Datasets as the app uses them: import a file (ingest + store + profile), profiles and alerts cached
in the dataset's folder, and the columns a user chose to leave out of training."""

from __future__ import annotations

import hashlib
import os
from typing import Any, BinaryIO, Callable

from automl import atomic
from automl.errors import SchemaMismatchError
from automl.alerts import Alert, find_alerts, table_alerts
from automl.ingest import MAX_UPLOAD_BYTES, IngestReport, read_table
from automl.profile import ColumnProfile, TableProfile, profile_table
from automl.workspace import DatasetInfo, Workspace

__all__ = ["import_table", "load_profile", "load_alerts", "set_excluded", "excluded_columns"]


def import_table(ws: Workspace, source: str | os.PathLike[str] | bytes | BinaryIO, name: str | None = None,
                 meta: dict[str, Any] | None = None, on_progress: Callable[[float], None] | None = None,
                 max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[DatasetInfo, IngestReport]:
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


def excluded_columns(info: DatasetInfo) -> list[str]:
    return list(info.meta.get("excluded", []))


def set_excluded(ws: Workspace, dataset_id: str, columns: list[str]) -> DatasetInfo:
    """Remember the columns to leave out of training (the Train page starts from these)."""
    known = ws.get_dataset(dataset_id).meta.get("columns", {})
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise SchemaMismatchError(f"Cannot exclude unknown column(s): {', '.join(unknown)}.")
    return ws.update_dataset_meta(dataset_id, excluded=sorted(set(columns)))
