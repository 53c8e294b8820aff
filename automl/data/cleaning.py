"""A cleaning `Recipe`: an ordered list of steps, fitted on the training split and replayed, identically,
on every row predicted later.

JSON format (what the Clean page downloads and `automl-studio train --recipe FILE.json` reads)::

    {"format": "automl-studio-recipe", "version": 1,
     "steps": [{"kind": "fill_missing", "column": "age", "strategy": "median"},
               {"kind": "drop_columns", "columns": ["name"]}]}

Step kinds and their fields are those of `automl.data.steps` (`STEP_TYPES`). Fields ending in `_` are
learned by `fit` and may be left out. See docs/recipe.md.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from automl.data.steps import STEP_TYPES, DropColumns, Mode, Step
from automl.errors import RecipeError

__all__ = ["Recipe", "step_from_dict", "preview", "Preview", "FORMAT"]

FORMAT = "automl-studio-recipe"


def step_from_dict(d: dict[str, Any]) -> Step:
    kind = d.get("kind")
    cls = STEP_TYPES.get(kind)
    if cls is None:
        raise RecipeError(f"Unknown cleaning step {kind!r}; known steps: {', '.join(STEP_TYPES)}.")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(d) - names - {"kind"}
    if unknown:
        raise RecipeError(f"Step {kind!r} has no field(s) {', '.join(sorted(unknown))}; "
                                  f"its fields are {', '.join(sorted(names)) or 'none'}.")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items() if k != "kind"}
    return cls(**values)


@dataclass(frozen=True)
class Recipe:
    steps: tuple[Step, ...] = ()
    label_: str | None = None

    def __len__(self) -> int:
        return len(self.steps)

    def fit(self, df: pd.DataFrame, label: str | None) -> "Recipe":
        """Fit each step on the output of the previous ones (training mode); return the fitted recipe."""
        fitted = []
        for step in self.steps:
            step = step.fit(df, label)
            df = step.apply(df, "train", label)
            fitted.append(step)
        return Recipe(tuple(fitted), label)

    def apply(self, df: pd.DataFrame, mode: Mode = "inference") -> pd.DataFrame:
        for step in self.steps:
            df = step.apply(df, mode, self.label_)
        return df

    def fit_apply(self, df: pd.DataFrame, label: str | None) -> tuple["Recipe", pd.DataFrame]:
        fitted = self.fit(df, label)
        return fitted, fitted.apply(df, "train")

    def dropped_columns(self) -> set[str]:
        return {c for s in self.steps if isinstance(s, DropColumns) for c in s.columns}

    def with_step(self, step: Step) -> "Recipe":
        return Recipe(self.steps + (step.unfitted(),))

    def without(self, index: int) -> "Recipe":
        return Recipe(self.steps[:index] + self.steps[index + 1:])

    def moved(self, index: int, offset: int) -> "Recipe":
        steps = list(self.steps)
        target = max(0, min(len(steps) - 1, index + offset))
        steps.insert(target, steps.pop(index))
        return Recipe(tuple(steps))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"format": FORMAT, "version": 1, "steps": [s.to_dict() for s in self.steps]}
        if self.label_:
            d["label_"] = self.label_
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | list | None) -> "Recipe":
        if not d:
            return cls()
        steps = d if isinstance(d, list) else d.get("steps", [])
        if isinstance(d, dict) and d.get("format", FORMAT) != FORMAT:
            raise RecipeError(f"Not a cleaning recipe (format {d.get('format')!r}).")
        label = d.get("label_") if isinstance(d, dict) else None
        return cls(tuple(step_from_dict(s) for s in steps), label)

    @classmethod
    def load(cls, path: str | Path) -> "Recipe":
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as exc:
            raise RecipeError(f"Cannot read the recipe {path}: {exc}.") from exc
        except TypeError as exc:
            raise RecipeError(f"The recipe {path} has a step with bad fields: {exc}.") from exc


@dataclass(frozen=True)
class Preview:
    rows_before: int
    rows_after: int
    added: list[str]
    removed: list[str]
    changed: list[str]
    sample: pd.DataFrame  # rows with a changed value: "column (before)" / "column (after)"


def preview(recipe: Recipe, df: pd.DataFrame, label: str | None, sample_rows: int = 20) -> Preview:
    """What the recipe does to `df` (fitted on it, training mode): rows, columns, a sample of changed rows."""
    _, after = recipe.fit_apply(df, label)
    added = [c for c in after.columns if c not in df.columns]
    removed = [c for c in df.columns if c not in after.columns]
    common = [c for c in after.columns if c in df.columns]
    before = df.loc[after.index, common]
    diff = pd.DataFrame({c: ~((before[c] == after[c]) | (before[c].isna() & after[c].isna())) for c in common},
                        index=after.index)
    changed = [c for c in common if diff[c].any()]
    per_column = max(1, sample_rows // max(1, len(changed)))
    rows: list = []
    for c in changed:  # a few rows for each changed column, so every change shows
        rows += [r for r in diff.index[diff[c]][:per_column] if r not in rows]
    sample = pd.DataFrame(index=sorted(rows)[:sample_rows])
    for c in changed:
        sample[f"{c} (before)"] = before.loc[sample.index, c]
        sample[f"{c} (after)"] = after.loc[sample.index, c]
    return Preview(len(df), len(after), added, removed, changed, sample)
