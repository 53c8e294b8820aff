"""The explanation report: self-contained, every section present, user strings escaped."""

import dataclasses
import re
from html.parser import HTMLParser

import pandas as pd

from automl.cli.report import SECTIONS, build_report
from explain import narrative, plots
from explain.shap_values import compute_shap, shap_table
from tests.unit.fakes import FakeBinaryPredictor, fake_bundle, people

EVIL = "<script>alert(1)</script>"


class Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h2, self.scripts, self.external, self._in_h2 = [], 0, 0, False

    def handle_starttag(self, tag, attrs):
        self._in_h2 = tag == "h2"
        self.scripts += tag == "script"
        self.external += tag in ("script", "link") and any(k in ("src", "href") for k, _ in attrs)

    def handle_data(self, data):
        if self._in_h2:
            self.h2.append(data)
            self._in_h2 = False


def _result(tmp_path):
    bundle = fake_bundle(tmp_path)
    return bundle, compute_shap(FakeBinaryPredictor(), bundle, people(30, seed=1), people(20, seed=2))


def test_the_report_has_every_section_and_opens_offline(tmp_path):
    bundle, result = _result(tmp_path)
    page = build_report(bundle, result, {"name": "t.csv", "id": "ds-1", "rows": "30",
                                         "profile": pd.DataFrame({"column": ["age"]}), "alerts": []})
    outline = Outline()
    outline.feed(page)
    assert outline.h2 == list(SECTIONS)
    from plotly.offline import get_plotlyjs

    library = get_plotlyjs()
    assert page.count(library[:200]) == 1, "plotly's JavaScript is included once, inline"
    assert outline.external == 0, "nothing is fetched from the network"
    assert page.count("Plotly.newPlot") == outline.scripts - 1


def test_user_strings_are_escaped(tmp_path):
    bundle, result = _result(tmp_path)
    bundle = dataclasses.replace(bundle, schema=dataclasses.replace(bundle.schema, label=EVIL))
    page = build_report(bundle, result, {"name": EVIL, "id": "ds-1", "rows": "1",
                                         "profile": pd.DataFrame({"column": [EVIL]}), "alerts": [EVIL]})
    assert EVIL not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_report_renders_the_app_s_sentences_as_the_pages_do(tmp_path):
    """A column in a code span, data escaped: no raw backtick or backslash, and a Markdown image or HTML written
    in the data stays text (issue 28, 12; the report showed `customer_id` with its backticks)."""
    bundle, result = _result(tmp_path)
    hostile = "x ![i](http://127.0.0.1:9/i.png) <b>b</b>"
    page = build_report(bundle, result, {"name": "t.csv", "id": "ds-1", "rows": "30",
                                         "profile": pd.DataFrame({"column": ["age"]}),
                                         "alerts": [f"`{hostile}` is missing in 80% of rows."]})
    assert "<code>age</code>" in page and "P(yes)" in page and "P\\(" not in page
    assert '<img src="http://127.0.0.1:9' not in page and "<b>b</b>" not in page
    assert "<code>x ![i](http://127.0.0.1:9/i.png) &lt;b&gt;b&lt;/b&gt;</code>" in page


def test_shap_table_lines_add_up_to_the_model_output(tmp_path):
    bundle, result = _result(tmp_path)
    table = shap_table(result)
    assert list(table.columns) == ["row", "age", "sex", "base_value", "model_output"]
    expected = FakeBinaryPredictor().predict_proba(people(30, seed=1))["yes"].to_numpy()
    assert (abs(table["model_output"].to_numpy() - expected) < 1e-9).all()


def test_charts_and_sentences_for_each_view(tmp_path):
    bundle, result = _result(tmp_path)
    assert len(plots.beeswarm_figure(result, "yes").data) == 2
    assert len(plots.dependence_figure(result, "age", "yes", colour_by="sex").data[0].x) == 30
    contributions = result.values[(result.values["row"] == 0)].set_index("feature")["value"]
    fig = plots.waterfall_figure(contributions, result.base_values["yes"], "P(yes)", values=result.rows.iloc[0])
    assert fig.data[0].y[1].startswith(("age = ", "sex = "))
    # one colour language: a push up is the beeswarm's "high" red, a push down its "low" blue
    bees = plots.beeswarm_figure(result, "yes").data[0].marker.colorscale
    assert fig.data[0].increasing.marker.color == bees[-1][1] and fig.data[0].decreasing.marker.color == bees[0][1]
    lines = narrative.global_sentences(result, "yes", "P(yes)")
    assert any("Higher `age` pushes P\\(yes\\) up" in line for line in lines)
    assert any("`sex` = `female` pushes P\\(yes\\) up the most" in line for line in lines)


def test_the_report_names_the_model_in_use_apart_from_autogluons_best(tmp_path):
    bundle, result = _result(tmp_path)
    summary = {"name": "t.csv", "id": "ds-1", "rows": "30", "profile": pd.DataFrame({"column": ["age"]}),
               "alerts": []}
    assert "model in use: <b>Fake</b>\n<span class=\"muted\">(Fake)</span>." in build_report(bundle, result, summary)
    bundle = dataclasses.replace(bundle, chosen_model="Chosen_L1")  # picked on the leaderboard (deploy.json)
    page = build_report(bundle, result, summary)
    assert "<span class=\"muted\">(Chosen_L1; AutoGluon's best: Fake)</span>." in page


def test_the_shap_download_cannot_carry_spreadsheet_formulas(tmp_path):
    import io

    from explain.shap_values import shap_csv

    bundle, result = _result(tmp_path)
    evil = dataclasses.replace(result, values=result.values.assign(
        feature=result.values["feature"].replace({"sex": "=HYPERLINK(\"http://x\")"})))
    text = shap_csv(evil)
    header = next(iter(io.StringIO(text))).strip()
    assert "'=HYPERLINK" in header and ",=HYPERLINK" not in header
    assert pd.read_csv(io.StringIO(text))["row"].tolist() == list(range(30))


def test_the_report_names_a_saved_threshold_and_scores_at_it(tmp_path):
    import dataclasses as dc

    from automl.model.scoring import RunMetrics
    from automl.store import atomic

    bundle, result = _result(tmp_path)
    bundle = dc.replace(bundle, metrics=RunMetrics("binary", "accuracy", None, values={"accuracy": 0.8, "roc_auc": 0.9},
                                                   best_model="Fake", positive_class="yes"))
    atomic.write_parquet(bundle.files.test_predictions, pd.DataFrame(
        {"actual": ["yes", "yes", "no", "no"], "prediction": ["yes", "no", "no", "no"],
         "proba_no": [0.2, 0.6, 0.7, 0.9], "proba_yes": [0.8, 0.4, 0.3, 0.1]}))
    bundle = dc.replace(bundle, saved_threshold={"threshold": 0.35, "chosen_by": "f1"})  # as threshold.json holds
    page = build_report(bundle, result, None)
    assert 'answers "yes" from a probability of 0.35' in page
    assert "Confusion matrix at the saved threshold 0.35" in page
    # at 0.35: 4 of 4 right, not training's 0.8; always answering "yes" (a tie of 2 and 2) is right on half
    assert re.search(r"<td>Accuracy ★</td>\s*<td>1.000</td>\s*<td>0.500</td>\s*<td>0.35</td>", page)
    assert re.search(r"<td>ROC AUC</td>\s*<td>0.900</td>\s*<td>0.500</td>\s*<td></td>", page)  # training's
    assert "finds 1 of the 2" in page or "finds 2 of the 2" in page  # the verdict, at the threshold
    for title in ("ROC curve", "average precision", "Calibration", "Cumulative gain"):
        assert title in page


def test_the_report_tells_one_story_about_retraining_on_every_row(tmp_path):
    """Issue 29, 5: "Retrained on every row: yes" stood above "Not retrained on every row…"."""
    from dataclasses import replace

    bundle, result = _result(tmp_path)
    asked = replace(bundle, config={**bundle.config, "refit_all_rows": True})
    assert not asked.trained_on_all_rows
    page = build_report(asked, result)
    assert "asked for, not done (see below)" in page
    assert "<td>Retrained on every row</td>\n      <td>yes</td>" not in page
