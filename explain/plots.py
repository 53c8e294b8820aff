"""Plotly figures and plain-language lines for SHAP frames."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["importance_figure", "importance_sentences", "waterfall_figure", "row_sentence"]


def importance_figure(importance: pd.DataFrame, top: int = 20) -> go.Figure:
    data = importance.head(top).iloc[::-1]
    fig = go.Figure(go.Bar(x=data["mean_abs_shap"], y=data["feature"], orientation="h",
                           hovertemplate="%{y}: %{x:.4g}<extra></extra>"))
    fig.update_layout(title="What drives the predictions (mean |SHAP value|)", xaxis_title="mean |SHAP value|",
                      height=max(260, 30 * len(data) + 90), margin=dict(t=50, l=160, r=20, b=40))
    return fig


def importance_sentences(importance: pd.DataFrame, output_name: str) -> list[str]:
    """A few lines a non-expert can read under the chart."""
    if importance.empty:
        return []
    total = float(importance["mean_abs_shap"].sum()) or 1.0
    lines = []
    for _, row in importance.head(3).iterrows():
        share = 100 * float(row["mean_abs_shap"]) / total
        lines.append(f"`{row['feature']}` accounts for about {share:.0f}% of how far predictions of "
                     f"{output_name} move away from the average.")
    return lines


def waterfall_figure(contributions: pd.Series, base_value: float, output_name: str, top: int = 12) -> go.Figure:
    """One row's explanation: from the base value, each column's push, to the model's output."""
    order = contributions.abs().sort_values(ascending=False).index
    shown = contributions[order[:top]]
    rest = contributions[order[top:]].sum()
    if len(order) > top:
        shown = pd.concat([shown, pd.Series({f"{len(order) - top} other columns": rest})])
    output = base_value + float(contributions.sum())
    fig = go.Figure(go.Waterfall(
        orientation="h", measure=["absolute", *["relative"] * len(shown), "total"],
        y=["average prediction", *shown.index.astype(str), "this row"], x=[base_value, *shown.to_numpy(), output],
        text=[f"{base_value:.4g}", *[f"{v:+.4g}" for v in shown], f"{output:.4g}"], textposition="outside",
        connector={"line": {"color": "#bbb"}}))
    fig.update_layout(title=f"Why this prediction of {output_name}", yaxis_autorange="reversed",
                      height=max(300, 32 * (len(shown) + 2) + 80), margin=dict(t=50, l=180, r=40, b=40),
                      showlegend=False)
    return fig


def row_sentence(contributions: pd.Series, output_name: str) -> str:
    """The strongest push up and down for one row, in words."""
    up, down = contributions.idxmax(), contributions.idxmin()
    parts = []
    if contributions[up] > 0:
        parts.append(f"`{up}` pushes {output_name} up the most ({contributions[up]:+.3g})")
    if contributions[down] < 0:
        parts.append(f"`{down}` pulls it down the most ({contributions[down]:+.3g})")
    return "; ".join(parts) + "." if parts else "No column moves this prediction away from the average."
