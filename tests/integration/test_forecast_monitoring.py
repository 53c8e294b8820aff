"""A deployed forecast watched (issue 32): forecasts made through the deployment are kept, scored when the actual
values of their times arrive (matched by series and time), an alert when one errs far more than its backtest,
and a challenger retrained on the history with the new rows, promoted under the same contract."""

import json

import pandas as pd
import pytest

from tests.helpers import SAMPLES, copy_workspace, run_cli

pytestmark = pytest.mark.integration


def test_forecasts_through_a_deployment_are_scored_when_their_actual_values_come(forecasts, tmp_path):
    root = copy_workspace(forecasts.root, tmp_path / "ws")
    assert run_cli("deploy", forecasts.arrivals_run, "--name", "arrivals", workspace=root).returncode == 0
    full = pd.read_csv(SAMPLES / "arrivals_quarterly.csv")
    full[full["quarter"] < "2011-01-01"].to_csv(tmp_path / "to-2010.csv", index=False)
    proc = run_cli("predict", "arrivals", str(tmp_path / "to-2010.csv"), "--out", str(tmp_path / "f.csv"),
                   workspace=root)
    assert proc.returncode == 0, proc.stderr

    seen = json.loads(run_cli("monitor", "arrivals", "--json", workspace=root).stdout)
    assert seen["task"] == "forecast" and len(seen["forecasts"]) == 1
    assert seen["forecasts"][0]["steps"] == 16 and seen["forecasts"][0]["steps with actuals"] == 0

    # the actual values of 2011 arrive: every step is scored against what was forecast
    full[full["quarter"] < "2012-01-01"].to_csv(tmp_path / "to-2011.csv", index=False)
    proc = run_cli("actuals", "arrivals", str(tmp_path / "to-2011.csv"), "--json", workspace=root)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["matched"] == 16
    row = json.loads(run_cli("monitor", "arrivals", "--json", workspace=root).stdout)["forecasts"][0]
    forecast = pd.read_csv(tmp_path / "f.csv")
    actual = full.set_index(["origin", "quarter"])["arrivals"]
    expected = (forecast.set_index(["origin", "quarter"])["forecast"] - actual.reindex(
        forecast.set_index(["origin", "quarter"]).index)).abs().mean()
    assert row["steps with actuals"] == 16 and row["mean error"] == pytest.approx(expected)
    assert row["backtest error"] == pytest.approx(forecasts.train_json["mae"])

    # a year far off what was forecast: the alert says so, with what to do
    tripled = full[full["quarter"] < "2012-01-01"].assign(arrivals=lambda f: f["arrivals"] * 3)
    tripled.to_csv(tmp_path / "tripled.csv", index=False)
    assert run_cli("actuals", "arrivals", str(tmp_path / "tripled.csv"), workspace=root).returncode == 0
    seen = json.loads(run_cli("monitor", "arrivals", "--json", workspace=root).stdout)
    assert any("times its backtest's: the series may have changed. Retrain with the new history." in a
               for a in seen["alerts"]), seen["alerts"]

    # a challenger learns the history with the new rows, and keeps the contract: it can be promoted
    full.to_csv(tmp_path / "all.csv", index=False)
    proc = run_cli("retrain", "arrivals", "--data", str(tmp_path / "all.csv"), "--time-limit", "20", "--json",
                   workspace=root)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["challenger_mase"] > 0 and result["champion"] == forecasts.arrivals_run
    assert run_cli("promote", "arrivals", result["run_id"], workspace=root).returncode == 0
