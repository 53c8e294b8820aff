"""The Predict page's one row: the what-if form (one input per column, one choice per one-hot group (a car's make,
not a 0/1 box per make), a box for a yes/no 0/1 column, whole numbers edited as whole numbers; the values outlive
a visit to another page), an answer as a reader wants it, and a row's explanation."""

from __future__ import annotations

import json
import logging
from typing import Any

import pandas as pd
import streamlit as st

from automl.data.markdown import md
from automl.data.numbers import readable_number
from automl.model.bundle import Bundle
from automl.model.schema import Feature, typical_row
from automl.prediction.rows import unseen_values
from explain import narrative, plots, shap_values
from ui.loaders import local_explanation

__all__ = ["what_if_form", "reset_form", "drift_table", "DRIFT_HELP", "shown", "plain", "explain_row"]

log = logging.getLogger(__name__)

DRIFT_HELP = {
    "shift": st.column_config.NumberColumn(
        "shift (PSI)", format="%.3f", help="How far the column's values moved from training's (population "
        "stability index): under 0.1 stable, 0.1 to 0.2 moderate, above 0.2 shifted."),
    "outside range": st.column_config.NumberColumn(help="Numbers below or above anything training saw."),
    "new values": st.column_config.NumberColumn(help="Categories, or whole numbers, training never had."),
}


def drift_table(drift: list[dict[str, Any]]) -> pd.DataFrame:
    """A batch's drift per column in words: its shift, status, what was unusual (no `psi`, `unseen` keys)."""
    frame = pd.DataFrame(drift).rename(columns={"psi": "shift", "outside": "outside range", "unseen": "new values"})
    order = [c for c in ("column", "status", "shift", "outside range", "new values", "detail") if c in frame.columns]
    return frame[order]


def _keys(bundle: Bundle, run_id: str) -> list[str]:
    grouped = {c for g in bundle.schema.groups for c in g.columns}
    return ([f"predict.{run_id}.{f.name}" for f in bundle.schema.features if f.name not in grouped]
            + [f"predict.{run_id}.group{i}" for i in range(len(bundle.schema.groups))])


def reset_form(bundle: Bundle, run_id: str) -> None:
    """Back to the typical row: the form's values and the kept copies go."""
    kept = st.session_state.setdefault("predict.kept", {})
    for key in _keys(bundle, run_id):
        kept.pop(key, None)
        st.session_state.pop(key, None)


MISSING = "— missing —"  # the choice of no value, in a column that had missing values in training


def _zero_one(feature: Feature) -> bool:
    return feature.numeric and feature.whole_values is not None and set(feature.whole_values) == {0.0, 1.0}


def what_if_form(bundle: Bundle, run_id: str) -> dict[str, Any]:
    """Draw the form in two columns; the row it holds, by input column."""
    schema = bundle.schema
    typical = typical_row(schema)
    # Streamlit forgets a widget's value when another page is shown, so each value is also kept under a
    # key of its own and given back to the widget on return
    kept = st.session_state.setdefault("predict.kept", {})
    group_of = {c: i for i, g in enumerate(schema.groups) for c in g.columns}
    values: dict[str, Any] = {}
    cols = st.columns(2)
    slot = 0
    for feature in schema.features:
        name = feature.name
        if name in group_of:
            i = group_of[name]
            group = schema.groups[i]
            if name != group.columns[0]:
                continue  # the group is one input, drawn at its first column
            key = f"predict.{run_id}.group{i}"
            if key not in st.session_state:
                st.session_state[key] = kept.get(key, group.most_frequent)
            with cols[slot % 2]:
                chosen = st.selectbox(md(group.title), group.columns, key=key, format_func=group.option,
                                      help="One choice held in several 0/1 columns of the data ("
                                           + ", ".join(md(c) for c in group.columns[:6])
                                           + ("…" if len(group.columns) > 6 else "")
                                           + "): the chosen one is 1, the others 0.")
            kept[key] = chosen
            values.update({c: int(c == chosen) for c in group.columns})
            slot += 1
            continue
        key = f"predict.{run_id}.{name}"
        default = typical[name]
        options = ([MISSING] if feature.missing_pct > 0 else []) + list(feature.categories or [])
        if _zero_one(feature):
            start: Any = bool(default)
        elif feature.numeric:  # a whole-number column is edited as one: 36, not 36.00; empty is missing
            start = None if default is None else int(round(float(default))) if feature.integer else float(default)
        elif feature.kind == "text" or not options:
            start = str(default or "")
        else:
            start = MISSING if default is None and MISSING in options else \
                str(default) if str(default) in options else options[0]
        if key not in st.session_state:
            st.session_state[key] = kept.get(key, start)
        with cols[slot % 2]:
            if _zero_one(feature):
                values[name] = int(st.checkbox(md(name), key=key, help="A 0/1 column: ticked is 1."))
            elif feature.numeric:
                values[name] = st.number_input(md(name), key=key, step=1 if feature.integer else None,
                                               help=f"Training range {feature.min:g} to {feature.max:g}; empty "
                                                    f"is missing ({feature.missing_pct:g}% of training rows)")
            elif feature.kind == "text" or not options:
                values[name] = st.text_input(md(name), key=key)
            else:
                chosen = st.selectbox(md(name), options, key=key)
                values[name] = None if chosen == MISSING else chosen
        kept[key] = st.session_state[key]
        slot += 1
    return {f.name: values[f.name] for f in schema.features}


def shown(bundle: Bundle, value: Any) -> str:
    """A prediction as a reader wants it: a number rounded to what the data supports, a class as it is."""
    if bundle.problem_type != "regression":
        return md(value)
    return readable_number(value)


def plain(value: Any) -> Any:
    """A cell as a plain Python value (None when missing), so the cached explanation's key is stable."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def explain_row(root: str, run_id: str, bundle: Bundle, values: dict, predicted: Any) -> None:
    """The row's waterfall and its sentence (cached per row and model)."""
    try:
        local = local_explanation(root, run_id, bundle.deployed_model, json.dumps(values, sort_keys=True, default=str))
    except Exception as exc:
        log.exception("explaining a row failed")
        st.warning(f"This row's explanation could not be computed ({type(exc).__name__}: {exc}).")
        return
    output = str(predicted) if bundle.problem_type == "multiclass" else local.outputs[0]
    contributions, row_values = plots.combine_groups(shap_values.row_contributions(local, 0, output),
                                                     local.rows.iloc[0], bundle.schema.groups)
    what = f"P({output})" if bundle.problem_type != "regression" else bundle.label
    st.plotly_chart(plots.waterfall_figure(contributions, local.base_values[output], what,
                                           values=row_values), width="stretch")
    st.caption(narrative.row_sentence(contributions, what, unseen_values(bundle, values)))
