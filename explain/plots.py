"""Plotly figures for SHAP frames (the plain-language lines are in `explain.narrative`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from explain.shap_values import ShapResult, plain_number, plain_value

__all__ = ["combine_groups", "importance_figure", "waterfall_figure", "beeswarm_figure", "dependence_figure"]


def importance_figure(importance: pd.DataFrame, top: int = 20) -> go.Figure:
    data = importance.head(top).iloc[::-1]
    fig = go.Figure(go.Bar(x=data["mean_abs_shap"], y=data["feature"], orientation="h",
                           hovertemplate="%{y}: %{x:.4g}<extra></extra>"))
    fig.update_layout(title="What drives the predictions (mean |SHAP value|)", xaxis_title="mean |SHAP value|",
                      height=max(260, 30 * len(data) + 90), margin=dict(t=50, l=160, r=20, b=40))
    return fig


PUSH_UP, PUSH_DOWN = "#ff0051", "#008bfb"  # shap's own red and blue


def waterfall_figure(contributions: pd.Series, base_value: float, output_name: str, top: int = 12,
                     values: pd.Series | None = None) -> go.Figure:
    """One row's explanation: from the base value, each column's push, to the model's output.
    With the row's `values`, each bar is labelled `column = value` (`combine_groups` first makes each
    one-hot group one bar)."""
    order = contributions.abs().sort_values(ascending=False).index
    shown = contributions[order[:top]]
    if values is not None:
        shown.index = [f"{c} = {_short(values.get(c))}" for c in shown.index]
    rest = contributions[order[top:]].sum()
    if len(order) > top:
        shown = pd.concat([shown, pd.Series({f"{len(order) - top} other columns": rest})])
    output = base_value + float(contributions.sum())
    fig = go.Figure(go.Waterfall(
        orientation="h", measure=["absolute", *["relative"] * len(shown), "total"],
        y=["average prediction", *shown.index.astype(str), "this row"], x=[base_value, *shown.to_numpy(), output],
        text=[plain_number(base_value), *[plain_number(v, signed=True) for v in shown], plain_number(output)],
        textposition="outside",
        cliponaxis=False, connector={"line": {"color": "#bbb"}},  # labels beside the longest bars stay whole
        # shap's colours, as in the beeswarm: a push up red, a push down blue (not plotly's green / red)
        increasing={"marker": {"color": PUSH_UP}}, decreasing={"marker": {"color": PUSH_DOWN}},
        totals={"marker": {"color": "#888"}}))
    path = base_value + np.concatenate([[0.0], np.cumsum(shown.to_numpy(dtype=float))])
    lo, hi = float(path.min()), float(path.max())
    if lo > 0 and hi - lo < 0.5 * lo:  # a price of 26,000 moved by hundreds: zoom on the moves, not on 0…26,000
        pad = 0.55 * (hi - lo) or 0.05 * lo  # room for the numbers written beside the bars
        fig.update_xaxes(range=[lo - pad, hi + pad])
    else:  # room on both sides for the numbers written beside the bars: a push down writes its number to the
        # bar's left, where it ran into the column's name in Predict's narrow column ("service_calls = 20.00801")
        start, end = min(0.0, lo), max(0.0, hi)
        pad = 0.3 * (end - start) or 0.1
        fig.update_xaxes(range=[start - pad, end + pad])
    fig.update_layout(title=f"Why this prediction of {output_name}", yaxis_autorange="reversed",
                      height=max(300, 32 * (len(shown) + 2) + 80), margin=dict(t=50, l=180, r=90, b=40),
                      showlegend=False)
    return fig


def combine_groups(contributions: pd.Series, values: pd.Series, groups: tuple) -> tuple[pd.Series, pd.Series]:
    """One entry per one-hot group instead of one per 0/1 column: the pushes added (SHAP values add up),
    the value the group's chosen option (the column holding 1)."""
    contributions, values = contributions.copy(), values.copy()
    for group in groups:
        members = [c for c in group.columns if c in contributions.index]
        if not members:
            continue
        chosen = next((group.option(c) for c in members if values.get(c) == 1), "none of them")
        total = float(contributions[members].sum())
        contributions = contributions.drop(members)
        contributions[group.title] = total
        values[group.title] = chosen
    return contributions, values


def _short(value) -> str:
    text = plain_value(value)
    return text if len(text) <= 24 else text[:21] + "..."


def _colour(values: pd.Series) -> np.ndarray:
    """Feature values as 0..1 for colouring: numeric by rank, categories by code."""
    if pd.api.types.is_numeric_dtype(values):
        ranked = values.rank(pct=True)
        return ranked.fillna(0.5).to_numpy()
    codes = pd.factorize(values.astype(str))[0]
    return codes / max(1, codes.max())


def beeswarm_figure(result: ShapResult, output: str, top: int = 15) -> go.Figure:
    """Every explained row as a dot per column: where its SHAP value lies, coloured by the column's value."""
    frame = result.values[result.values["output"] == output]
    order = frame.assign(a=frame["value"].abs()).groupby("feature")["a"].mean().sort_values(ascending=False)
    features = list(order.index[:top])
    rng = np.random.default_rng(0)
    fig = go.Figure()
    for i, feature in enumerate(features):
        part = frame[frame["feature"] == feature]
        raw = result.rows[feature].reindex(part["row"].to_numpy())
        fig.add_trace(go.Scattergl(
            x=part["value"], y=i + rng.uniform(-0.3, 0.3, len(part)), mode="markers", name=feature,
            marker=dict(size=5, color=_colour(raw), colorscale=[[0, PUSH_DOWN], [1, PUSH_UP]], cmin=0, cmax=1,
                        opacity=0.7, showscale=i == 0,
                        colorbar=dict(title="value", tickvals=[0, 1], ticktext=["low", "high"])),
            text=[f"{feature} = {v}" for v in raw], hovertemplate="%{text}<br>SHAP %{x:.4g}<extra></extra>"))
    fig.update_layout(title="Each row's push by column (colour: the column's value)", showlegend=False,
                      yaxis=dict(tickvals=list(range(len(features))), ticktext=features, autorange="reversed"),
                      xaxis_title="SHAP value", height=max(320, 34 * len(features) + 100),
                      margin=dict(t=50, l=160, r=20, b=40))
    return fig


def dependence_figure(result: ShapResult, feature: str, output: str, colour_by: str | None = None) -> go.Figure:
    """How one column's value drives its SHAP value, coloured by a second column."""
    part = result.values[(result.values["output"] == output) & (result.values["feature"] == feature)]
    x = result.rows[feature].reindex(part["row"].to_numpy())
    marker: dict = dict(size=6, opacity=0.7)
    if colour_by:
        c = result.rows[colour_by].reindex(part["row"].to_numpy())
        marker.update(color=_colour(c), colorscale="Viridis", showscale=True,
                      colorbar=dict(title=colour_by, tickvals=[0, 1], ticktext=["low", "high"]))
    fig = go.Figure(go.Scattergl(x=x.astype(str) if not pd.api.types.is_numeric_dtype(x) else x, y=part["value"],
                                 mode="markers", marker=marker,
                                 hovertemplate=f"{feature}=%{{x}}<br>SHAP %{{y:.4g}}<extra></extra>"))
    fig.update_layout(title=f"Effect of {feature}" + (f", coloured by {colour_by}" if colour_by else ""),
                      xaxis_title=feature, yaxis_title="SHAP value", height=380, margin=dict(t=50, l=60, r=20, b=50))
    return fig
