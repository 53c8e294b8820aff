"""Charts of one series (issue 32): its history, a forecast's mean and its 10-90% band, and, in a backtest,
what actually happened. Plotly figures from plain frames; no page code."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["series_figure", "error_figure", "BAND_WORDS"]

BAND_WORDS = "10–90% band"
_BAND = "rgba(31, 119, 180, 0.18)"
_FORECAST = "#1f77b4"
_ACTUAL = "#333333"
_BASELINE = "#999999"


def series_figure(history: pd.DataFrame, forecast: pd.DataFrame, value: str, title: str = "",
                  baseline: bool = False) -> go.Figure:
    """`history`: columns `time` and `value` (what was recorded); `forecast`: `time`, `mean`, `low`, `high` and,
    for a backtest, `window` (each window drawn on its own) and `baseline` (repeating the last season)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=history["time"], y=history["value"], mode="lines", name="recorded",
                             line={"color": _ACTUAL, "width": 1.5}))
    groups = forecast.groupby("window", sort=True) if "window" in forecast else [(None, forecast)]
    for i, (window, part) in enumerate(groups):
        part = part.sort_values("time")
        name = f"forecast (window {window})" if window is not None else "forecast"
        fig.add_trace(go.Scatter(x=part["time"], y=part["high"], mode="lines", line={"width": 0}, hoverinfo="skip",
                                 showlegend=False, legendgroup="band"))
        fig.add_trace(go.Scatter(x=part["time"], y=part["low"], mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor=_BAND, name=BAND_WORDS, legendgroup="band", showlegend=i == 0,
                                 hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=part["time"], y=part["mean"], mode="lines+markers", name=name,
                                 line={"color": _FORECAST, "width": 2}, marker={"size": 4}, legendgroup="forecast",
                                 showlegend=i == 0))
        if baseline and "baseline" in part:
            fig.add_trace(go.Scatter(x=part["time"], y=part["baseline"], mode="lines", name="repeating the season",
                                     line={"color": _BASELINE, "width": 1, "dash": "dot"}, legendgroup="baseline",
                                     showlegend=i == 0))
    fig.update_layout(title=title or None, height=380, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
                      yaxis_title=value, legend={"orientation": "h", "y": -0.15}, hovermode="x unified")
    return fig


def error_figure(table: pd.DataFrame, backtest: float | None, value: str) -> go.Figure:
    """Each kept forecast's mean error (a bar per forecast, by when it was made) against the backtest's (a line)."""
    scored = table[table["steps with actuals"] > 0]
    fig = go.Figure(go.Bar(x=scored["made"] + " · from " + scored["forecast from"], y=scored["mean error"],
                           name="mean error", marker_color=_FORECAST))
    if backtest:
        fig.add_hline(y=backtest, line_dash="dot", line_color=_ACTUAL, annotation_text="backtest",
                      annotation_position="top left")
    fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_title=f"mean error ({value})",
                      showlegend=False)
    return fig
