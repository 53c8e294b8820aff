"""The Monitor page's figures (plotly): drift per column over the batches, volume, the answers, and
performance (estimated and realised) against the test split's."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from automl.data.problem import metric_name
from automl.prediction.drift import PSI_MODERATE, PSI_SHIFTED
from automl.monitoring.watch import Watch

__all__ = ["drift_heatmap", "volume_figure", "answers_figure", "performance_figure", "calibration_figure"]


def _label(at: float) -> str:
    return dt.datetime.fromtimestamp(at).strftime("%m-%d %H:%M:%S")


def _batches(seen: Watch) -> list[str]:
    """One label per batch, numbered (batches scored within the same second stay apart)."""
    return [f"{i + 1}: {'requests ' if b.source != 'batch' else ''}{_label(b.at)}" for i, b in enumerate(seen.batches)]


def drift_heatmap(seen: Watch) -> go.Figure:
    """PSI of each column (rows) in each batch (columns): green stable, amber moderate, red shifted."""
    columns = sorted({c for b in seen.batches for c in b.psi},
                     key=lambda c: -max(b.psi.get(c, 0) for b in seen.batches))
    x = _batches(seen)
    z = [[b.psi.get(c) for b in seen.batches] for c in columns]
    top = max(0.4, max((v for row in z for v in row if v is not None), default=0))
    scale = [[0, "#2e7d32"], [PSI_MODERATE / top, "#9ccc65"], [PSI_SHIFTED / top, "#ffb300"], [1, "#c62828"]]
    fig = go.Figure(go.Heatmap(z=z, x=x, y=columns, zmin=0, zmax=top, colorscale=scale,
                               colorbar={"title": "PSI"},
                               hovertemplate="%{y} in batch %{x}: PSI %{z:.3f}<extra></extra>",
                               text=[[f"{v:.2f}" if v is not None else "" for v in row] for row in z],
                               texttemplate="%{text}"))
    fig.update_layout(title=f"Drift from the training data per column (PSI; above {PSI_SHIFTED} = shifted)",
                      xaxis_title="batch", height=140 + 28 * len(columns), margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def volume_figure(seen: Watch) -> go.Figure:
    fig = go.Figure()
    files = [(x, b) for x, b in zip(_batches(seen), seen.batches, strict=True) if b.source == "batch"]
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


def performance_figure(seen: Watch, metric: str | None = None) -> go.Figure:
    """`metric` per batch: estimated when scored (CBPE), realised once outcomes arrived, and as a step line the
    test split's value of the run that scored each batch (a promotion moves it); promotions and rollbacks
    marked where they happened."""
    x = _batches(seen)
    fig = go.Figure()
    metric = metric or (seen.baseline or {}).get("metric") or next((p["metric"] for p in seen.performance), "metric")
    name = metric_name(metric)
    for estimated, label, dash in ((True, "estimated (before outcomes)", "dot"), (False, "realised (outcomes)", None)):
        by_batch = {p["batch"]: p for p in seen.performance if p["estimated"] is estimated and p["metric"] == metric}
        if by_batch:
            fig.add_scatter(x=x, y=[by_batch[i]["value"] if i in by_batch else None for i in range(1, len(x) + 1)],
                            mode="lines+markers", name=label, line={"dash": dash} if dash else None,
                            customdata=[by_batch[i]["rows"] if i in by_batch else None for i in range(1, len(x) + 1)],
                            hovertemplate="batch %{x}: %{y:.3f} on %{customdata:,} rows<extra></extra>")
    reference = [seen.references.get(b.run_id, {}).get("metrics", {}).get(metric) for b in seen.batches]
    if any(v is not None for v in reference):
        fig.add_scatter(x=x, y=reference, mode="lines", name="test split (the model that scored it)",
                        line={"dash": "dash", "color": "#555", "shape": "hv"},
                        hovertemplate="test split of the model that scored batch %{x}: %{y:.3f}<extra></extra>")
    for i, b in enumerate(seen.batches):  # a change of model between two batches
        if i and b.run_id != seen.batches[i - 1].run_id:
            action = next((h["action"] for h in reversed(seen.history)
                           if seen.batches[i - 1].at <= h["at"] <= b.at and h["run"] == b.run_id), "new model")
            fig.add_vline(x=i - 0.5, line_dash="dot", line_color="#8e24aa")
            fig.add_annotation(x=i - 0.5, y=1, yref="paper", text=action, showarrow=False, yanchor="bottom",
                               font={"color": "#8e24aa", "size": 11})
    fig.update_layout(title=f"{name} per batch: estimated, realised, and the test split's", yaxis_title=name,
                      xaxis_title="batch", height=340, margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig


def calibration_figure(seen: Watch) -> go.Figure | None:
    """A binary model per batch: the mean probability it gave the positive class against the share of rows
    that turned out positive (once outcomes arrived). Apart, its probabilities no longer mean what they say."""
    points = [(x, b.realised["calibration"]) for x, b in zip(_batches(seen), seen.batches, strict=True)
              if b.realised and b.realised.get("calibration")]
    if not points:
        return None
    fig = go.Figure()
    fig.add_scatter(x=[x for x, _ in points], y=[c["predicted"] for _, c in points], mode="lines+markers",
                    name="predicted (mean probability)")
    fig.add_scatter(x=[x for x, _ in points], y=[c["observed"] for _, c in points], mode="lines+markers",
                    name="observed (share positive)")
    fig.update_layout(title="Calibration per batch: predicted against observed share", yaxis_tickformat=".0%",
                      xaxis_title="batch", height=300, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig
