"""Data-quality alerts, each with its evidence and the one-click action that fixes it.

Table alerts: constant (and near-constant), id_like, high_cardinality, duplicate_rows, mostly_missing.
Target alerts (with a label): imbalance, and leakage — a column that alone predicts the target almost
perfectly (a cross-validated single-feature probe) or is a near-deterministic function of it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from automl.data.markdown import code
from automl.data.problem import infer_problem_type
from automl.data.profile import TableProfile, profile_table

__all__ = ["Alert", "AlertKind", "ALERT_KINDS", "table_alerts", "target_alerts", "find_alerts"]

AlertKind = Literal["constant", "id_like", "high_cardinality", "duplicate_rows", "mostly_missing", "imbalance",
                    "leakage"]
ALERT_KINDS: tuple[str, ...] = ("constant", "id_like", "high_cardinality", "duplicate_rows", "mostly_missing",
                                "imbalance", "leakage")
Action = Literal["exclude", "drop_duplicates", "choose_metric"]

NEAR_CONSTANT_SHARE = 0.99
MOSTLY_MISSING_SHARE = 0.5
ID_UNIQUE_SHARE = 0.95
HIGH_CARDINALITY = 50
IMBALANCE_SHARE = 0.5  # the rarest class has less than half its fair share (binary: under 25%; 3 classes: 16.7%)
LEAK_SCORE = 0.97
PROBE_ROWS = 10_000


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    column: str | None
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    action: Action | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_alerts(df: pd.DataFrame, label: str | None = None, profile: TableProfile | None = None,
                problem_type: str | None = None) -> list[Alert]:
    profile = profile or profile_table(df)
    alerts = table_alerts(profile, exclude=label)
    if label is not None:
        alerts += target_alerts(df, label, problem_type)
    return alerts


def table_alerts(profile: TableProfile, exclude: str | None = None) -> list[Alert]:
    alerts: list[Alert] = []
    n = profile.rows
    for c in profile.columns:
        if c.name == exclude:
            continue
        present = n - c.missing
        if c.missing_pct >= 100 * MOSTLY_MISSING_SHARE:
            alerts.append(Alert("mostly_missing", c.name, f"{code(c.name)} is missing in {c.missing_pct:.0f}% of rows.",
                                {"missing": c.missing, "missing_pct": c.missing_pct}, "exclude"))
        if present and c.distinct <= 1:
            alerts.append(Alert("constant", c.name, f"{code(c.name)} holds a single value ({_v(c.top[0][0])}): "
                                "it cannot help any model.", {"distinct": c.distinct}, "exclude"))
            continue
        if present and c.top_share >= NEAR_CONSTANT_SHARE:
            alerts.append(Alert("constant", c.name, f"{code(c.name)} is near-constant: {100 * c.top_share:.1f}% of "
                                f"rows hold {_v(c.top[0][0])}.", {"top_share": c.top_share, "near": True}, "exclude"))
            continue
        if present >= 20 and _id_like(c, present):
            kind = "a counter" if c.type == "numeric" else "text unique to each row, like names, codes or UUIDs"
            alerts.append(Alert("id_like", c.name, f"{code(c.name)} looks like an identifier, {kind}: "
                                f"{c.distinct:,} distinct values in {present:,} rows. Models learn nothing "
                                "general from it.", {"distinct": c.distinct, "rows": present}, "exclude"))
        elif c.type in ("categorical", "text") and c.distinct >= HIGH_CARDINALITY and c.distinct >= 0.2 * present:
            alerts.append(Alert("high_cardinality", c.name, f"{code(c.name)} has {c.distinct:,} categories for "
                                f"{present:,} rows: most are too rare to learn from.",
                                {"distinct": c.distinct, "rows": present}, "exclude"))
    if profile.duplicate_rows:
        share = 100 * profile.duplicate_rows / max(n, 1)
        alerts.append(Alert("duplicate_rows", None, f"{profile.duplicate_rows:,} row(s) ({share:.1f}%) repeat an "
                            "earlier row exactly; they can leak between training and test splits.",
                            {"duplicate_rows": profile.duplicate_rows}, "drop_duplicates"))
    return alerts


def _id_like(c, present: int) -> bool:
    if c.distinct < ID_UNIQUE_SHARE * present:
        return False
    if c.type in ("categorical", "text"):
        return True
    if c.type == "numeric" and c.stats:
        st = c.stats
        integer = (float(st["min"]).is_integer() and float(st["max"]).is_integer()
                   and c.dtype.startswith(("int", "uint")))
        # a counter: whole numbers, unique per row, filling a range not much wider than the row count
        return integer and (st["max"] - st["min"] + 1) <= 2 * present
    return False


def target_alerts(df: pd.DataFrame, label: str, problem_type: str | None = None, seed: int = 0) -> list[Alert]:
    data = df[df[label].notna()]
    y = data[label]
    if y.nunique() < 2:
        return []
    problem_type = problem_type or infer_problem_type(y).problem_type
    alerts: list[Alert] = []
    if problem_type in ("binary", "multiclass"):
        shares = y.value_counts(normalize=True)
        if shares.iloc[-1] < IMBALANCE_SHARE / len(shares):
            alerts.append(Alert("imbalance", label, f"The target is imbalanced: {code(_v(shares.index[-1]))} is only "
                                f"{100 * shares.iloc[-1]:.1f}% of rows, so always answering "
                                f"{code(_v(shares.index[0]))} is "
                                f"already right {100 * shares.iloc[0]:.0f}% of the time. Accuracy will flatter the "
                                "model; prefer balanced accuracy or F1.", {"shares": {str(k): round(float(v), 4)
                                                                        for k, v in shares.items()}},
                                "choose_metric"))
    if len(data) > PROBE_ROWS:
        data = data.sample(PROBE_ROWS, random_state=seed)
    for col in data.columns:
        if col == label:
            continue
        leak = _leak_probe(data[col], data[label], problem_type, seed)
        if leak:
            alerts.append(Alert("leakage", str(col), leak[0], leak[1], "exclude"))
    return alerts


def _leak_probe(x: pd.Series, y: pd.Series, problem_type: str, seed: int) -> tuple[str, dict] | None:
    """A cross-validated single-feature model; and, the other way round, how far `x` is a function of `y`."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if x.isna().all() or x.nunique() <= 1:
        return None
    classification = problem_type in ("binary", "multiclass")
    y_codes = pd.factorize(y)[0] if classification else y.to_numpy(dtype=float)
    folds = (StratifiedKFold(3, shuffle=True, random_state=seed) if classification and
             np.bincount(y_codes).min() >= 3 else KFold(3, shuffle=True, random_state=seed))
    numeric = pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x)
    pred = np.empty(len(x), dtype=float)
    for train, test in folds.split(np.zeros(len(x)), y_codes):
        pred[test] = (_tree_fold if numeric else _group_fold)(x, y_codes, train, test, classification)
    score = _score(y_codes, pred, classification)
    name = x.name
    evidence = {"probe_score": round(score, 4), "probe_metric": "balanced_accuracy" if classification else "r2"}
    if score >= LEAK_SCORE:
        return (f"{code(name)} alone predicts the target almost perfectly (cross-validated "
                f"{evidence['probe_metric']} {score:.3f}). It is probably known only after the outcome: "
                "a leak that will not exist at prediction time.", evidence)
    reverse = _function_of_target(x, y, numeric)
    if reverse >= 0.99:
        evidence["determined_by_target"] = round(reverse, 4)
        return (f"{code(name)} is almost fully determined by the target ({100 * reverse:.1f}% of its variation is "
                "explained by the target): probably derived from the outcome.", evidence)
    return None


def _tree_fold(x, y, train, test, classification):
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    values = x.to_numpy(dtype=float, na_value=np.nan)
    fill = np.nanmedian(values[train]) if np.isfinite(values[train]).any() else 0.0
    X = np.column_stack([np.where(np.isnan(values), fill, values), np.isnan(values)])
    model = (DecisionTreeClassifier if classification else DecisionTreeRegressor)(max_depth=8, min_samples_leaf=3,
                                                                                   random_state=0)
    model.fit(X[train], y[train])
    return model.predict(X[test])


def _group_fold(x, y, train, test, classification):
    keys = x.astype(str).where(x.notna(), "<missing>").to_numpy()
    frame = pd.DataFrame({"k": keys[train], "y": y[train]})
    if classification:
        mapping = frame.groupby(["k", "y"]).size().unstack(fill_value=0).idxmax(axis=1)
        fallback = pd.Series(y[train]).value_counts().index[0]
    else:
        mapping = frame.groupby("k")["y"].mean()
        fallback = float(np.mean(y[train]))
    return pd.Series(keys[test]).map(mapping).fillna(fallback).to_numpy(dtype=float)


def _score(y, pred, classification) -> float:
    from sklearn.metrics import balanced_accuracy_score, r2_score

    if classification:
        return float(balanced_accuracy_score(y, pred.astype(int)))
    return float(r2_score(y, pred))


def _function_of_target(x: pd.Series, y: pd.Series, numeric: bool) -> float:
    """Share of `x`'s variation explained by the target: correlation ratio (numeric `x`, class target),
    squared Spearman (both numeric), or the weighted purity of `x` within each class (categorical `x`)."""
    mask = x.notna()
    x, y = x[mask], y[mask]
    if len(x) < 20:
        return 0.0
    y_numeric = pd.api.types.is_numeric_dtype(y) and y.nunique() > 20
    if numeric and y_numeric:
        return float(x.rank().corr(y.rank()) ** 2)
    if numeric:
        values = x.to_numpy(dtype=float)
        total = ((values - values.mean()) ** 2).sum()
        if total == 0:
            return 0.0
        within = pd.Series(values).groupby(y.to_numpy()).transform(lambda v: v - v.mean())
        return float(1 - (within ** 2).sum() / total)
    if y_numeric:
        return 0.0
    purity = x.groupby(y.to_numpy()).agg(lambda v: v.value_counts(normalize=True).iloc[0])
    weights = y.value_counts(normalize=True)
    if x.nunique() <= 1 or x.nunique() < y.nunique():
        return 0.0
    return float((purity * weights.reindex(purity.index)).sum())


def _v(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)
