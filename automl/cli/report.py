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
from markupsafe import Markup

from automl.evaluation import charts, summary
from automl.model.bundle import Bundle
from explain import narrative, plots
from explain.shap_values import ShapResult, importance_frame, row_contributions

__all__ = ["build_report", "dataset_summary", "SECTIONS"]

SECTIONS = ("Data", "Cleaning recipe", "Training", "Leaderboard", "Evaluation", "What drives the predictions",
            "Single predictions explained", "Versions")

_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("automl.cli", "templates"),
                                autoescape=True, undefined=jinja2.StrictUndefined)


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
    context |= _training_part(bundle) | _evaluation_part(bundle) | _explanation_part(bundle, result, local_rows)
    return _TEMPLATES.get_template("report.html.j2").render(context)


def _data_part(dataset: dict[str, Any] | None) -> dict[str, Any] | None:
    if not dataset:
        return None
    profile = dataset.get("profile")
    return {"name": dataset.get("name", ""), "rows": dataset.get("rows", "?"), "id": dataset.get("id", ""),
            "profile_table": _table(profile) if profile is not None else "", "alerts": dataset.get("alerts", [])}


def _training_part(bundle: Bundle) -> dict[str, Any]:
    m = bundle.metrics
    keys = ("label", "problem_type", "eval_metric", "preset", "time_limit", "test_size", "refit_all_rows",
            "exclude", "model_families", "sample_weight", "tuning_trials", "gpu", "seed")
    config = pd.DataFrame([{"setting": k, "value": _plain(bundle.config.get(k))} for k in keys])
    return {"config_table": _table(config), "n_train": "?" if m.n_train is None else m.n_train,
            "n_test": "?" if m.n_test is None else m.n_test, "deployed": bundle.deployed_model or "?",
            "best": bundle.autogluon_best or bundle.deployed_model or "?", "plan": m.plan,
            "rows_sentence": summary.rows_sentence(bundle) if m.n_test is not None else ""}


def _evaluation_part(bundle: Bundle) -> dict[str, Any]:
    board = (_table(summary.leaderboard_table(summary.leaderboard(bundle), bundle.metrics.eval_metric))
             if bundle.files.leaderboard.exists() else None)
    figure, raw = "", None
    if bundle.files.test_predictions.exists():
        raw = summary.test_predictions(bundle)  # read once: the figure and the metrics at the threshold
        preds = summary.decided_predictions(bundle, raw)
        figure = _fig(charts.confusion_matrix_figure(summary.confusion_matrix_frame(preds, bundle.class_labels),
                                                     title=_threshold_title(bundle))
                      if bundle.problem_type != "regression"
                      else charts.predicted_vs_actual_figure(summary.predicted_vs_actual_frame(preds)))
    versions = pd.DataFrame([{"package": k, "version": v} for k, v in bundle.metrics.versions.items()])
    return {"leaderboard": board, "metrics_table": _table(summary.metric_table(bundle, raw).rename(columns={"at_threshold": "at threshold"})
                                   [["metric", "value", "optimised", "at threshold"]]),
            "threshold": bundle.threshold if bundle.problem_type == "binary" else None,
            "positive": bundle.metrics.positive_class,
            "evaluation_figure": figure, "versions": None if versions.empty else _table(versions)}


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
            "base_value": f"{result.base_values[output]:.4g}", "local_rows": rows}


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
