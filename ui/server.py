"""Serve the app: `python -m ui.server HOST PORT` (what `automl-studio ui` runs).

Streamlit decides once per server, before `app.py` first runs, whether the `pages/` folder is an old-style
multipage app; if the first visitor opens a page's URL (a bookmark after a restart), it would run that page
alone, without `app.py`'s navigation. The app always uses `st.navigation`, so that decision is fixed here.
"""

from __future__ import annotations

import sys

from automl.resources import app_root


def main(argv: list[str] | None = None) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli as stcli

    args = list(argv or sys.argv[1:])
    host, port, max_upload_mb = args[:3]
    headless = "false" if args[3:4] == ["browser"] else "true"  # `automl-studio ui` opens a browser on a desktop
    shown = args[4] if len(args) > 4 else host
    PagesManager.uses_pages_directory = False
    root = app_root()
    sys.argv = [
        "streamlit", "run", str(root / "app.py"),
        "--server.address", host, "--server.port", str(port), "--server.headless", headless,
        "--browser.serverAddress", shown,
        "--server.maxUploadSize", str(max_upload_mb), "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
        "--client.showErrorDetails", "none",  # tracebacks and paths go to the log, not to users
        # a table's own CSV export writes formula cells as they are: the app's downloads escape them
        "--client.disableDataExport", "true",
        # Streamlit runs a full garbage collection after every script run, holding the interpreter: with torch
        # and AutoGluon loaded that is ~0.18 s per rerun, for every session in turn (benchmarks/page_speed.py:
        # ten sessions opening Evaluate waited mostly on it). Python's own collector still runs as it does.
        "--runner.postScriptGC", "false",
    ]
    stcli.main()


if __name__ == "__main__":
    main()
