"""The Monitor page's figures (plotly): drift per column over the batches, volume, the answers, and
performance (estimated and realised) against the test split's."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from automl.model.drift import PSI_MODERATE, PSI_SHIFTED
from automl.monitoring.watch import Watch

__all__ = ["drift_heatmap", "volume_figure", "answers_figure", "performance_figure"]


def _label(at: float) -> str:
    return dt.datetime.fromtimestamp(at).strftime("%m-%d %H:%M:%S")


def _batches(seen: Watch) -> list[str]:
    """One label per batch, numbered (batches scored within the same second stay apart)."""
    return [f"{i + 1}: {'requests ' if b.source != 'batch' else ''}{_label(b.at)}" for i, b in enumerate(seen.batches)]


def drift_heatmap(seen: Watch) -> go.Figure:
    """PSI of each column (rows) in each batch (columns): green stable, amber moderate, red shifted."""
    columns = sorted({c for b in seen.batches for c in b.psi}, key=lambda c: -max(b.psi.get(c, 0) for b in seen.batches))
    x = _batches(seen)
    z = [[b.psi.get(c) for b in seen.batches] for c in columns]
    top = max(0.4, max((v for row in z for v in row if v is not None), default=0))
    scale = [[0, "#2e7d32"], [PSI_MODERATE / top, "#9ccc65"], [PSI_SHIFTED / top, "#ffb300"], [1, "#c62828"]]
    fig = go.Figure(go.Heatmap(z=z, x=x, y=columns, zmin=0, zmax=top, colorscale=scale,
                               colorbar={"title": "PSI"}, hovertemplate="%{y} in batch %{x}: PSI %{z:.3f}<extra></extra>",
                               text=[[f"{v:.2f}" if v is not None else "" for v in row] for row in z],
                               texttemplate="%{text}"))
    fig.update_layout(title=f"Drift from the training data per column (PSI; above {PSI_SHIFTED} = shifted)",
                      xaxis_title="batch", height=140 + 28 * len(columns), margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def volume_figure(seen: Watch) -> go.Figure:
    fig = go.Figure()
    files = [(x, b) for x, b in zip(_batches(seen), seen.batches) if b.source == "batch"]
    fig.add_bar(x=[x for x, _ in files], y=[b.rows for _, b in files], name="batch files")
    if seen.other:
        fig.add_bar(x=[f"{o['source']} {_label(o['at'])}" for o in seen.other], y=[o["rows"] for o in seen.other],
                    name="form rows and requests")
    fig.update_layout(title="Rows scored through the deployment", yaxis_title="rows", height=300,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def answers_figure(seen: Watch) -> go.Figure:
    """Each class's share of the answers per batch, or a regression's median with its 10-90% band."""
    fig = go.Figure()
    x = _batches(seen)
    shares = [b.predicted.get("shares") for b in seen.batches]
    if any(shares):
        for cls in sorted({c for s in shares if s for c in s}):
            fig.add_scatter(x=x, y=[(s or {}).get(cls) for s in shares], mode="lines+markers", name=str(cls))
        fig.update_layout(yaxis_title="share of the answers", yaxis_tickformat=".0%")
    else:
        for key, name in (("p90", "90th percentile"), ("p50", "median"), ("p10", "10th percentile")):
            fig.add_scatter(x=x, y=[b.predicted.get(key) for b in seen.batches], mode="lines+markers", name=name)
        fig.update_layout(yaxis_title="predicted value")
    fig.update_layout(title="What the model answered, batch by batch", height=300,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def performance_figure(seen: Watch) -> go.Figure:
    """The run's metric per batch: estimated when scored (CBPE), realised once outcomes arrived, and the
    test split's value as the baseline."""
    x = _batches(seen)
    fig = go.Figure()
    metric = (seen.baseline or {}).get("metric") or next((p["metric"] for p in seen.performance), "metric")
    for estimated, name, dash in ((True, "estimated (before outcomes)", "dot"), (False, "realised (outcomes)", None)):
        by_batch = {p["batch"]: p for p in seen.performance if p["estimated"] is estimated}
        if by_batch:
            fig.add_scatter(x=x, y=[by_batch[i]["value"] if i in by_batch else None for i in range(1, len(x) + 1)],
                            mode="lines+markers", name=name, line={"dash": dash} if dash else None,
                            customdata=[by_batch[i]["rows"] if i in by_batch else None for i in range(1, len(x) + 1)],
                            hovertemplate="batch %{x}: %{y:.3f} on %{customdata:,} rows<extra></extra>")
    if seen.baseline:
        fig.add_hline(y=seen.baseline["value"], line_dash="dash", line_color="#555",
                      annotation_text=f"test split {seen.baseline['value']:.3f}", annotation_position="bottom right")
    fig.update_layout(title=f"{metric} per batch: estimated, realised, and the test split's", yaxis_title=metric,
                      height=320, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig
