"""The Deploy page: a run given a name, moved to another run and back (Streamlit's AppTest). Starting its
endpoint is checked against a real process in tests/integration/test_serving.py."""

import shutil

from automl.model.bundle_io import export_bundle, import_bundle
from automl.serving import deployments
from automl.store.workspace import Workspace
from tests.app.helpers import open_page, texts


def test_a_run_is_deployed_then_moved_to_another_run_and_back(trained, tmp_path, monkeypatch):
    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    twin = import_bundle(ws, export_bundle(ws, trained.binary_run, tmp_path / "twin.zip")).id
    at = open_page("pages/deploy.py", root, monkeypatch)
    at.selectbox(key="deploy.run").select(trained.binary_run)
    at.run()
    assert at.text_input(key="deploy.name").value == "survived"  # named after what it predicts
    at.button(key="deploy.create").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert f"survived serves run {trained.binary_run}." in [s.value for s in at.success]
    assert at.dataframe[0].value[["deployment", "serves run"]].values.tolist() == [["survived", trained.binary_run]]
    assert "No endpoint runs for this deployment" in texts(at)

    at.selectbox(key="deploy.run").select(twin)
    at.run()
    at.button(key="deploy.promote").click()
    at.run()
    assert deployments.get(ws, "survived").run_id == twin
    at.button(key="deploy.rollback").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert deployments.get(ws, "survived").run_id == trained.binary_run
    assert [h.action for h in deployments.get(ws, "survived").history] == ["rollback", "promote", "deploy"]

    at.selectbox(key="deploy.run").select(trained.regression_run)
    at.run()
    assert "deploy.promote" not in [b.key for b in at.button]  # another target: not offered
    assert "predicts `price`; survived predicts `survived`" in texts(at)


def test_a_bad_deployment_name_is_refused_with_a_reason(trained, tmp_path, monkeypatch):
    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    at = open_page("pages/deploy.py", root, monkeypatch)
    at.text_input(key="deploy.name").set_value("Bad Name!")
    at.run()
    at.button(key="deploy.create").click()
    at.run()
    assert any("is not valid" in e.value for e in at.error)
    assert not deployments.list_deployments(Workspace(root))


def test_monitor_says_what_the_endpoint_answered_before_its_first_summary(trained, tmp_path, monkeypatch):
    """A few requests to the endpoint: the Monitor page said only "No batch scored through this deployment
    yet", as if nothing had been asked (the endpoint summarises every 1,000 rows, or at stop)."""
    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    deployments.deploy(ws, trained.binary_run, "survived")
    at = open_page("pages/monitor.py", root, monkeypatch)
    assert "No batch scored through this deployment yet" in texts(at)
    assert "Its endpoint has answered" not in texts(at)
    ws.record_scoring("survived", trained.binary_run, "endpoint", 2, {"requests": 2})
    ws.record_scoring("survived", trained.binary_run, "endpoint", 3, {"requests": 1})
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Its endpoint has answered 5 row(s) in 3 request(s) so far" in texts(at)
    assert "every 1,000 rows, every 10 minutes once it has 100" in texts(at)


def test_a_compact_model_is_made_on_a_click_or_refused_with_the_reason(trained, tmp_path, monkeypatch):
    """Issue 33: the model in use as a folder for numpy and onnxruntime, in two clicks (make, download); an
    ensemble in use is refused, naming the LightGBM of the run that can be exported."""
    from automl.model.bundle import load_bundle, load_predictor
    from automl.model.choice import choose_model

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    at = open_page("pages/deploy.py", root, monkeypatch)
    at.selectbox(key="deploy.run").select(trained.regression_run)
    at.run()
    bundle = load_bundle(ws, trained.regression_run)
    if not bundle.deployed_model.startswith("LightGBM"):
        at.button(key="deploy.compact").click()
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        assert any("covers LightGBM models so far" in w.value and "LightGBM" in w.value for w in at.warning)
    predictor = load_predictor(bundle)
    lightgbm = next(m for m in predictor.model_names() if m.startswith("LightGBM") and not m.endswith("_FULL"))
    choose_model(ws, bundle, predictor, lightgbm)
    at.button(key="deploy.compact").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(s.value.startswith(f"{lightgbm}:") and "labels identical" in s.value for s in at.success)
    assert len(at.get("download_button")) == 1
    assert (ws.run_dir(trained.regression_run) / "compact" / "model.onnx").exists()
