"""`automl-studio monitor NAME [--json]`: a deployment's batches, their drift and its alerts."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from automl.cli.models import _err, _workspace

__all__ = ["add_monitoring", "cmd_monitor"]


def cmd_monitor(args: argparse.Namespace) -> int:
    from automl.monitoring.watch import watch

    seen = watch(_workspace(args), args.name)
    if args.json:
        print(json.dumps(seen.to_dict()))
        return 0
    print(f"{seen.deployment} -> {seen.champion}: {len(seen.batches)} batch(es) scored through it")
    for b in seen.batches:
        worst = max(b.psi.items(), key=lambda kv: kv[1], default=None)
        print(f"  {dt.datetime.fromtimestamp(b.at):%Y-%m-%d %H:%M}  {b.rows:>9,} rows  run {b.run_id}"
              + (f"  largest drift: {worst[0]} (PSI {worst[1]:.2f})" if worst else ""))
    for a in seen.alerts:
        _err(f"alert ({a.kind}): {a.message}")
    return 0


def add_monitoring(sub, with_ws) -> None:
    mo = with_ws(sub.add_parser("monitor", help="a deployment's scored batches, their drift and alerts"))
    mo.add_argument("name")
    mo.add_argument("--json", action="store_true")
    mo.set_defaults(func=cmd_monitor)
