"""The CLI in a subprocess: a bad label, a public address without a password, a file past a budget —
exit code 2 and one line on stderr."""

from __future__ import annotations

import os

import pytest

from automl.serving import access
from tests.helpers import SAMPLES, run_cli

pytestmark = pytest.mark.integration


def test_train_with_a_bad_label_exits_2_and_prints_nothing_on_stdout(tmp_path):
    proc = run_cli("train", str(SAMPLES / "titanic.csv"), "--label", "nope", "--json", workspace=tmp_path / "ws")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "not in the table" in proc.stderr


def test_the_cli_refuses_a_public_address_without_a_password(tmp_path, monkeypatch):
    from tests.helpers import run_cli

    monkeypatch.delenv(access.ENV, raising=False)
    proc = run_cli("ui", "--host", "0.0.0.0", "--port", "8599", workspace=tmp_path / "ws", timeout=60)
    assert proc.returncode == 2 and "without a password" in proc.stderr


def test_the_cli_exits_2_on_a_file_past_a_budget(tmp_path):
    import pandas as pd

    from tests.helpers import run_cli

    pd.DataFrame({"a": range(10_000)}).to_parquet(tmp_path / "t.parquet")
    os.environ["AUTOML_STUDIO_MAX_CELLS"] = "1000"
    try:
        proc = run_cli("profile", str(tmp_path / "t.parquet"), timeout=120)
    finally:
        del os.environ["AUTOML_STUDIO_MAX_CELLS"]
    assert proc.returncode == 2 and "AUTOML_STUDIO_MAX_CELLS" in proc.stderr
