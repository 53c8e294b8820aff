"""Alerts on synthetic data with planted problems, and none on clean data."""

import numpy as np
import pandas as pd
import pytest

from automl.data.alerts import ALERT_KINDS, find_alerts

N = 600


def clean(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": rng.integers(18, 90, N).astype(float),
        "income": rng.normal(40_000, 12_000, N).round(2),
        "city": rng.choice(["Paris", "Lyon", "Nice", "Lille"], N),
        "score": rng.normal(size=N),
    })
    logit = 0.03 * (df["age"] - 50) + 0.8 * df["score"] + rng.normal(size=N)
    df["bought"] = np.where(logit > 0, "yes", "no")
    return df


def kinds(alerts, column=None):
    return {a.kind for a in alerts if column is None or a.column == column}


def test_clean_data_raises_no_alert():
    assert find_alerts(clean(), "bought") == []


def test_planted_identifiers_are_found_text_and_numeric():
    df = clean().assign(customer=[f"CUST-{i:06d}" for i in range(N)], row_number=np.arange(1, N + 1),
                        uuid=[f"{i:08x}-4b1e-9c3a-{i * 7919:012x}" for i in range(N)])
    alerts = find_alerts(df, "bought")
    for col in ("customer", "row_number", "uuid"):
        assert "id_like" in kinds(alerts, col), col
    assert "id_like" not in kinds(alerts, "income"), "a continuous measurement unique per row is not an id"


def test_planted_leaks_are_found():
    df = clean(1)
    rng = np.random.default_rng(1)
    df["refund_issued"] = np.where(df["bought"] == "yes", "refund", "none")                  # categorical copy
    df["days_to_churn"] = np.where(df["bought"] == "yes", rng.normal(30, 1, N), rng.normal(0, 1, N))  # numeric
    alerts = find_alerts(df, "bought")
    for col in ("refund_issued", "days_to_churn"):
        leak = [a for a in alerts if a.kind == "leakage" and a.column == col]
        assert leak, col
        assert leak[0].evidence["probe_score"] >= 0.97 and leak[0].action == "exclude"
    assert "leakage" not in kinds(alerts, "score"), "a useful but imperfect feature is no leak"


def test_regression_leak_through_a_deterministic_function():
    df = clean(2)
    df["y"] = df["income"] * 0.1 + np.random.default_rng(2).normal(0, 2000, N)
    df["y_in_thousands"] = (df["y"] / 1000).round(3)
    alerts = find_alerts(df.drop(columns=["bought"]), "y")
    assert "leakage" in kinds(alerts, "y_in_thousands")
    assert "leakage" not in kinds(alerts, "income")


def test_constant_near_constant_missing_duplicates_cardinality_and_imbalance():
    df = clean(3)
    df["country"] = "France"
    df["flag"] = ["rare"] + ["common"] * (N - 1)
    df["notes"] = [None] * (N - 50) + ["x"] * 50
    df["street"] = [f"street {i % 200}" for i in range(N)]
    df["rare_event"] = ["yes"] * 20 + ["no"] * (N - 20)
    df = pd.concat([df, df.head(7)], ignore_index=True)
    alerts = find_alerts(df, "rare_event")
    assert "constant" in kinds(alerts, "country")
    near = [a for a in alerts if a.column == "flag"]
    assert near and near[0].kind == "constant" and near[0].evidence["near"]
    assert "mostly_missing" in kinds(alerts, "notes")
    assert "high_cardinality" in kinds(alerts, "street")
    dup = [a for a in alerts if a.kind == "duplicate_rows"]
    assert dup and dup[0].evidence["duplicate_rows"] == 7 and dup[0].column is None
    assert "imbalance" in kinds(alerts, "rare_event")


def test_every_alert_has_a_known_kind_message_and_evidence():
    df = clean(4).assign(id=np.arange(N), const=1)
    for alert in find_alerts(df, "bought"):
        assert alert.kind in ALERT_KINDS and alert.message and alert.evidence


@pytest.mark.parametrize("label", [None, "bought"])
def test_without_a_label_there_are_no_target_alerts(label):
    df = clean(5)
    df["leak"] = df["bought"]
    alerts = find_alerts(df, label)
    assert ("leakage" in kinds(alerts)) == (label is not None)


def test_imbalance_is_flagged_when_the_rarest_class_has_under_half_its_fair_share():
    import pandas as pd

    from automl.data.alerts import target_alerts

    rng = np.random.default_rng(0)
    hr = pd.DataFrame({"x": rng.normal(size=1470), "Attrition": ["Yes"] * 237 + ["No"] * 1233})  # 16% leave
    (alert,) = [a for a in target_alerts(hr, "Attrition") if a.kind == "imbalance"]
    assert "always answering `'No'` is already right 84% of the time" in alert.message
    three = pd.DataFrame({"x": rng.normal(size=100), "species": ["A"] * 44 + ["B"] * 36 + ["C"] * 20})
    assert not [a for a in target_alerts(three, "species") if a.kind == "imbalance"]  # 20% of 3 classes is fine
