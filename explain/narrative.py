"""Plain-language lines about SHAP values ("Higher `balance` pushes the prediction towards `Yes`")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from automl.data.markdown import code, md
from explain.shap_values import ShapResult, plain_number, plain_value

__all__ = ["global_sentences", "row_sentence"]


def global_sentences(result: ShapResult, output: str, what: str, top: int = 3) -> list[str]:
    """For the most important columns: how much they matter and which way their values push `what` (Markdown
    sentences: `what` and every value from the data shown as written)."""
    what = md(what)
    frame = result.values[result.values["output"] == output]
    importance = frame.assign(a=frame["value"].abs()).groupby("feature")["a"].mean().sort_values(ascending=False)
    total = float(importance.sum()) or 1.0
    lines = []
    for rank, (feature, weight) in enumerate(importance.head(top).items()):
        share = f"{100 * weight / total:.0f}%"
        lead = "it matters most" if rank == 0 else f"it carries about {share} of the effect"
        lines.append(f"{_direction(frame, result.rows, feature, what)}; {lead}"
                     + (f" (about {share})." if rank == 0 else "."))
    return lines


def _direction(frame: pd.DataFrame, rows: pd.DataFrame, feature: str, what: str) -> str:
    values = frame[frame["feature"] == feature].set_index("row")["value"]
    x = rows[feature].reindex(values.index)
    if pd.api.types.is_numeric_dtype(x) and x.nunique() > 2:
        mask = x.notna()
        r = np.corrcoef(x[mask].astype(float), values[mask])[0, 1] if mask.sum() > 2 else 0.0
        if not np.isfinite(r) or abs(r) < 0.2:
            return f"{code(feature)} moves {what} both ways, depending on the other columns"
        return f"Higher {code(feature)} pushes {what} {'up' if r > 0 else 'down'}"
    numbers = pd.api.types.is_numeric_dtype(x)  # a 0/1 column: its values are numbers, not text ('1')
    keys = x.map(plain_value) if numbers else x.astype(str)
    means = values.groupby(keys.to_numpy()).mean().sort_values()
    if len(means) > 20:
        return f"{code(feature)} moves {what} row by row ({len(means):,} different values)"
    if len(means) < 2:
        return f"{code(feature)} moves {what}"
    high, low = (means.index[-1], means.index[0]) if numbers else (code(means.index[-1]), code(means.index[0]))
    return f"{code(feature)} = {high} pushes {what} up the most, {low} pulls it down the most"


def row_sentence(contributions: pd.Series, what: str, unseen: dict[str, str] | None = None) -> str:
    """The strongest push up and down for one row, in words (Markdown, `what` shown as written). `unseen`:
    the row's columns holding a value training never had (or a number outside its range), with that value:
    such a push is not a reason, and the sentence says so."""
    what, unseen = md(what), unseen or {}
    up, down = contributions.idxmax(), contributions.idxmin()
    parts = []
    if contributions[up] > 0:
        parts.append(f"{code(up)} pushes {what} up the most ({plain_number(contributions[up], signed=True)})")
    if contributions[down] < 0:
        parts.append(f"{code(down)} pulls it down the most ({plain_number(contributions[down], signed=True)})")
    sentence = "; ".join(parts) + "." if parts else "No column moves this prediction away from the average."
    named = [c for c in dict.fromkeys((up, down)) if c in unseen and c in contributions.index and contributions[c]]
    for column in named:
        sentence += (f" {code(column)} = {code(unseen[column])} is a value training never had (or a number outside "
                     "its range): the model treats it as it treats a rare or missing value, so its push is how the "
                     "model copes with the unknown, not a reason.")
    return sentence
