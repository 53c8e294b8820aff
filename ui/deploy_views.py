"""The Deploy page's parts: a deployment's endpoint (start, stop, live use), how to call it, and moving it."""

from __future__ import annotations

import json
import re

import pandas as pd
import streamlit as st

from automl.data.markdown import code
from automl.errors import AutoMLError
from automl.model import bundle as bundle_mod
from automl.model.run_files import FORECAST
from automl.serving import deployments, endpoints
from automl.serving.rows import example_row
from automl.store.workspace import RunInfo, Workspace

__all__ = ["default_name", "deployments_table", "endpoint_panel", "compact_panel", "move_panel", "move_deployment",
           "moved_message", "curl_example"]


def default_name(run: RunInfo) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", run.label.lower()).strip("-_")[:40] or "model"


def deployments_table(found: list) -> pd.DataFrame:
    return pd.DataFrame([{"deployment": d.name, "serves run": d.run_id,
                          "changed": pd.Timestamp(d.changed_at, unit="s").strftime("%Y-%m-%d %H:%M"),
                          "changes": len(d.history)} for d in found])


def endpoint_panel(ws: Workspace, name: str) -> None:
    status = endpoints.endpoint_status(ws, name)
    running = status is not None and status.running
    if running and status.healthy:
        engine = " with the compact model (onnxruntime)" if status.engine == "onnx" else ""
        st.success(f"Serving run `{status.model}`{engine} at **{status.url}** (this machine only).")
        if st.button("Stop the endpoint", key="deploy.stop"):
            endpoints.stop_endpoint(ws, name)
            st.rerun()
        _usage(ws, name)
        _examples(ws, name, status.url)
        return
    if running:
        st.info(f"The endpoint is starting on {status.url} (it verifies and loads the model first).")
    else:
        st.caption("No endpoint runs for this deployment. Started here, it serves on this machine "
                   "(127.0.0.1) and keeps running when you leave the page; `automl-studio serve` does the same "
                   "from a terminal, with an API key for other machines.")
    engine = "autogluon"
    if ws.get_run(ws.get_deployment(name).run_id).problem_type != FORECAST:  # a forecast has no compact model
        engine = st.radio("Engine", list(_ENGINES), format_func=_ENGINES.get, key="deploy.engine", horizontal=True,
                          index=list(_ENGINES).index(status.engine) if status and status.engine in _ENGINES else 0,
                          help="The compact model answers the same (checked on the run's rows when it is made), "
                               "several times faster and without AutoGluon in memory; it covers LightGBM models "
                               "and has no explanations (?explain).")
    if st.button("Start the endpoint", key="deploy.start", type="primary", disabled=running):
        with st.spinner("Starting the endpoint: verifying and loading the model…"):
            try:
                endpoints.start_endpoint(ws, name, engine=engine)
            except AutoMLError as exc:
                st.error(str(exc))
                return
        st.rerun()


_ENGINES = {"autogluon": "AutoGluon (with explanations)", "onnx": "Compact model (ONNX, LightGBM)"}


def compact_panel(ws: Workspace, run: RunInfo) -> None:
    """The run's model in use as a folder that scores with numpy and onnxruntime only: made (and checked
    against the app's answers) on a click, then downloaded as a zip; or why it cannot be."""
    from automl.model.signing import signing_key
    from automl.portable.export import ExportRefused
    from automl.portable.stored import ensure_compact, zipped

    st.caption("A copy of the model in use for any machine with Python, numpy and onnxruntime (no AutoGluon): "
               "`python predict.py rows.csv --out scored.csv` gives the answers this app gives.")
    key = f"deploy.compact.{run.id}"
    if st.button("Make a compact model", key="deploy.compact"):
        bundle = bundle_mod.load_bundle(ws, run.id)
        with st.spinner("Exporting the model and checking its answers against the app's…"):
            try:
                ensure_compact(bundle, signing_key(ws.secret_key()))
            except ExportRefused as exc:
                st.session_state[key] = str(exc)
            else:
                st.session_state[key] = ""
    folder = ws.run_dir(run.id) / "compact"
    refused = st.session_state.get(key)
    if refused:
        st.warning(refused)
    elif folder.joinpath("parity.json").exists():
        parity = json.loads(folder.joinpath("parity.json").read_text())
        size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        st.success(f"{parity['model']}: {size / 1024:,.0f} KB; {parity['rows']:,} rows give this app's answers "
                   f"(labels identical, largest difference {parity['max_difference']:.1e}).")
        st.download_button("Download the compact model (.zip)", zipped(folder), file_name=f"{run.id}-compact.zip",
                           mime="application/zip", key="deploy.compact.download")


def _usage(ws: Workspace, name: str) -> None:
    @st.fragment(run_every=2.0)
    def live() -> None:
        status = endpoints.endpoint_status(ws, name)
        usage = endpoints.endpoint_usage(status) if status and status.running else None
        if usage is None:
            st.caption("The endpoint does not answer just now.")
            return
        a, b, c = st.columns(3)
        a.metric("Prediction requests", f"{usage['requests']:,.0f}")
        b.metric("Refused or failed", f"{usage['errors']:,.0f}")
        c.metric("Mean latency", "—" if usage["mean_ms"] is None else f"{usage['mean_ms']:.1f} ms")
    live()


def _examples(ws: Workspace, name: str, url: str) -> None:
    run_id = ws.get_deployment(name).run_id
    if ws.get_run(run_id).problem_type == FORECAST:
        rows, route = forecast_example(ws, run_id), "/v1/forecast"
        st.markdown("**Call it** — the latest rows of one series of the training table (send each series' recent "
                    "history; with columns known in advance, then its coming rows with the value null):")
    else:
        rows, route = [example_row(bundle_mod.load_bundle(ws, run_id).schema)], "/v1/predict"
        st.markdown("**Call it** — a row of typical values (null: missing), as a program would send it:")
    curl, python = st.tabs(["curl", "Python"])
    curl.code(curl_example(url, rows, route), language="bash")
    python.code(f"import requests\n\nrows = {rows!r}\n"
                f"answer = requests.post(\"{url}{route}\", json={{\"rows\": rows}}, timeout=30)\n"
                "print(answer.json())", language="python")
    st.caption(f"Its input columns: {url}/v1/schema · OpenAPI: {url}/openapi.json · Prometheus: {url}/metrics")


def forecast_example(ws: Workspace, run_id: str) -> list[dict]:
    """A forecast request's rows: one series' last points of the training table, and, with columns known in
    advance, its coming rows (their values repeated from the last row: an example, to replace)."""
    from automl.model.forecast_run import load_forecast_run, split_future
    from automl.prediction.forecast import future_template

    run = load_forecast_run(ws, run_id)
    spec = run.spec
    history, _ = split_future(ws.load_dataset(run.config["dataset_id"]), spec)
    first = history[history["item_id"] == history["item_id"].iloc[0]].tail(max(8, 2 * spec.horizon))
    rows = first[spec.columns].copy()
    rows[spec.time_column] = rows[spec.time_column].dt.strftime("%Y-%m-%d")
    if spec.known:
        coming = future_template(run, first[spec.columns]).assign(**{c: first[c].iloc[-1] for c in spec.known})
        rows = pd.concat([rows, coming], ignore_index=True)
    return json.loads(rows.to_json(orient="records"))


def curl_example(url: str, rows: list[dict], route: str = "/v1/predict") -> str:
    """A curl command that sends `rows` as they are: the body goes in through a quoted here-document, which
    the shell never expands, so no value (a quote, `$(…)`, a backtick) can break out into a command. The
    body is one line of JSON (newlines inside values are escaped), so it cannot end the here-document."""
    body = json.dumps({"rows": rows}, ensure_ascii=False)
    return (f"curl -s -X POST {url}{route} -H 'content-type: application/json' --data-binary @- <<'JSON'\n"
            f"{body}\nJSON")


def move_panel(ws: Workspace, name: str, run: RunInfo) -> None:
    """Serve the run picked above instead, or go back to the run served before."""
    current = deployments.get(ws, name)
    served = ws.get_run(current.run_id)
    same_target = (run.label, run.problem_type) == (served.label, served.problem_type)
    if not same_target:
        st.caption(f"The run picked above predicts {code(run.label)}; {name} predicts {code(served.label)}. "
                   "Deploy it under a name of its own.")
    left, right = st.columns(2)
    if same_target and run.id != current.run_id and left.button(f"Serve run {run.id} instead", key="deploy.promote",
                                                help="Clients keep calling the same name; the endpoint "
                                                     "switches within a second, without a failed request."):
        move_deployment(lambda: deployments.promote(ws, name, run.id), "now serves")
        current = deployments.get(ws, name)
    previous = next((h.run_id for h in current.history if h.run_id != current.run_id), None)
    if previous and right.button(f"Roll back to {previous}", key="deploy.rollback"):
        move_deployment(lambda: deployments.rollback(ws, name), "rolled back: it serves")
        current = deployments.get(ws, name)
    with st.expander(f"History of {name}"):
        st.dataframe(pd.DataFrame([{"when": pd.Timestamp(h.at, unit="s").strftime("%Y-%m-%d %H:%M:%S"),
                                    "action": h.action, "run": h.run_id} for h in current.history]),
                     hide_index=True, width="stretch")


_MOVED = "deploy.moved"


def move_deployment(action, verb: str) -> None:
    """Run a promote or rollback, then redraw the page from the top, so that everything on it (the run named
    as served, which model is the champion, the buttons) says where the deployment points now; the result
    shows once after the redraw (`moved_message`). Or say why it did not move."""
    try:
        moved = action()
    except AutoMLError as exc:
        st.error(str(exc))
        return
    st.session_state[_MOVED] = f"{moved.name} {verb} {moved.run_id}."
    st.rerun()


def moved_message() -> None:
    """The result of the promote or rollback just made, once."""
    if message := st.session_state.pop(_MOVED, None):
        st.success(message)
