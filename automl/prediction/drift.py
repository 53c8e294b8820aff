"""Drift and out-of-contract values of rows sent for prediction, against the training data.

Numbers: the population stability index (PSI) over the training deciles, and values outside the training
range. Categories: PSI over the training categories, and values never seen in training. Accumulated
chunk by chunk, so a batch file of any size is checked without holding it in memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from automl.data.numbers import readable_range
from automl.model.schema import InputSchema

__all__ = ["DriftCheck", "PredictionTally", "psi", "psi_noise", "PSI_MODERATE", "PSI_SHIFTED"]

PSI_MODERATE, PSI_SHIFTED = 0.1, 0.2
_EPS = 1e-4
_MAX_KNOWN = 200  # the schema keeps a column's 200 most frequent categories


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index between two share vectors (0 = same; above 0.2 = shifted)."""
    e = np.clip(np.asarray(expected, dtype=float), _EPS, None)
    a = np.clip(np.asarray(actual, dtype=float), _EPS, None)
    e, a = e / e.sum(), a / a.sum()
    return float(np.sum((a - e) * np.log(a / e)))


def psi_noise(bins: int, rows: int) -> float:
    """The PSI a sample of `rows` rows drawn from the training data itself shows on average over `bins` bins,
    by chance alone (about (bins - 1) / rows): a 51-value column in a batch of 500 rows reads about 0.1,
    "moderate", with nothing changed. A column is judged on how far its PSI goes beyond this."""
    return max(0, bins - 1) / max(rows, 1)


class DriftCheck:
    """Feed it the model's input columns (coerced to the schema) chunk by chunk; then read `report()`."""

    def __init__(self, schema: InputSchema) -> None:
        # free text, identifiers and dates differ row by row by nature: no categories to compare there
        self.features = [f for f in schema.features if f.kind not in ("text", "datetime")
                         and (f.bins is not None or f.categories)]
        self.counts: dict[str, np.ndarray] = {}
        self.outside: dict[str, int] = {}
        self.unusual_rows = 0  # rows with anything unusual in their inputs (what `update` notes)
        self.new_whole: dict[str, int] = {}  # whole numbers inside the range that training never had
        self.unseen: dict[str, dict[str, int]] = {}
        self.names = [f.name for f in schema.features]
        self.missing: dict[str, int] = {}
        self.rows = 0

    def update(self, X: pd.DataFrame) -> pd.Series:
        """Count the rows' values; returns, per row, what was unusual in it in words ("" where nothing was):
        a number outside the training range, a whole number or a category training never had."""
        self.rows += len(X)
        notes = pd.Series("", index=X.index, dtype=object)
        for name in self.names:
            if name in X.columns:
                self.missing[name] = self.missing.get(name, 0) + int(X[name].isna().sum())
        for f in self.features:
            s = X[f.name].dropna()
            name = f.name
            if f.kind == "numeric" and f.bins is not None:
                values = pd.to_numeric(s, errors="coerce").dropna()
                array = values.to_numpy(dtype=float)
                bins = np.searchsorted(np.asarray(f.bins), array, side="right")
                self.counts[name] = self.counts.get(name, 0) + np.bincount(bins, minlength=len(f.bins) + 1)
                outside = (array < f.min) | (array > f.max)
                self.outside[name] = self.outside.get(name, 0) + int(outside.sum())
                _note(notes, values.index[outside], f"{name} outside the training range")
                if f.whole_values:  # inside the range, but a value training never had (a 3 among 2s and 4s)
                    new = ~outside & ~np.isin(array, np.asarray(f.whole_values))
                    self.new_whole[name] = self.new_whole.get(name, 0) + int(new.sum())
                    self._unseen(name, pd.Series(array[new]).map(_number_text).value_counts())
                    _note(notes, values.index[new], f"{name} a value training never had")
            elif f.categories:
                known = {c: i for i, c in enumerate(f.categories)}
                text = s.astype(str)
                idx = text.map(known)
                counts = np.bincount(idx.dropna().astype(int), minlength=len(known) + 1)
                counts[-1] = int(idx.isna().sum())
                self.counts[name] = self.counts.get(name, 0) + counts
                self._unseen(name, text[idx.isna()].value_counts())
                if len(f.categories) < _MAX_KNOWN:  # past it, "unseen" is only "not among the most frequent"
                    _note(notes, idx.index[idx.isna().to_numpy()], f"{name} a value training never had")
        self.unusual_rows += int((notes != "").sum())
        return notes

    def unusual_in(self, name: str) -> bool:
        """Whether the rows seen hold, in column `name`, what `update` notes: a number outside the training
        range, a whole number or a category training never had."""
        feature = next((f for f in self.features if f.name == name), None)
        if feature is None:
            return False
        if feature.kind == "numeric":
            return bool(self.outside.get(name) or self.new_whole.get(name))
        return bool(self.unseen.get(name)) and len(feature.categories) < _MAX_KNOWN

    def _unseen(self, name: str, new: pd.Series) -> None:
        if len(new):
            seen = self.unseen.setdefault(name, {})
            for value, n in new.items():
                if value in seen or len(seen) < 20:
                    seen[value] = seen.get(value, 0) + int(n)

    def missing_shares(self) -> dict[str, float]:
        """Each input column's share of missing values in the rows seen."""
        return {name: round(n / self.rows, 4) for name, n in self.missing.items()} if self.rows else {}

    def report(self) -> list[dict[str, Any]]:
        """One entry per checked column: PSI, status (stable / new values / moderate / shifted) and what was
        unusual."""
        out = []
        for f in self.features:
            name = f.name
            counts = self.counts.get(name)
            if counts is None or counts.sum() == 0:
                continue
            if f.kind == "numeric":
                expected = np.asarray(f.bin_shares)
                value = psi(expected, counts / counts.sum())
                n_out = self.outside.get(name, 0)
                unseen = self.unseen.get(name, {})
                n_new = self.new_whole.get(name, 0)
                span = readable_range(name, f.min, f.max, bool(f.integer))
                detail = "; ".join(part for part in (
                    f"{n_out:,} value(s) outside the training range ({span})" if n_out else "",
                    f"{n_new:,} whole number(s) training never had, inside its range: " + ", ".join(list(unseen)[:5])
                    if unseen else "") if part)
                extra = {"outside": n_out, **({"unseen": n_new} if n_new else {})}
            else:
                shares = np.asarray(f.shares or [1 / len(f.categories)] * len(f.categories))
                expected = np.append(shares, max(0.0, 1 - shares.sum()))
                value = psi(expected, counts / counts.sum())
                unseen = self.unseen.get(name, {})
                n_new = int(counts[-1])
                where = ("not among the training's most frequent values" if len(f.categories) >= _MAX_KNOWN
                         else "never seen in training")
                detail = (f"{n_new:,} value(s) {where}: " + ", ".join(map(repr, list(unseen)[:5]))
                          if unseen else "")
                extra = {"unseen": n_new}
            noise = psi_noise(int((expected > 0).sum()), int(counts.sum()))
            status = "shifted" if value > PSI_SHIFTED + noise else "moderate" if value > PSI_MODERATE + noise else \
                "new values" if detail else "stable"  # never "stable" beside values training never had
            out.append({"column": name, "psi": round(value, 4), "noise": round(noise, 4), "status": status,
                        "detail": detail, **extra})
        return out


def _number_text(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


def _note(notes: pd.Series, index: pd.Index, text: str) -> None:
    """Add `text` to the notes of the rows at `index` ("; " between notes)."""
    if len(index):
        current = notes.loc[index]
        notes.loc[index] = np.where(current == "", text, current + "; " + text)


class PredictionTally:
    """What a batch's predictions looked like, chunk by chunk: each class's share of the answers (and the
    mean probability of each class), or a regression's mean and quantiles (from the first 100,000)."""

    _SAMPLE = 100_000

    def __init__(self, problem_type: str) -> None:
        self.problem_type = problem_type
        self.rows = 0
        self.counts: dict[str, int] = {}
        self.proba_sums: dict[str, float] = {}
        self.values: list[np.ndarray] = []
        self.kept = 0
        self.answers: list[pd.DataFrame] = []  # a classifier's first rows: answer and probabilities

    def update(self, result: pd.DataFrame) -> None:
        self.rows += len(result)
        if self.problem_type == "regression":
            if self.kept < self._SAMPLE:
                take = pd.to_numeric(result["prediction"], errors="coerce").to_numpy(dtype=float)
                take = take[: self._SAMPLE - self.kept]
                self.values.append(take)
                self.kept += len(take)
            return
        if self.kept < self._SAMPLE:
            take = result.iloc[: self._SAMPLE - self.kept]
            self.answers.append(take[["prediction"] + [c for c in take.columns if c.startswith("proba_")]])
            self.kept += len(take)
        for value, n in result["prediction"].astype(str).value_counts().items():
            self.counts[value] = self.counts.get(value, 0) + int(n)
        for column in (c for c in result.columns if c.startswith("proba_")):
            key = column[len("proba_"):]
            self.proba_sums[key] = self.proba_sums.get(key, 0.0) + float(result[column].sum())

    def sample(self) -> pd.DataFrame | None:
        """A classifier's first rows (up to 100,000): `prediction` and `proba_<class>`."""
        return pd.concat(self.answers, ignore_index=True) if self.answers else None

    def summary(self) -> dict[str, Any]:
        if not self.rows:
            return {}
        if self.problem_type == "regression":
            values = np.concatenate(self.values) if self.values else np.array([])
            values = values[~np.isnan(values)]
            if not len(values):
                return {}
            q = np.quantile(values, [0.1, 0.5, 0.9])
            return {"mean": float(values.mean()), "p10": float(q[0]), "p50": float(q[1]), "p90": float(q[2])}
        return {"shares": {k: round(n / self.rows, 4) for k, n in sorted(self.counts.items())},
                "mean_proba": {k: round(v / self.rows, 4) for k, v in sorted(self.proba_sums.items())}}
