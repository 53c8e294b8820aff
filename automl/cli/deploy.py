"""Deployments and the prediction endpoint from the command line: `deploy`, `deployments`, `promote`,
`rollback` and `serve`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from automl.cli.models import _err, _workspace
from automl.errors import ConfigError

__all__ = ["add_serving", "cmd_deploy", "cmd_deployments", "cmd_promote", "cmd_rollback", "cmd_serve"]

EXIT_OK = 0


def _show(deployment, as_json: bool, verb: str) -> int:
    if as_json:
        print(json.dumps(deployment.to_dict()))
    else:
        print(f"{deployment.name} -> {deployment.run_id}")
        _err(f"{verb} {deployment.name}: it now serves {deployment.run_id}")
    return EXIT_OK


def cmd_deploy(args: argparse.Namespace) -> int:
    from automl.serving.deployments import deploy

    return _show(deploy(_workspace(args), args.run_id, args.name), args.json, "deployed")


def cmd_promote(args: argparse.Namespace) -> int:
    from automl.serving.deployments import promote

    return _show(promote(_workspace(args), args.name, args.run_id), args.json, "promoted")


def cmd_rollback(args: argparse.Namespace) -> int:
    from automl.serving.deployments import rollback

    return _show(rollback(_workspace(args), args.name), args.json, "rolled back")


def cmd_deployments(args: argparse.Namespace) -> int:
    from automl.serving.deployments import list_deployments

    found = list_deployments(_workspace(args))
    if args.json:
        print(json.dumps([d.to_dict() for d in found]))
        return EXIT_OK
    if not found:
        _err("No deployments yet: automl-studio deploy RUN --name NAME")
    for d in found:
        when = dt.datetime.fromtimestamp(d.changed_at).strftime("%Y-%m-%d %H:%M")
        print(f"{d.name}\t{d.run_id}\tchanged {when}\t{len(d.history)} change(s)")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from automl.model.forecast_run import is_forecast
    from automl.serving.access import is_loopback
    from automl.serving.api import create_app
    from automl.serving.deployments import resolve
    from automl.serving.holder import ModelHolder, load_served_compact
    from automl.serving.protocol import uvicorn_options
    from automl.store.batches import keep_purging
    from automl.serving.usage import UsageLog
    from explain.shap_values import top_reasons_for

    key = _api_key(args.api_key_file)
    if key is None and not is_loopback(args.host):
        raise ConfigError(f"The endpoint would listen on {args.host}, reachable from other machines, without "
                          "an API key: pass --api-key-file FILE (clients then send Authorization: Bearer KEY).")
    ws = _workspace(args)
    run_id, deployment = resolve(ws, args.target)
    _err(f"loading {run_id}" + (f" (deployment {deployment})" if deployment else "") + " ...")
    if is_forecast(ws.get_run(run_id)):  # a forecast answers POST /v1/forecast (issue 32)
        if getattr(args, "engine", "autogluon") == "onnx":
            raise ConfigError("A forecast has no compact model: serve it without --engine onnx.")
        from automl.serving.forecast_api import ForecastHolder, create_forecast_app

        app = create_forecast_app(ForecastHolder(ws, run_id, deployment), api_key=key, bind_host=args.host)
        _err(f"serving on http://{args.host}:{args.port}  (POST /v1/forecast, GET /v1/schema, /health, /metrics)"
             + ("; an API key is required" if key else ""))
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False, **uvicorn_options())
        return EXIT_OK
    onnx = getattr(args, "engine", "autogluon") == "onnx"
    holder = ModelHolder(ws, run_id, deployment, freeze=True, **({"loader": load_served_compact} if onnx else {}))
    usage = UsageLog(ws, deployment).start() if deployment else None
    keep_purging(ws)  # a server that runs for weeks removes what is kept past the retention period
    app = create_app(holder, api_key=key, reasons_for=None if onnx else top_reasons_for, usage=usage,
                     bind_host=args.host)
    _err(f"serving on http://{args.host}:{args.port}  (POST /v1/predict, GET /v1/schema, /health, /metrics)"
         + (f"; the compact model {holder.current().predictor.model} on onnxruntime" if onnx else "")
         + ("; an API key is required" if key else ""))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False, **uvicorn_options())
    return EXIT_OK


def _api_key(path: str | None) -> str | None:
    if not path:
        return None
    key = Path(path).read_text(encoding="utf-8").strip()
    if len(key) < 16:
        raise ConfigError(f"The API key in {path} is {len(key)} characters long; use at least 16 "
                          "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))').")
    return key


def add_serving(sub, with_ws) -> None:
    dp = with_ws(sub.add_parser("deploy", help="create a deployment (a name serving a run), or point it at a run"))
    dp.add_argument("run_id")
    dp.add_argument("--name", required=True)
    dp.add_argument("--json", action="store_true")
    dp.set_defaults(func=cmd_deploy)
    ls = with_ws(sub.add_parser("deployments", help="list deployments, their run and when it changed"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_deployments)
    pm = with_ws(sub.add_parser("promote", help="point a deployment at another run"))
    pm.add_argument("name")
    pm.add_argument("run_id")
    pm.add_argument("--json", action="store_true")
    pm.set_defaults(func=cmd_promote)
    rb = with_ws(sub.add_parser("rollback", help="point a deployment back at the run it served before"))
    rb.add_argument("name")
    rb.add_argument("--json", action="store_true")
    rb.set_defaults(func=cmd_rollback)
    sv = with_ws(sub.add_parser("serve", help="serve a deployment (or a run) as an HTTP prediction endpoint"))
    sv.add_argument("target", metavar="NAME_OR_RUN")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--api-key-file", default=None, help="require Authorization: Bearer <the key in this file>")
    sv.add_argument("--engine", choices=["autogluon", "onnx"], default="autogluon",
                    help="onnx: serve the model in use as a compact model (LightGBM; exported once into the run, "
                         "the same answers, no AutoGluon in memory, no ?explain)")
    sv.set_defaults(func=cmd_serve)
