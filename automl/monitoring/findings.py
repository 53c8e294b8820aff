"""What deserves a look in a deployment's batches, and the one sentence that leads the Monitor page.

A model is used through its decisions, so every tracked metric (`automl.monitoring.estimate.tracked_metrics`:
the one training optimised, and accuracy, precision, recall, F1 at the saved threshold; for numbers the
error in the target's units) is followed per batch, estimated when the batch is scored and realised once
outcomes arrive, against the test split of the run that scored the batch. A threshold-free metric such as
ROC AUC can rise while the decisions collapse (the telecom walk: ROC AUC 0.899 -> 0.922 while precision at
the threshold fell from 0.70 to 0.28), so a fall in any of them is an alert, and so is a batch whose share of
an answer moves away from the test split's (prediction drift).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from typing import Any, Callable

from automl.data.markdown import code
from automl.data.numbers import readable_number
from automl.data.problem import metric_name
from automl.prediction.drift import PSI_SHIFTED
from automl.monitoring.estimate import higher_is_better
from automl.monitoring.actuals import MIN_LABELLED_ROWS

__all__ = ["alerts", "headline", "answer_shift", "MISSING_RISE", "UNSEEN_SHARE", "VOLUME_FACTOR", "MIN_DRIFT_ROWS",
           "PERFORMANCE_DROP", "ANSWER_SHIFT"]

MISSING_RISE = 0.2       # a column's missing share this far above training's
UNSEEN_SHARE = 0.05      # this share of a batch's values never seen in training
VOLUME_FACTOR = 5.0      # a batch this many times larger or smaller than the usual (median) batch
_MIN_HISTORY = 3         # batches before volume is judged
MIN_DRIFT_ROWS = 100     # a smaller batch's PSI is mostly sampling noise: shown, not alerted on
PERFORMANCE_DROP = 0.05  # a tracked metric this much worse (relative) than the test split's
ANSWER_SHIFT = 0.10      # an answer's share this far (absolute) from the test split's, and beyond sampling noise
_NOT_ALERTED = ("bias",)  # shown beside the error; its "worse" has no direction of its own
_ERRORS = ("root_mean_squared_error", "mean_absolute_error", "bias", "log_loss", "mean_absolute_percentage_error")


def _when(at: float) -> str:
    return dt.datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S")


def _worse(value: float, baseline: float, metric: str, rows: float) -> bool:
    """Worse than the test split's by more than `PERFORMANCE_DROP` of it and by more than two standard errors
    of a share measured on `rows` rows (an unchanged batch of 300 read precision 0.72 against 0.76: noise)."""
    margin = PERFORMANCE_DROP * abs(baseline)
    if 0.0 <= baseline <= 1.0 and metric not in _ERRORS:
        margin = max(margin, 2 * math.sqrt(max(baseline * (1 - baseline), 1e-6) / max(rows, 1.0)))
    return value < baseline - margin if higher_is_better(metric) else value > baseline + margin


def _effective_rows(metric: str, rows: int, positive_share: float | None) -> float:
    """The rows a metric is a share of: all for accuracy; those answered positive for precision; the positive
    ones for recall and F1; the rarer class for ROC AUC (the share of positive answers stands in for both)."""
    share = 0.5 if positive_share is None else min(max(positive_share, 0.0), 1.0)
    if metric in ("precision", "recall", "f1"):
        return rows * share
    if metric == "roc_auc":
        return rows * min(share, 1 - share)
    return float(rows)


def answer_shift(share: float, reference: float, rows: int) -> bool:
    """Whether an answer's share in a batch of `rows` is away from the test split's `reference` by more than
    `ANSWER_SHIFT` and by more than three binomial standard errors (what a sample of that size would show)."""
    noise = 3 * math.sqrt(max(reference * (1 - reference), 1e-6) / max(rows, 1))
    return abs(share - reference) > max(ANSWER_SHIFT, noise)


def alerts(batches: list, facts: Callable[[str], dict[str, Any]], alert: Callable[..., Any]) -> list:
    """Every alert over `batches` (oldest first): drift, missing, unseen, unusual, volume, answers, performance.
    `facts(run_id)`: the run's metric, missing shares and test-split `reference`; `alert(kind, column, at,
    message, batch[, drop])` makes one."""
    out: list = []
    shifted_before: set[tuple[str, str]] = set()
    below: dict[tuple[str, str], list[tuple[int, float, int]]] = {}  # (kind, metric) -> the current streak
    streaks: list[tuple[str, str, list[tuple[int, float, int]], float]] = []
    for i, b in enumerate(batches):
        n, when = i + 1, f"batch {i + 1} ({_when(b.at)})"
        for column, value in sorted(b.psi.items() if b.rows >= MIN_DRIFT_ROWS else ()):
            key, noise = (b.run_id, column), b.psi_noise.get(column, 0.0)  # judged beyond what chance shows
            shifted = value > PSI_SHIFTED + noise
            if shifted and key not in shifted_before:  # the batch where a shift starts
                out.append(alert("drift", column, b.at, f"{code(column)} drifted from the training data in {when} "
                                                        f"(PSI {value:.2f} > {PSI_SHIFTED}"
                                                        + (f" + {noise:.2f} for a batch of this size" if noise >= 0.01
                                                           else "") + ").", n))
            (shifted_before.add if shifted else shifted_before.discard)(key)
        run = facts(b.run_id)
        for column, share in sorted(b.missing.items()):
            before = run["missing"].get(column)
            if before is not None and share - before > MISSING_RISE:
                out.append(alert("missing", column, b.at, f"{code(column)} is missing in {share:.0%} of {when}, "
                                                          f"against {before:.0%} in training.", n))
        unseen = [(column, count) for column, count in sorted(b.unseen.items())
                  if b.rows and count / b.rows > UNSEEN_SHARE]
        for column, count in unseen:
            out.append(alert("unseen", column, b.at, f"{count:,} of {b.rows:,} rows of {when} hold a "
                                                     f"{code(column)} value never seen in training.", n))
        if not unseen and b.rows and b.unusual / b.rows > UNSEEN_SHARE:  # numbers outside the training range
            out.append(alert("unusual", None, b.at, f"{b.unusual:,} of {b.rows:,} rows of {when} hold an input "
                                                    "training never saw (a number outside its range, a value it "
                                                    "never had): their answers are less reliable.", n))
        reference = run["reference"]
        shares = (b.predicted or {}).get("shares") or {}
        if b.rows >= MIN_DRIFT_ROWS and reference.get("shares"):
            moved = [(c, s, reference["shares"].get(c, 0.0)) for c, s in sorted(shares.items())
                     if answer_shift(s, reference["shares"].get(c, 0.0), b.rows)]
            started = moved and (b.run_id, "answers") not in shifted_before  # said where it starts, as drift
            (shifted_before.add if moved else shifted_before.discard)((b.run_id, "answers"))
            if started:
                positive = str(run["positive"]) if run.get("positive") is not None else None
                c, s, ref = (next((m for m in moved if m[0] == positive), None)
                             or max(moved, key=lambda m: abs(m[1] - m[2])))
                out.append(alert("answers", None, b.at, f"In {when} the model answered {code(c)} for {s:.0%} of "
                                                        f"{b.rows:,} rows, against {ref:.0%} on the test split.", n))
        for kind, result, enough in (("Estimated", b.estimated, b.rows >= MIN_DRIFT_ROWS),
                                     ("Realised", b.realised, (b.realised or {}).get("rows", 0) >= MIN_LABELLED_ROWS)):
            values = (result or {}).get("metrics") or {}
            measured = int((result or {}).get("rows", b.rows))
            positive = run.get("positive")
            share = shares.get(str(positive)) if positive is not None else None
            for metric, baseline in reference.get("metrics", {}).items():
                value = values.get(metric)
                if value is None or not enough or metric in _NOT_ALERTED:
                    continue
                key = (kind, metric)
                if _worse(value, baseline, metric, _effective_rows(metric, measured, share)):
                    if key not in below:
                        below[key] = []
                        streaks.append((kind, metric, below[key], baseline))
                    below[key].append((n, value, int(result.get("rows", b.rows))))
                else:
                    below.pop(key, None)
        usual = [x.rows for x in batches[:i] if x.source == "batch"]  # files; sampled requests come in fixed sizes
        if b.source == "batch" and len(usual) >= _MIN_HISTORY:
            median = statistics.median(usual)
            if median and not median / VOLUME_FACTOR <= b.rows <= median * VOLUME_FACTOR:
                out.append(alert("volume", None, b.at, f"Batch {n} ({_when(b.at)}) has {b.rows:,} rows; batches "
                                                       f"usually have about {median:,.0f}.", n))
    for kind, metric, streak, baseline in streaks:  # one alert where a metric fell, with how long it stayed
        first, value, rows = streak[0]
        after = f"; it stayed worse in the {len(streak) - 1} batch(es) after" if len(streak) > 1 else ""
        at = batches[first - 1].at
        drop = abs(value - baseline) / abs(baseline) if baseline else 0.0
        out.append(alert("performance", metric, at, f"{kind} {metric_name(metric)} fell to {_shown(metric, value)} in "
                                                    f"batch {first} ({_when(at)}, {rows:,} rows), against "
                                                    f"{_shown(metric, baseline)} on the test split (more than "
                                                    f"{PERFORMANCE_DROP:.0%} worse){after}.", first, round(drop, 4)))
    return sorted(out, key=lambda a: a.batch)


def _shown(metric: str, value: float) -> str:
    if metric in ("root_mean_squared_error", "mean_absolute_error", "bias"):
        return readable_number(value)
    return f"{value:.3f}"


def headline(batches: list, facts: Callable[[str], dict[str, Any]]) -> str | None:
    """The newest batch in one sentence, in words: what its decisions did against the test split's."""
    if not batches:
        return None
    n, b = len(batches), batches[-1]
    run = facts(b.run_id)
    reference, problem, positive = run["reference"], run["problem_type"], run["positive"]
    ref = reference.get("metrics", {})
    realised = (b.realised or {}).get("metrics") or {}
    estimated = (b.estimated or {}).get("metrics") or {}
    if problem == "binary" and positive is not None:
        pos = code(positive)
        share = ((b.predicted or {}).get("shares") or {}).get(str(positive))
        ref_share = reference.get("shares", {}).get(str(positive))
        answered = "" if share is None else (
            f"it answered {pos} for {share:.0%} of its {b.rows:,} rows"
            + (f" ({ref_share:.0%} on the test split)" if ref_share is not None else ""))
        if "precision" in realised and "precision" in ref:
            return (f"Of the rows it answered {pos} in batch {n}, {realised['precision']:.0%} were {pos}; "
                    f"{ref['precision']:.0%} on the test split" + (f". In that batch {answered}." if answered else "."))
        if "precision" in estimated and "precision" in ref and answered:
            return (f"In batch {n} {answered}; about {estimated['precision']:.0%} of those answers are expected to be "
                    f"right ({ref['precision']:.0%} on the test split), estimated until outcomes arrive.")
        return f"In batch {n} {answered}." if answered else None
    if problem == "multiclass":
        if "accuracy" in realised and "accuracy" in ref:
            return (f"In batch {n} it was right on {realised['accuracy']:.0%} of the {b.realised['rows']:,} rows whose "
                    f"outcome arrived ({ref['accuracy']:.0%} on the test split).")
        if "accuracy" in estimated and "accuracy" in ref:
            return (f"In batch {n} it is expected to be right on about {estimated['accuracy']:.0%} of its "
                    f"{b.rows:,} rows ({ref['accuracy']:.0%} on the test split), estimated until outcomes arrive.")
        return None
    if problem == "regression" and "mean_absolute_error" in realised:
        bias = realised.get("bias")
        lean = "" if bias is None else (f", {readable_number(abs(bias))} too {'high' if bias > 0 else 'low'} on "
                                        "average")
        base = ref.get("mean_absolute_error")
        return (f"In batch {n} its answers were off by {readable_number(realised['mean_absolute_error'])} on average"
                + (f" ({readable_number(base)} on the test split)" if base is not None else "") + lean + ".")
    return None
