"""Plotly figures from evaluation frames (used by pages and, later, the report)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["confusion_matrix_figure", "predicted_vs_actual_figure", "leaderboard_figure", "column_distribution_figure",
           "association_figure"]


def confusion_matrix_figure(matrix: pd.DataFrame) -> go.Figure:
    fig = go.Figure(go.Heatmap(
        z=matrix.to_numpy(), x=list(matrix.columns), y=list(matrix.index), colorscale="Blues",
        text=matrix.to_numpy(), texttemplate="%{text}", hovertemplate="actual %{y}<br>predicted %{x}<br>%{z} rows",
        showscale=False))
    fig.update_layout(title="Confusion matrix (test split)", xaxis_title="Predicted", yaxis_title="Actual",
                      yaxis_autorange="reversed", height=420, margin=dict(t=50, l=60, r=20, b=50))
    return fig


def predicted_vs_actual_figure(frame: pd.DataFrame, max_points: int = 5000) -> go.Figure:
    sample = frame.sample(max_points, random_state=0) if len(frame) > max_points else frame
    lo = float(min(frame["actual"].min(), frame["prediction"].min()))
    hi = float(max(frame["actual"].max(), frame["prediction"].max()))
    fig = go.Figure()
    fig.add_trace(go.Scattergl(x=sample["actual"], y=sample["prediction"], mode="markers", name="rows",
                               marker=dict(size=5, opacity=0.5)))
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="perfect", line=dict(dash="dash")))
    fig.update_layout(title="Predicted vs actual (test split)", xaxis_title="Actual", yaxis_title="Predicted",
                      height=420, margin=dict(t=50, l=60, r=20, b=50))
    return fig


def leaderboard_figure(board: pd.DataFrame, metric: str = "score", lower_is_better: bool = False) -> go.Figure:
    """Each model's validation metric (as users read it); the deployed model in red, the best at the top."""
    column = "metric_val" if "metric_val" in board.columns else "score_val"
    board = board.sort_values("score_val")
    fig = go.Figure(go.Bar(x=board[column], y=board["model"], orientation="h",
                           marker_color=["#d62728" if d else "#1f77b4" for d in board.get("deployed", False)],
                           hovertemplate="%{y}: %{x:.4g}<extra></extra>"))
    better = "lower" if lower_is_better else "higher"
    fig.update_layout(title=f"Validation {metric} by model ({better} is better; deployed in red)",
                      height=max(250, 28 * len(board) + 90), margin=dict(t=50, l=160, r=20, b=40))
    return fig


def column_distribution_figure(s: pd.Series, kind: str, title: str | None = None, top: int = 30) -> go.Figure:
    """A histogram for numbers and dates, a bar chart of the most frequent values otherwise."""
    title = title or f"Distribution of {s.name}"
    values = s.dropna()
    if kind in ("numeric", "datetime"):
        sample = values.sample(200_000, random_state=0) if len(values) > 200_000 else values
        fig = go.Figure(go.Histogram(x=sample, nbinsx=50, hovertemplate="%{x}: %{y} rows<extra></extra>"))
    else:
        counts = values.astype(str).value_counts()
        shown = counts.head(top)
        fig = go.Figure(go.Bar(x=shown.index, y=shown.to_numpy(), hovertemplate="%{x}: %{y} rows<extra></extra>"))
        if len(counts) > top:
            title += f" (top {top} of {len(counts):,} values)"
    fig.update_layout(title=title, height=320, margin=dict(t=50, l=50, r=20, b=60), yaxis_title="rows",
                      bargap=0.05)
    return fig


def association_figure(matrix: pd.DataFrame) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=matrix.to_numpy(), x=list(matrix.columns), y=list(matrix.index), zmin=0, zmax=1,
                               colorscale="Blues", hovertemplate="%{y} ~ %{x}: %{z:.2f}<extra></extra>"))
    size = max(360, 26 * len(matrix) + 140)
    fig.update_layout(title="How strongly columns go together (0 = not at all, 1 = one determines the other)",
                      height=size, margin=dict(t=60, l=140, r=20, b=120), yaxis_autorange="reversed")
    return fig
