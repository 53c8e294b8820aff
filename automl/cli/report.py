"""One self-contained HTML report of a model: data, cleaning, training, scores, explanations.

It opens offline (plotly's JavaScript is inlined once). It renders from a jinja2 template with autoescape,
so every string that came from a user — column names, values, file names — is escaped and a column named
`<script>` stays text; only tables (escaped by pandas) and figures go in as markup.
"""

from __future__ import annotations

import time
from typing import Any

import jinja2
import pandas as pd
import plotly.graph_objects as go
from markdown_it import MarkdownIt
from markupsafe import Markup

from automl.evaluation import charts, curves, summary
from automl.model.bundle import Bundle
from automl.model.names import plain_model_name
from explain import narrative, plots
from explain.shap_values import ShapResult, importance_frame, plain_number, row_contributions

__all__ = ["build_report", "dataset_summary", "SECTIONS"]

SECTIONS = ("Data", "Cleaning recipe", "Training", "Leaderboard", "Evaluation", "What drives the predictions",
            "Single predictions explained", "Versions")

_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("automl.cli", "templates"),
                                autoescape=True, undefined=jinja2.StrictUndefined)
# The app's sentences are Markdown (a column in a code span, data escaped: `automl.data.markdown`); the report
# renders them as the pages do, with no raw HTML, link or image whatever the data holds.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(["image", "link", "autolink"])
_TEMPLATES.filters["markdown"] = lambda text: Markup(_MARKDOWN.renderInline(str(text)))


def _table(df: pd.DataFrame) -> Markup:
    """A frame as an HTML table; pandas escapes every cell and header."""
    return Markup(df.to_html(index=False, escape=True, border=0, float_format=lambda v: f"{v:.4g}"))


def _fig(fig: go.Figure) -> Markup:
    """A plotly figure's own HTML (its data is JSON inside a script, which plotly escapes)."""
    return Markup(fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}))


def build_report(bundle: Bundle, result: ShapResult, dataset: dict[str, Any] | None = None,
                 local_rows: int = 3) -> str:
    """The report as one HTML string. `dataset`: optional name, id, profile frame and alert messages.
    Rendered from `templates/report.html.j2` with autoescape: only tables and figures go in as markup."""
    from plotly.offline import get_plotlyjs

    context = {"label": bundle.label, "run_id": bundle.run_id, "problem_type": bundle.problem_type,
               "generated": time.strftime("%Y-%m-%d %H:%M"), "plotlyjs": Markup(get_plotlyjs()),
               "dataset": _data_part(dataset), "steps": [s.describe() for s in bundle.recipe.steps]}
    context |= _training_part(bundle) | _evaluation_part(bundle, result) | _explanation_part(bundle, result, local_rows)
    return _TEMPLATES.get_template("report.html.j2").render(context)


def _data_part(dataset: dict[str, Any] | None) -> dict[str, Any] | None:
    if not dataset:
        return None
    profile = dataset.get("profile")
    return {"name": dataset.get("name", ""), "rows": dataset.get("rows", "?"), "id": dataset.get("id", ""),
            "profile_table": _table(profile) if profile is not None else "", "alerts": dataset.get("alerts", [])}


_SETTINGS = (("label", "Target"), ("problem_type", "Problem type"), ("eval_metric", "Metric optimised"),
             ("preset", "Preset"), ("time_limit", "Time budget (seconds)"), ("test_size", "Test split"),
             ("refit_all_rows", "Retrained on every row"), ("exclude", "Columns left out"),
             ("model_families", "Model families"), ("sample_weight", "Row weights column"),
             ("tuning_trials", "Tuning trials"), ("gpu", "GPU"), ("seed", "Random seed"))


def _setting(key: str, value: Any) -> str:
    if key == "eval_metric" and value:
        return summary.metric_name(value)
    if key == "test_size" and isinstance(value, (int, float)):
        return f"{100 * value:.0f}% of the rows"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _plain(value)


def _training_part(bundle: Bundle) -> dict[str, Any]:
    m = bundle.metrics
    config = pd.DataFrame([{"setting": words, "value": _setting(k, bundle.config.get(k))} for k, words in _SETTINGS])
    if bundle.config.get("refit_all_rows"):  # what was asked, and what happened: one story, not two
        config.loc[config["setting"] == "Retrained on every row", "value"] = (
            "yes" if bundle.trained_on_all_rows else "asked for, not done (see below)")
    return {"config_table": _table(config), "n_train": "?" if m.n_train is None else f"{m.n_train:,}",
            "n_test": "?" if m.n_test is None else f"{m.n_test:,}", "deployed": bundle.deployed_model or "?",
            "deployed_words": plain_model_name(bundle.deployed_model or ""),
            "best": bundle.autogluon_best or bundle.deployed_model or "?", "plan": m.plan,
            "rows_sentence": summary.rows_sentence(bundle) if m.n_test is not None else ""}


def _evaluation_part(bundle: Bundle, result: ShapResult) -> dict[str, Any]:
    board = (_table(_readable(summary.leaderboard_table(summary.leaderboard(bundle), bundle.metrics.eval_metric)))
             if bundle.files.leaderboard.exists() else None)
    figures, raw = [], None
    if bundle.files.test_predictions.exists():
        raw = summary.test_predictions(bundle)  # read once: the figures and the metrics at the threshold
        figures = [_fig(f) for f in _evaluation_figures(bundle, summary.decided_predictions(bundle, raw), result)]
    metrics = summary.metric_table(bundle, raw)
    guess = summary.baseline_values(bundle, raw) if raw is not None else {}
    metrics = pd.DataFrame({"metric": metrics["metric"] + metrics["optimised"].map({True: " ★", False: ""}),
                            "value": [summary.shown(k, v)
                                      for k, v in zip(metrics["key"], metrics["value"], strict=True)],
                            "simplest guess": [summary.shown(k, guess[k]) if k in guess else ""
                                               for k in metrics["key"]],
                            "at threshold": [f"{t:.2f}" if t == t and t else "" for t in metrics["at_threshold"]]})
    if not metrics["at threshold"].any():
        metrics = metrics.drop(columns=["at threshold"])
    versions = pd.DataFrame([{"package": k, "version": v} for k, v in bundle.metrics.versions.items()])
    return {"leaderboard": board, "metrics_table": _table(metrics),
            "threshold": bundle.threshold if bundle.problem_type == "binary" else None,
            "positive": bundle.metrics.positive_class, "verdict": _verdict(bundle, raw),
            "evaluation_figures": figures, "versions": None if versions.empty else _table(versions)}


def _verdict(bundle: Bundle, raw: pd.DataFrame | None) -> str:
    try:
        return summary.verdict(bundle, raw) if raw is not None else ""
    except (KeyError, ValueError):  # a run saved before the baselines: the table says the rest
        return ""


def _evaluation_figures(bundle: Bundle, preds: pd.DataFrame, result: ShapResult) -> list[go.Figure]:
    """The Evaluate page's charts for the problem type, and the test-split score by group of the column that
    matters most."""
    out: list[go.Figure] = []
    if bundle.problem_type == "regression":
        residuals = curves.residual_frame(preds)
        out += [charts.predicted_vs_actual_figure(summary.predicted_vs_actual_frame(preds)),
                charts.residuals_figure(residuals), charts.residual_histogram(residuals),
                charts.error_by_decile_figure(curves.error_by_decile(residuals))]
    else:
        out.append(charts.confusion_matrix_figure(summary.confusion_matrix_frame(preds, bundle.class_labels),
                                                  title=_threshold_title(bundle)))
    if bundle.problem_type == "binary":
        y, p = curves.binary_arrays(preds, bundle.metrics.positive_class)
        roc, auc = curves.roc_frame(y, p)
        pr, ap = curves.pr_frame(y, p)
        out += [charts.roc_figure(roc, auc), charts.pr_figure(pr, ap, float(y.mean())),
                charts.calibration_figure(curves.calibration_frame(y, p)), charts.gain_figure(curves.gain_frame(y, p))]
    elif bundle.problem_type == "multiclass":
        out.append(charts.per_class_figure(curves.per_class_table(preds, bundle.class_labels)))
    top = importance_frame(result)["feature"]
    rows = summary.test_rows(bundle) if bundle.files.test_rows.exists() else None
    column = next((c for c in top if rows is not None and c in rows.columns), None)
    if column is not None:
        out.append(charts.slice_figure(curves.slice_table(rows, preds, column, bundle.problem_type), column,
                                       bundle.problem_type))
    return out


def _readable(board: pd.DataFrame) -> pd.DataFrame:
    """The leaderboard's numbers rounded for a reader."""
    for column in board.columns:
        if pd.api.types.is_float_dtype(board[column]):
            board[column] = board[column].map(lambda v: "" if v != v else plain_number(v))
    return board


def _threshold_title(bundle: Bundle) -> str | None:
    if bundle.problem_type == "binary" and bundle.threshold is not None:
        return f"Confusion matrix at the saved threshold {bundle.threshold:.2f} (test split)"
    return None


def _explanation_part(bundle: Bundle, result: ShapResult, local_rows: int) -> dict[str, Any]:
    output = result.outputs[0]
    what = f"P({output})" if bundle.problem_type != "regression" else bundle.label
    rows = []
    for row in range(min(local_rows, len(result.rows))):
        contributions, values = plots.combine_groups(row_contributions(result, row, output),
                                                     result.rows.iloc[row], bundle.schema.groups)
        rows.append({"figure": _fig(plots.waterfall_figure(contributions, result.base_values[output], what,
                                                           values=values)),
                     "sentence": narrative.row_sentence(contributions, what)})
    return {"what": what, "importance_figure": _fig(plots.importance_figure(importance_frame(result))),
            "sentences": narrative.global_sentences(result, output, what),
            "beeswarm": _fig(plots.beeswarm_figure(result, output)), "rows_explained": len(result.rows),
            "base_value": plain_number(result.base_values[output]), "local_rows": rows}


def dataset_summary(ws: Any, bundle: Bundle) -> dict[str, Any] | None:
    """The training dataset's name, size, hash, column profile and alerts, when it is in the workspace."""
    from automl.data import datasets
    from automl.data.profile import profile_frame
    from automl.errors import InvalidIdError, NotFoundError

    dataset_id = bundle.config.get("dataset_id")
    try:
        info = ws.get_dataset(dataset_id)
    except (NotFoundError, InvalidIdError, TypeError):
        return None
    alerts = datasets.load_alerts(ws, info.id, bundle.label)
    return {"name": info.name, "id": info.id, "rows": f"{info.rows:,}",
            "profile": profile_frame(datasets.load_profile(ws, info.id)), "alerts": [a.message for a in alerts]}


def _plain(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "—"
    return "—" if value is None else str(value)
