"""Helpers for the benchmark scripts: a trained run to measure with, timing, table and JSON output."""

from __future__ import annotations

import json
import platform
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def grow_diamonds(rows: int, seed: int = 0) -> pd.DataFrame:
    """diamonds.csv repeated to `rows` rows, numeric columns jittered so rows differ."""
    base = pd.read_csv(ROOT / "sample_data" / "diamonds.csv")
    reps = -(-rows // len(base))
    df = pd.concat([base] * reps, ignore_index=True).iloc[:rows].copy()
    rng = np.random.default_rng(seed)
    for col in ("carat", "depth", "table", "x", "y", "z"):
        df[col] = (df[col] * rng.normal(1.0, 0.01, len(df))).round(3)
    return df


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include a parent's peak across exec)."""
    try:
        with open("/proc/self/status") as fh:
            return int(next(line for line in fh if line.startswith("VmHWM")).split()[1]) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def report(name: str, rows: list[dict]) -> None:
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, na_rep=""))
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "machine": platform.platform(), "python": platform.python_version(),
               "rows": rows}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, default=float))
    print(f"\nwrote {RESULTS / (name + '.json')}")
