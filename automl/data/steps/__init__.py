"""Cleaning steps (`base.Step`), by what they change: rows and names (`rows`) or values (`values`).
`STEP_TYPES` maps each step's kind, as stored in a recipe's JSON, to its class."""

from __future__ import annotations

from automl.data.steps.base import Mode, Step
from automl.data.steps.rows import DropColumns, DropDuplicates, DropMissingTarget, FilterRows, RenameColumn
from automl.data.steps.values import CastType, CleanText, ClipOutliers, ExpandDate, FillMissing, GroupRare

__all__ = ["Step", "STEP_TYPES", "DropColumns", "DropDuplicates", "DropMissingTarget", "FillMissing", "CastType",
           "ExpandDate", "ClipOutliers", "GroupRare", "RenameColumn", "CleanText", "FilterRows", "Mode"]

STEP_TYPES: dict[str, type[Step]] = {cls.kind: cls for cls in (
    DropColumns, DropDuplicates, DropMissingTarget, FillMissing, CastType, ExpandDate, ClipOutliers, GroupRare,
    RenameColumn, CleanText, FilterRows)}
