"""Every environment variable the app reads, in one place: its name, its default and what it changes.

Read when asked, never at import, so that an operator's change between runs (and a test's) is seen. A value
that does not parse falls back to the default. The README's tables name each of them (a unit test checks
that every setting is documented there and that no module reads an `AUTOML_STUDIO_` variable of its own).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Setting", "SETTINGS", "HOME", "KEY", "PASSWORD", "ALLOW_NO_PASSWORD", "BEHIND_PROXY", "ALLOWED_HOSTS",
           "MAX_TRAINING", "RETENTION_DAYS", "MAX_REQUEST_MB", "MAX_UPLOAD_MB", "MAX_INFLATED_MB", "MAX_CELLS",
           "MAX_COLUMNS", "RAY_ADDRESS", "PAGE_TIMING", "PLAN_LOAD"]

_YES = ("1", "true", "yes")


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    doc: str

    def text(self) -> str:
        """The value set (stripped), or the default when it is unset or blank."""
        value = os.environ.get(self.name, "").strip()
        return value or self.default

    def is_set(self) -> bool:
        return bool(os.environ.get(self.name, "").strip())

    def flag(self) -> bool:
        return self.text().lower() in _YES

    def number(self) -> float:
        try:
            return float(self.text())
        except ValueError:
            return float(self.default)

    def whole(self) -> int:
        try:
            return int(self.text())
        except ValueError:
            return int(self.default)


HOME = Setting("AUTOML_STUDIO_HOME", "workspace",
               "the workspace folder (datasets, runs, models); --workspace overrides")
KEY = Setting("AUTOML_STUDIO_KEY", "", "a signing key shared between workspaces, instead of each one's own")
PASSWORD = Setting("AUTOML_STUDIO_PASSWORD", "", "the app's password; every page asks for it")
ALLOW_NO_PASSWORD = Setting("AUTOML_STUDIO_ALLOW_NO_PASSWORD", "",
                            "1: serve beyond this machine without a password (`ui --allow-no-password`)")
BEHIND_PROXY = Setting("AUTOML_STUDIO_BEHIND_PROXY", "",
                       "1: a proxy you trust writes X-Forwarded-For (failed sign-ins counted per client)")
ALLOWED_HOSTS = Setting("AUTOML_STUDIO_ALLOWED_HOSTS", "",
                        "host names, comma-separated, a keyless endpoint also answers to")
MAX_TRAINING = Setting("AUTOML_STUDIO_MAX_TRAINING", "1", "training jobs at once; more wait in a queue")
RETENTION_DAYS = Setting("AUTOML_STUDIO_RETENTION_DAYS", "7",
                         "days uploaded batch files and their predictions are kept (0: until the run is deleted)")
MAX_REQUEST_MB = Setting("AUTOML_STUDIO_MAX_REQUEST_MB", "10", "the largest request body the endpoint reads")
MAX_UPLOAD_MB = Setting("AUTOML_STUDIO_MAX_UPLOAD_MB", "500", "the largest file a user may give")
MAX_INFLATED_MB = Setting("AUTOML_STUDIO_MAX_INFLATED_MB", "2048",
                          "what compressed content, Excel and Parquet may unpack to")
MAX_CELLS = Setting("AUTOML_STUDIO_MAX_CELLS", "50000000", "rows x columns a table may hold")
MAX_COLUMNS = Setting("AUTOML_STUDIO_MAX_COLUMNS", "20000", "columns a table may hold")
RAY_ADDRESS = Setting("AUTOML_STUDIO_RAY_ADDRESS", "", "the Ray cluster to train and score on (host:port, or auto)")
PAGE_TIMING = Setting("AUTOML_STUDIO_PAGE_TIMING", "",
                      "a file each page's render time is appended to (benchmarks/page_speed.py)")
PLAN_LOAD = Setting("AUTOML_STUDIO_PLAN_LOAD", "",
                    "the load average the training plan assumes instead of the measured one (the tests: 0)")

SETTINGS: tuple[Setting, ...] = (HOME, KEY, PASSWORD, ALLOW_NO_PASSWORD, BEHIND_PROXY, ALLOWED_HOSTS, MAX_TRAINING,
                                 RETENTION_DAYS, MAX_REQUEST_MB, MAX_UPLOAD_MB, MAX_INFLATED_MB, MAX_CELLS,
                                 MAX_COLUMNS, RAY_ADDRESS, PAGE_TIMING, PLAN_LOAD)
