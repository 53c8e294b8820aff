"""Issue 28, item 12: text from the data is shown as written, never as Markdown. A file whose column name
and class label hold Markdown images, an HTML tag, bold and backticks made Chromium fetch the images'
addresses on Monitor (drift alerts) and Predict. Here every page that shows them is opened and any request
to the hostile address is caught."""

import numpy as np
import pandas as pd
import pytest

from tests.e2e.ui import main_text, nav, wait_idle
from tests.helpers import SAMPLES, run_cli

pytestmark = pytest.mark.e2e

EVIL = "http://127.0.0.1:9"
COLUMN = f"age ![c]({EVIL}/column.png) <img src={EVIL}/tag.png> **b** `t`"
LABEL = f"yes ![l]({EVIL}/label.png)"


def test_a_file_s_own_markdown_is_never_rendered(serve, page, tmp_path):
    root = tmp_path / "ws"
    rows = pd.read_csv(SAMPLES / "titanic.csv").rename(columns={"age": COLUMN})
    rows["survived"] = np.where(rows["survived"] == "yes", LABEL, "no")
    rows.to_csv(tmp_path / "hostile.csv", index=False)
    trained = run_cli("train", str(tmp_path / "hostile.csv"), "--label", "survived", "--time-limit", "20",
                      "--models", "GBM", "--json", workspace=root)
    assert trained.returncode == 0, trained.stderr
    run_id = __import__("json").loads(trained.stdout)["run_id"]
    assert run_cli("deploy", run_id, "--name", "hostile", workspace=root).returncode == 0
    batch = rows.drop(columns=["survived"]).sample(300, random_state=0)
    batch[COLUMN] = batch[COLUMN] + 40  # drifted: Monitor names the column in an alert
    batch.to_csv(tmp_path / "batch.csv", index=False)
    assert run_cli("predict", "hostile", str(tmp_path / "batch.csv"), "--out", str(tmp_path / "out.csv"),
                   workspace=root).returncode == 0

    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(f"{request.url} on {page.url}")
            if request.url.startswith(EVIL) else None)
    server = serve(root)
    page.goto(server.url)
    wait_idle(page)
    nav(page, "Monitor")
    page.get_by_text("drifted from the training data").first.wait_for()
    assert "![c]" in main_text(page), "the column is named as it is written"
    for name in ("Predict", "Evaluate", "Explain", "Data"):
        nav(page, name)
        page.wait_for_timeout(500)
    nav(page, "Predict")
    page.get_by_text("![l]").first.wait_for()  # the class label, as written
    assert not fetched, fetched
