"""`automl-studio ui`: serve the app (a free port, the URL printed, a browser opened on a desktop)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from automl.cli.models import _err, _workspace

__all__ = ["cmd_ui"]


def cmd_ui(args: argparse.Namespace) -> int:
    from automl.data.limits import max_upload_bytes
    from automl.serving.access import check_bind
    from automl.serving.ports import free_port

    check_bind(args.host, args.allow_no_password)
    env = dict(os.environ)
    if args.workspace:
        env["AUTOML_STUDIO_HOME"] = str(Path(args.workspace).resolve())
    _workspace(args)  # opened (and its expired predictions removed) before the server starts
    if args.allow_no_password:  # the app checks it too, however it is started (`ui.gate`)
        env["AUTOML_STUDIO_ALLOW_NO_PASSWORD"] = "1"
    if getattr(args, "ray", None):
        env["AUTOML_STUDIO_RAY_ADDRESS"] = args.ray
    port = free_port(args.host, args.port)
    if port != args.port:
        _err(f"Port {args.port} is taken; using {port}.")
    show = "localhost" if args.host in ("0.0.0.0", "::", "") else args.host
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in (
        "darwin", "win32")
    open_browser = has_display and not args.no_browser
    cmd = [sys.executable, "-m", "ui.server", args.host, str(port), str(max_upload_bytes() // 2**20),
           "browser" if open_browser else "headless", show]
    _err(f"AutoML Studio: open http://{show}:{port} in your browser"
         + (" (opening it for you)" if open_browser else "")
         + f"\n  workspace: {env.get('AUTOML_STUDIO_HOME', './workspace')}   stop: Ctrl+C")
    sys.stdout.flush()
    sys.stderr.flush()
    # the server takes this process's place: a supervisor's SIGTERM (or Ctrl+C) reaches it and it ends cleanly;
    # run as a child, it outlived `kill PID` of this launcher and kept the port
    os.execve(sys.executable, cmd, env)
    return 0  # not reached
