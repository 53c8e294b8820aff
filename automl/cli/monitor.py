"""`automl-studio monitor NAME [--json]`: a deployment's batches, their drift, its performance and alerts;
`actuals NAME FILE --id-column COL`: true outcomes joined to earlier answers; `retrain NAME --data FILE`:
a challenger trained on new labelled rows and compared with the champion. A forecast deployment's actual values
are matched by series and time, and its challenger learns the champion's history with the new rows added."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from automl.cli.models import _err, _workspace

__all__ = ["add_monitoring", "cmd_monitor", "cmd_actuals", "cmd_retrain"]

EXIT_OK, EXIT_ERROR = 0, 1


def _forecast(ws, name: str) -> bool:
    from automl.model.forecast_run import is_forecast

    record = ws.get_deployment(name)
    return record is not None and is_forecast(ws.get_run(record.run_id))


def _monitor_forecast(args: argparse.Namespace, ws) -> int:
    from automl.monitoring.forecast_watch import forecast_watch

    run = ws.get_run(ws.get_deployment(args.name).run_id)
    seen = forecast_watch(ws, args.name, run.label)
    if args.json:
        print(json.dumps({"deployment": args.name, "champion": run.id, "task": "forecast",
                          "forecasts": json.loads(seen.table.to_json(orient="records")), "alerts": seen.alerts}))
        return EXIT_OK
    print(f"{args.name} -> {run.id}: {len(seen.table)} forecast(s) made through it")
    for row in seen.table.to_dict("records"):
        scored = (f"mean error {row['mean error']:,.4g} ({row['times the backtest error']:.2f}x the backtest's), "
                  f"{row['inside the 80% band']:.0%} inside the 80% band" if row["steps with actuals"] else
                  "no actual values yet")
        print(f"  {row['made']}  from {row['forecast from']}  {row['steps']:>5,} steps  "
              f"{row['steps with actuals']:>5,} with actuals  {scored}")
    for alert in seen.alerts:
        _err(f"alert: {alert.replace('`', '')}")
    return EXIT_OK


def cmd_monitor(args: argparse.Namespace) -> int:
    from automl.monitoring.watch import watch

    ws = _workspace(args)
    if _forecast(ws, args.name):
        return _monitor_forecast(args, ws)
    seen = watch(ws, args.name)
    if args.json:
        print(json.dumps(seen.to_dict()))
        return EXIT_OK
    print(f"{seen.deployment} -> {seen.champion}: {len(seen.batches)} batch(es) scored through it")
    if seen.headline:
        print(f"  {seen.headline.replace('`', '')}")
    if seen.baseline:
        print(f"  test split: {seen.baseline['metric']} {seen.baseline['value']:.4f}")
    for i, b in enumerate(seen.batches, start=1):
        worst = max(b.psi.items(), key=lambda kv: kv[1], default=None)
        perf = [f"{'estimated' if p['estimated'] else 'realised'} {p['metric']} {p['value']:.3f}"
                for p in seen.performance
                if p["batch"] == i and seen.baseline and p["metric"] == seen.baseline["metric"]]
        print(f"  {i:>3}  {dt.datetime.fromtimestamp(b.at):%Y-%m-%d %H:%M}  {b.rows:>9,} rows  run {b.run_id}"
              + (f"  largest drift: {worst[0]} (PSI {worst[1]:.2f})" if worst else "")
              + (f"  {', '.join(perf)}" if perf else ""))
    for a in seen.alerts:
        _err(f"alert ({a.kind}): {a.message}")
    return EXIT_OK


def cmd_actuals(args: argparse.Namespace) -> int:
    from automl.errors import ConfigError
    from automl.monitoring.actuals import add_actuals

    ws = _workspace(args)
    if _forecast(ws, args.name):  # the actual values of the series, matched by series and time
        from automl.data.ingest import read_table
        from automl.monitoring.forecast_watch import add_forecast_actuals

        done = add_forecast_actuals(ws, args.name, read_table(args.data)[0])
        for line in done.lines():
            _err(line)
        if args.json:
            print(json.dumps(done.__dict__))
        return EXIT_OK
    if not args.id_column:
        raise ConfigError("--id-column is needed: the id the predictions were scored with.")
    report = add_actuals(ws, args.name, args.data, args.id_column, args.label_column)
    for line in report.lines():
        _err(line)
    if args.json:
        print(json.dumps(report.to_dict()))
    return EXIT_OK


def cmd_retrain(args: argparse.Namespace) -> int:
    from automl.cli.commands import follow_training
    from automl.monitoring.retrain import challengers, compare, start_challenger

    ws = _workspace(args)
    if _forecast(ws, args.name):
        return _retrain_forecast(args, ws)
    run = start_challenger(ws, args.name, args.data, time_limit=args.time_limit, new_rows_only=args.new_rows_only)
    learned = next(c for c in challengers(ws, args.name) if c["run"] == run.id)["learned_from"]
    rows = (f"{learned['champion']:,} rows of the champion's data and {learned['new']:,} new rows from {args.data}"
            if learned["champion"] else f"the {learned['new']:,} new rows of {args.data} alone")
    _err(f"challenger {run.id}: trained on {rows} with the champion's configuration, budget "
         f"{run.time_limit:.0f} s" + (" (queued)" if run.status == "queued" else ""))
    if not follow_training(ws, run.id):
        return EXIT_ERROR
    result = compare(ws, args.name, run.id)
    c = result["comparison"]
    for where, key in (("new rows held out", "new_rows_held_out"), ("original test split", "original_test_split")):
        part = c[key]
        challenger = _fmt(part["challenger"]) if part["challenger"] is not None else "— (it learned these rows)"
        _err(f"  {where} ({part['rows']:,} rows): champion {_fmt(part['champion'])}, challenger "
             f"{challenger} ({c['metric']})")
    _err(f"better on the new rows: {c['better_on_new_rows']}. Promote with "
         f"`automl-studio promote {args.name} {run.id}` (rollback undoes it).")
    print(json.dumps(result) if args.json else run.id)
    return EXIT_OK


def _retrain_forecast(args: argparse.Namespace, ws) -> int:
    from automl.cli.commands import follow_training
    from automl.data.ingest import read_table
    from automl.monitoring.forecast_watch import retrain_forecast

    champion = ws.get_run(ws.get_deployment(args.name).run_id)
    run = retrain_forecast(ws, args.name, read_table(args.data)[0], time_limit=args.time_limit)
    _err(f"challenger {run.id}: the champion's forecast trained on its history and the rows of {args.data}, "
         f"budget {run.time_limit:.0f} s" + (" (queued)" if run.status == "queued" else ""))
    if not follow_training(ws, run.id):
        return EXIT_ERROR
    done = ws.get_run(run.id)
    _err(f"  backtest MASE: champion {_fmt(champion.test_value)} (on its own last windows), challenger "
         f"{_fmt(done.test_value)} (on the new history's last windows). Promote with "
         f"`automl-studio promote {args.name} {run.id}` (rollback undoes it).")
    print(json.dumps({"run_id": run.id, "champion": champion.id, "champion_mase": champion.test_value,
                      "challenger_mase": done.test_value}) if args.json else run.id)
    return EXIT_OK


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def add_monitoring(sub, with_ws) -> None:
    mo = with_ws(sub.add_parser("monitor", help="a deployment's scored batches, their drift, performance and alerts"))
    mo.add_argument("name")
    mo.add_argument("--json", action="store_true")
    mo.set_defaults(func=cmd_monitor)
    ac = with_ws(sub.add_parser("actuals", help="join true outcomes to a deployment's earlier predictions by id"))
    ac.add_argument("name", help="deployment name")
    ac.add_argument("data", help="a file with the id column and the outcome")
    ac.add_argument("--id-column", default=None, help="the id the predictions were scored with (--id-column); a "
                                                     "forecast's actual values are matched by series and time")
    ac.add_argument("--label-column", default=None, help="the outcome's column (default: the target's name)")
    ac.add_argument("--json", action="store_true")
    ac.set_defaults(func=cmd_actuals)
    rt = with_ws(sub.add_parser("retrain", help="train a challenger on new labelled rows and compare it with the "
                                                 "champion (promote it with `promote`)"))
    rt.add_argument("name", help="deployment name")
    rt.add_argument("--data", required=True, help="new rows with their outcomes")
    rt.add_argument("--time-limit", type=int, default=None, help="seconds (default: the champion's budget)")
    rt.add_argument("--new-rows-only", action="store_true",
                    help="learn from the new rows alone (default: the champion's rows and the new ones together)")
    rt.add_argument("--json", action="store_true")
    rt.set_defaults(func=cmd_retrain)
