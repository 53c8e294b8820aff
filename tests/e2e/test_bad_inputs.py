"""Bad input through the browser: every file of the ingest corpus, an upload over the size limit, 5,000
columns, targets that cannot be learned, 10 rows, and column names that are HTML. Each gets a clear message
and the app keeps working."""

import re

import numpy as np
import pandas as pd
import pytest

from tests.e2e.ui import choose, main_text, nav, upload, wait_idle
from tests.helpers import SAMPLES
from tests.unit.test_ingest_formats import BAD

pytestmark = pytest.mark.e2e

UPLOADER_TYPES = {"csv", "tsv", "txt", "tab", "xlsx", "parquet", "jsonl", "ndjson", "json", "gz", "bz2", "zip"}


def upload_first(serve, page, path, env=None):
    """A fresh server; the Data page; upload `path`."""
    server = serve(env=env)
    page.goto(server.url)
    nav(page, "Data")
    upload(page, path)
    return server


def errors(page) -> str:
    return " | ".join(page.locator('[data-testid="stAlertContentError"]').all_inner_texts())


def test_every_bad_file_gets_a_clear_message_and_the_app_keeps_working(serve, page, tmp_path):
    server = serve()
    page.goto(server.url)
    nav(page, "Data")
    for name, (data, fragment) in sorted(BAD.items()):
        path = tmp_path / name
        path.write_bytes(data)
        upload(page, path)
        if name.rsplit(".", 1)[-1] in UPLOADER_TYPES:
            page.locator('[data-testid="stAlertContentError"]').filter(has_text=fragment).wait_for()
            message = errors(page)
            assert "Traceback" not in message and name.split(".")[0] in message, message
        else:  # the uploader itself refuses a type it does not take
            page.get_by_text(re.compile(r"not (allowed|supported)", re.I)).first.wait_for()
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "No dataset yet" in main_text(page)  # nothing half-stored
    upload(page, SAMPLES / "penguins.csv")
    page.get_by_text("Stored penguins.csv: 344 rows").wait_for()


def test_an_upload_over_the_size_limit_is_refused_with_the_limit(serve, page, tmp_path):
    big = tmp_path / "big.csv"
    big.write_text("a,b\n" + "123456,654321\n" * 100_000)  # 1.4 MB
    upload_first(serve, page, big, env={"AUTOML_STUDIO_MAX_UPLOAD_MB": "1"})
    page.get_by_text(re.compile(r"1(\.0)?\s?MB", re.I)).first.wait_for()
    assert "Stored big.csv" not in main_text(page)
    upload(page, SAMPLES / "penguins.csv")
    page.get_by_text("Stored penguins.csv: 344 rows").wait_for()


def test_a_table_with_5000_columns_is_read_and_profiled(serve, page, tmp_path):
    rng = np.random.default_rng(0)
    wide = pd.DataFrame(rng.integers(0, 100, size=(60, 5000)), columns=[f"c{i}" for i in range(5000)])
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    upload_first(serve, page, path)
    page.get_by_text("Stored wide.csv: 60 rows × 5000 columns").wait_for(timeout=120_000)
    page.get_by_role("heading", name="Distributions").wait_for(timeout=120_000)
    assert page.locator('[data-testid="stException"]').count() == 0


TARGETS = {
    "one-class.csv": (pd.DataFrame({"x": range(50), "y": ["same"] * 50}), "has a single value"),
    "no-target.csv": (pd.DataFrame({"x": range(50), "y": [None] * 50}), "is missing in every row"),
    "ten-rows.csv": (pd.DataFrame({"x": range(10), "y": ["a", "b"] * 5}), "Only 10 rows have a value"),
}


def test_targets_that_cannot_be_learned_are_explained_before_training(serve, page, tmp_path):
    server = serve()
    page.goto(server.url)
    for name, (frame, reason) in TARGETS.items():
        path = tmp_path / name
        frame.to_csv(path, index=False)
        nav(page, "Data")
        upload(page, path)
        page.get_by_text(f"Stored {name}").wait_for()
        nav(page, "Train")
        choose(page, "Column to predict", "y")
        page.locator('[data-testid="stAlertContentError"]').filter(has_text=reason).wait_for()
        page.get_by_role("button", name="Train", exact=True).click()
        wait_idle(page)
        assert reason in errors(page)
        assert page.get_by_role("heading", name="Run history").count() == 0  # no run was started
        assert page.locator('[data-testid="stException"]').count() == 0


def test_column_names_that_are_html_stay_text(serve, page, tmp_path):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    evil = "<script>alert(1)</script>"
    frame = pd.DataFrame({evil: [5] * 40, "<img src=x onerror=alert(2)>": ["a", "b"] * 20,
                          "y": ["yes", "no"] * 20})
    path = tmp_path / "evil.csv"
    frame.to_csv(path, index=False)
    upload_first(serve, page, path)
    page.get_by_text("Stored evil.csv").wait_for()
    nav(page, "Data")
    page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=evil).first.wait_for()  # its "constant" alert
    nav(page, "Train")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Column to predict").first.click()
    page.get_by_role("option", name=evil, exact=True).wait_for()
    page.keyboard.press("Escape")
    wait_idle(page)
    assert page.locator("script", has_text="alert(1)").count() == 0
    assert page.locator('img[src="x"]').count() == 0
    assert dialogs == []
