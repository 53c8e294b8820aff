"""One self-contained HTML report of a model: data, cleaning, training, scores, explanations.

It opens offline (plotly's JavaScript is inlined once) and every string that came from a user — column
names, values, file names — is escaped, so a column named `<script>` stays text.
"""

from __future__ import annotations

import html
import time
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from automl.evaluation import charts, summary
from automl.model.bundle import Bundle
from explain import narrative, plots
from explain.shap_values import ShapResult, importance_frame, row_contributions

__all__ = ["build_report", "dataset_summary", "SECTIONS"]

SECTIONS = ("Data", "Cleaning recipe", "Training", "Leaderboard", "Evaluation", "What drives the predictions",
            "Single predictions explained", "Versions")

_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}
th{background:#f4f4f4}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}.muted{color:#666}
.alert{background:#fff7e0;border-left:4px solid #e0a800;padding:.4em .8em;margin:.3em 0}"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, border=0, float_format=lambda v: f"{v:.4g}")


def _fig(fig: go.Figure) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def build_report(bundle: Bundle, result: ShapResult, dataset: dict[str, Any] | None = None,
                 local_rows: int = 3) -> str:
    """The report as one HTML string. `dataset`: optional name, id, profile frame and alert messages."""
    from plotly.offline import get_plotlyjs

    m = bundle.metrics
    output = result.outputs[0]
    what = f"P({output})" if bundle.problem_type != "regression" else bundle.label
    parts = [f"<h1>Model report: predicting {_e(bundle.label)}</h1>",
             f"<p class='muted'>Run {_e(bundle.run_id)} · {_e(bundle.problem_type)} · generated "
             f"{_e(time.strftime('%Y-%m-%d %H:%M'))}</p>"]

    parts.append("<h2>Data</h2>")
    if dataset:
        parts.append(f"<p>{_e(dataset.get('name', ''))} — {_e(dataset.get('rows', '?'))} rows; content hash "
                     f"<code>{_e(dataset.get('id', ''))}</code>.</p>")
        if dataset.get("profile") is not None:
            parts.append(_table(dataset["profile"]))
        for alert in dataset.get("alerts", []):
            parts.append(f"<div class='alert'>{_e(alert)}</div>")
    else:
        parts.append("<p class='muted'>The training data is not in this workspace (an imported model).</p>")

    parts.append("<h2>Cleaning recipe</h2>")
    steps = bundle.recipe.steps
    parts.append("<ol>" + "".join(f"<li>{_e(s.describe())}</li>" for s in steps) + "</ol>" if steps else
                 "<p>No cleaning steps: the model sees the columns as they were read.</p>")

    parts.append("<h2>Training</h2>")
    keys = ("label", "problem_type", "eval_metric", "preset", "time_limit", "test_size", "exclude",
            "model_families", "sample_weight", "tuning_trials", "gpu", "seed")
    config = pd.DataFrame([{"setting": k, "value": _plain(bundle.config.get(k))} for k in keys])
    parts.append(_table(config))
    parts.append(f"<p>{_e(m.n_train if m.n_train is not None else '?')} training rows, {_e(m.n_test if m.n_test is not None else '?')} held-out test rows; "
                 f"model in use <b>{_e(bundle.deployed_model or '?')}</b>"
                 + (f" (AutoGluon's best: {_e(bundle.autogluon_best)})"
                    if bundle.autogluon_best != bundle.deployed_model else "") + ".</p>")

    parts.append("<h2>Leaderboard</h2>")
    if (bundle.files.leaderboard).exists():
        board = summary.leaderboard_table(summary.leaderboard(bundle), m.eval_metric)
        parts.append(_table(board))
    else:
        parts.append("<p class='muted'>Not included with this model.</p>")

    parts.append("<h2>Evaluation</h2>")
    parts.append(_table(summary.metric_table(bundle)[["metric", "value", "optimised"]]))
    if (bundle.files.test_predictions).exists():
        preds = summary.test_predictions(bundle)
        fig = (charts.confusion_matrix_figure(summary.confusion_matrix_frame(preds, bundle.class_labels))
               if bundle.problem_type != "regression"
               else charts.predicted_vs_actual_figure(summary.predicted_vs_actual_frame(preds)))
        parts.append(_fig(fig))

    parts.append("<h2>What drives the predictions</h2>")
    parts.append(_fig(plots.importance_figure(importance_frame(result))))
    parts.append("<ul>" + "".join(f"<li>{_e(line)}</li>" for line in
                                  narrative.global_sentences(result, output, what)) + "</ul>")
    parts.append(_fig(plots.beeswarm_figure(result, output)))
    parts.append(f"<p class='muted'>SHAP values of {len(result.rows)} rows in the input columns; for every row, "
                 f"the base value ({_e(f'{result.base_values[output]:.4g}')}) plus its SHAP values equals the "
                 f"model's output ({_e(what)}).</p>")

    parts.append("<h2>Single predictions explained</h2>")
    for row in range(min(local_rows, len(result.rows))):
        contributions = row_contributions(result, row, output)
        parts.append(_fig(plots.waterfall_figure(contributions, result.base_values[output], what,
                                                 values=result.rows.iloc[row])))
        parts.append(f"<p>{_e(narrative.row_sentence(contributions, what))}</p>")

    parts.append("<h2>Versions</h2>")
    versions = pd.DataFrame([{"package": k, "version": v} for k, v in m.versions.items()])
    parts.append(_table(versions) if not versions.empty else "<p class='muted'>Not recorded.</p>")

    body = "\n".join(parts)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Model report: {_e(bundle.label)}"
            f"</title><style>{_CSS}</style><script>{get_plotlyjs()}</script></head><body>{body}</body></html>")


def dataset_summary(ws: Any, bundle: Bundle) -> dict[str, Any] | None:
    """The training dataset's name, size, hash, column profile and alerts, when it is in the workspace."""
    from automl.data import datasets
    from automl.errors import NotFoundError, InvalidIdError
    from automl.data.profile import profile_frame

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
