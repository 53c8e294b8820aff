"""Plotly figures from evaluation frames (used by pages and, later, the report)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from automl.data.problem import metric_name

__all__ = ["confusion_matrix_figure", "predicted_vs_actual_figure", "leaderboard_figure", "column_distribution_figure",
           "association_figure", "roc_figure", "pr_figure", "calibration_figure", "gain_figure", "per_class_figure",
           "residuals_figure", "residual_histogram", "error_by_decile_figure", "slice_figure", "pareto_figure",
           "permutation_importance_figure", "ovr_roc_figure"]


def confusion_matrix_figure(matrix: pd.DataFrame, normalise: bool = False, title: str | None = None) -> go.Figure:
    """Counts, or with `normalise` each actual class's row as shares (its recall on the diagonal)."""
    values = matrix.div(matrix.sum(axis=1).replace(0, 1), axis=0) if normalise else matrix
    text = values.map(lambda v: f"{v:.0%}") if normalise else values
    fig = go.Figure(go.Heatmap(
        z=values.to_numpy(), x=list(matrix.columns), y=list(matrix.index), colorscale="Blues",
        text=text.to_numpy(), texttemplate="%{text}", hovertemplate="actual %{y}<br>predicted %{x}<br>%{z}",
        showscale=False))
    fig.update_layout(title=title or ("Confusion matrix, share of each actual class" if normalise
                                      else "Confusion matrix (test split)"),
                      xaxis_title="Predicted", yaxis_title="Actual",
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
                           marker_color=_in_use_colours(board),
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


def _line_figure(title: str, x_title: str, y_title: str, height: int = 360) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, height=height,
                      margin=dict(t=50, l=60, r=20, b=50), legend=dict(orientation="h", y=-0.25))
    return fig


def roc_figure(roc: pd.DataFrame, auc: float, threshold_point: tuple[float, float] | None = None) -> go.Figure:
    fig = _line_figure(f"ROC curve (area {auc:.3f})", "False positive rate", "True positive rate")
    fig.add_trace(go.Scatter(x=roc["fpr"], y=roc["tpr"], mode="lines", name="model"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line=dict(dash="dash")))
    if threshold_point:
        fig.add_trace(go.Scatter(x=[threshold_point[0]], y=[threshold_point[1]], mode="markers", name="threshold",
                                 marker=dict(size=11, color="#d62728")))
    return fig


def pr_figure(pr: pd.DataFrame, ap: float, base_rate: float) -> go.Figure:
    fig = _line_figure(f"Precision–recall (average precision {ap:.3f})", "Recall", "Precision")
    fig.add_trace(go.Scatter(x=pr["recall"], y=pr["precision"], mode="lines", name="model"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[base_rate, base_rate], mode="lines", name="chance", line=dict(dash="dash")))
    return fig


def calibration_figure(cal: pd.DataFrame) -> go.Figure:
    fig = _line_figure("Calibration: predicted probability vs observed rate", "Predicted probability",
                       "Observed share of positives")
    fig.add_trace(go.Scatter(x=cal["predicted"], y=cal["observed"], mode="lines+markers", name="model"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect", line=dict(dash="dash")))
    return fig


def gain_figure(gain: pd.DataFrame) -> go.Figure:
    fig = _line_figure("Cumulative gain: positives found among the top-ranked rows", "Share of rows (ranked)",
                       "Share of positives found")
    fig.add_trace(go.Scatter(x=gain["share_of_rows"], y=gain["gain"], mode="lines", name="model",
                             customdata=gain["lift"],
                             hovertemplate="top %{x:.0%}: %{y:.0%} found (lift %{customdata:.2f})<extra></extra>"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="random", line=dict(dash="dash")))
    return fig


def per_class_figure(table: pd.DataFrame) -> go.Figure:
    fig = go.Figure([go.Bar(name=m, x=table["class"], y=table[m]) for m in ("precision", "recall", "f1")])
    fig.update_layout(title="Per class (test split)", barmode="group", height=360, yaxis_range=[0, 1],
                      margin=dict(t=50, l=50, r=20, b=50))
    return fig


def residuals_figure(res: pd.DataFrame, max_points: int = 5000) -> go.Figure:
    sample = res.sample(max_points, random_state=0) if len(res) > max_points else res
    fig = _line_figure("Residuals (actual − predicted) against the prediction", "Predicted", "Residual")
    fig.add_trace(go.Scattergl(x=sample["predicted"], y=sample["residual"], mode="markers", name="rows",
                               marker=dict(size=5, opacity=0.5)))
    fig.add_hline(y=0, line_dash="dash")
    return fig


def residual_histogram(res: pd.DataFrame) -> go.Figure:
    fig = _line_figure("Distribution of residuals", "Residual", "Rows")
    fig.add_trace(go.Histogram(x=res["residual"], nbinsx=50, name="residuals"))
    return fig


def error_by_decile_figure(deciles: pd.DataFrame) -> go.Figure:
    fig = _line_figure("Mean absolute error by tenth of the predictions", "Decile of the prediction (1 = lowest)",
                       "Mean absolute error")
    fig.add_trace(go.Bar(x=deciles["decile"], y=deciles["mae"], name="MAE",
                         customdata=deciles["mean_prediction"],
                         hovertemplate="decile %{x}: MAE %{y:.4g} (mean prediction %{customdata:.4g})<extra></extra>"))
    return fig


def _in_use_colours(board: pd.DataFrame) -> list[str]:
    """Red for the model in use, blue for the others: from `leaderboard_table`'s "in use" (✓ text) or the
    raw board's `deployed` (True)."""
    marks = board.get("in use", board.get("deployed", pd.Series(False, index=board.index)))
    return ["#d62728" if d else "#1f77b4" for d in marks]


def slice_figure(slices: pd.DataFrame, column: str, problem_type: str) -> go.Figure:
    """The test-split score of each group of `column` (`curves.slice_table`): where the model does worse."""
    key, label = ("mae", "Mean absolute error") if problem_type == "regression" else ("accuracy", "Accuracy")
    data = slices.iloc[::-1]
    fig = go.Figure(go.Bar(x=data[key], y=data["group"].astype(str), orientation="h", name=label,
                           text=[f"{n:,} rows" for n in data["rows"]], textposition="auto", cliponaxis=False,
                           hovertemplate="%{y}: %{x:.4g} (%{text})<extra></extra>"))
    fig.update_layout(title=f"{label} by group of {column} (test split)", xaxis_title=label,
                      height=max(260, 32 * len(data) + 110), margin=dict(t=50, l=160, r=30, b=50))
    fig.update_yaxes(type="category")
    return fig


def pareto_figure(board: pd.DataFrame, metric: str, lower_is_better: bool) -> go.Figure:
    """Each model's test score against its prediction time (and size): the cheapest good models stand out."""
    if "ms_per_1000_rows" not in board.columns:
        return go.Figure().update_layout(title="Prediction times were not recorded for this run")
    size = board.get("size_mb", pd.Series(1.0, index=board.index)).fillna(1.0)
    fig = go.Figure(go.Scatter(
        x=board["ms_per_1000_rows"], y=board["metric_test"], mode="markers+text", text=board["model"],
        textposition=label_positions(np.log10(board["ms_per_1000_rows"].clip(lower=1e-6).to_numpy(dtype=float)),
                                     board["metric_test"].to_numpy(dtype=float), board["model"].astype(str).tolist()),
        customdata=size, cliponaxis=False,  # names at the edges stay whole
        marker=dict(size=8 + 20 * (size / max(float(size.max()), 1e-9)) ** 0.5,
                    color=_in_use_colours(board)),
        hovertemplate="%{text}<br>test %{y:.4g}<br>%{x:.3g} ms per 1,000 rows<br>%{customdata:.2f} MB<extra></extra>"))
    better = "lower" if lower_is_better else "higher"
    name = metric_name(metric)
    # a short title that fits a half-width column; the rest below it; ticks at 1, 2 and 5 of each decade the
    # times span, so there are numbers on the axis even when every model sits inside one decade
    fig.update_layout(title=dict(text=f"Test {name} against prediction time",
                                 subtitle=dict(text=f"{better} is better · dot size = model size · red: in use")),
                      xaxis=dict(title="ms to predict 1,000 rows", type="log",
                                 tickvals=_log_ticks(board["ms_per_1000_rows"].to_numpy(dtype=float))),
                      yaxis_title=f"test {name}", height=420, margin=dict(t=70, l=70, r=60, b=50))
    return fig


def _log_ticks(values: np.ndarray) -> list[float]:
    """Powers of ten across the values' span; 1, 2 and 5 of each when they span under two decades (so a
    half-width chart never crowds its axis, and one whose models sit inside a decade still has numbers)."""
    values = values[np.isfinite(values) & (values > 0)]
    if not len(values):
        return []
    low, high = int(np.floor(np.log10(values.min()))), int(np.ceil(np.log10(values.max())))
    steps = (1,) if high - low > 2 else (1, 2, 5)
    ticks = [m * 10.0 ** e for e in range(low, high + 1) for m in steps]
    inside = [t for t in ticks if values.min() / 2.5 <= t <= values.max() * 2.5]
    return inside or ticks


_CHAR_W, _LINE_H = 0.017, 0.09  # a name's letter and line in a half-width chart, as shares of its plot area


def label_positions(x: np.ndarray, y: np.ndarray, names: list[str]) -> list[str]:
    """Where each point's name goes so that names do not print over each other: models with close scores and
    times (an ensemble and its best member) would otherwise overlap into one unreadable word. Names near
    the right edge go to the left of their point (and the other way round); each name takes the first place
    around its point that no name placed before it covers."""
    def share(v: np.ndarray) -> np.ndarray:
        span = float(np.nanmax(v) - np.nanmin(v)) if len(v) else 0.0
        return (v - np.nanmin(v)) / span if span > 0 else np.full(len(v), 0.5)

    xs, ys = np.nan_to_num(share(x), nan=0.5), np.nan_to_num(share(y), nan=0.5)
    boxes: list[tuple[float, float, float, float]] = []
    positions = [""] * len(names)
    for i in sorted(range(len(names)), key=lambda k: -ys[k]):
        width = _CHAR_W * len(names[i])
        side = "left" if xs[i] > 0.7 else "right" if xs[i] < 0.3 else "center"
        tries = [f"top {side}", f"bottom {side}", "middle left" if side == "left" else "middle right",
                 "middle right" if side == "left" else "middle left"]
        chosen = tries[0]
        for place in tries:
            box = _label_box(xs[i], ys[i], width, place)
            if not any(_overlap(box, other) for other in boxes):
                chosen = place
                break
        positions[i] = chosen
        boxes.append(_label_box(xs[i], ys[i], width, chosen))
    return positions


def _label_box(x: float, y: float, width: float, place: str) -> tuple[float, float, float, float]:
    vertical, horizontal = place.split()
    cy = y + _LINE_H * 0.7 if vertical == "top" else y - _LINE_H * 0.7 if vertical == "bottom" else y
    gap = 0.02 if vertical == "middle" else 0.0
    left = {"center": x - width / 2, "right": x + gap, "left": x - gap - width}[horizontal]
    return left, left + width, cy - _LINE_H / 2, cy + _LINE_H / 2


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def permutation_importance_figure(frame: pd.DataFrame, metric: str) -> go.Figure:
    """How much the test score drops when a column is shuffled, with its confidence interval."""
    high = [c for c in frame.columns if c.endswith("_high")]
    low = [c for c in frame.columns if c.endswith("_low")]
    data = frame.sort_values("importance")
    error = dict(type="data", symmetric=False, array=(data[high[0]] - data["importance"]).to_numpy(),
                 arrayminus=(data["importance"] - data[low[0]]).to_numpy()) if high and low else None
    fig = go.Figure(go.Bar(x=data["importance"], y=data["feature"], orientation="h", error_x=error,
                           hovertemplate="%{y}: %{x:.4g}<extra></extra>"))
    fig.update_layout(title=f"Drop in test {metric} when a column is shuffled (bars: confidence interval)",
                      xaxis_title="importance", height=max(280, 28 * len(data) + 100),
                      margin=dict(t=50, l=160, r=20, b=40))
    return fig


def ovr_roc_figure(curves_frame: pd.DataFrame, areas: dict[str, float]) -> go.Figure:
    fig = _line_figure("One-vs-rest ROC curve of each class", "False positive rate", "True positive rate")
    for cls, part in curves_frame.groupby("class", sort=False):
        fig.add_trace(go.Scatter(x=part["fpr"], y=part["tpr"], mode="lines", name=f"{cls} (area {areas[cls]:.3f})"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line=dict(dash="dash")))
    return fig
