"""Plotly figures and plain-language lines for SHAP frames."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["importance_figure", "importance_sentences"]


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
