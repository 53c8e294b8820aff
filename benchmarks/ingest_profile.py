"""Ingest and profile a large CSV: time, peak memory against the final table, and ydata-profiling's minimal mode.

    .venv/bin/python benchmarks/ingest_profile.py --rows 1000000 [--ydata-python benchmarks/.venv-ydata/bin/python]

The table has 20 columns: 12 floats, 3 integers, 3 low-cardinality text, 1 text id, 1 date as text.
Each measurement runs in a fresh process, so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, report

YDATA_DEFAULT = ROOT / "benchmarks" / ".venv-ydata" / "bin" / "python"


def make_table(rows: int, path: Path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"num_{i}": rng.normal(100, 30, rows).round(4) for i in range(12)})
    for i in range(3):
        df[f"int_{i}"] = rng.integers(0, 10_000, rows)
    for i in range(3):
        df[f"cat_{i}"] = rng.choice(["alpha", "beta", "gamma", "delta", "epsilon"], rows)
    df["customer_id"] = [f"C{i:09d}" for i in range(rows)]
    df["signup"] = pd.Series(pd.date_range("2015-01-01", periods=rows, freq="min")).dt.strftime("%Y-%m-%d")
    df["target"] = np.where(df["num_0"] + rng.normal(0, 30, rows) > 100, "yes", "no")
    df.to_csv(path, index=False)


CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
# VmHWM: this process's own peak (ru_maxrss would carry over the parent's peak across exec)
rss = lambda: int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
import pandas as pd
from automl.data.ingest import read_table
from automl.data.profile import profile_table
from automl.data.alerts import find_alerts
base = rss()
t = time.perf_counter(); df, rep = read_table({csv!r}, max_bytes=2**34); t_ingest = time.perf_counter() - t
peak_ingest = rss()
table_mb = df.memory_usage(deep=True).sum() / 2**20
t = time.perf_counter(); prof = profile_table(df); t_profile = time.perf_counter() - t
t = time.perf_counter(); alerts = find_alerts(df, "target", prof); t_alerts = time.perf_counter() - t
df.to_parquet({parquet!r})
print(json.dumps(dict(base_mb=base, peak_ingest_mb=peak_ingest, table_mb=table_mb, t_ingest=t_ingest,
                      t_profile=t_profile, t_alerts=t_alerts, rows=len(df),
                      alerts=sorted({{a.kind for a in alerts}}), notes=rep.notes)))
"""

YDATA = r"""
import json, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from ydata_profiling import ProfileReport
df = pd.read_parquet({parquet!r})
t = time.perf_counter()
ProfileReport(df, minimal=True, progress_bar=False).to_json()
print(json.dumps(dict(t=time.perf_counter() - t)))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--ydata-python", default=str(YDATA_DEFAULT))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv, parquet = Path(tmp) / "big.csv", Path(tmp) / "big.parquet"
        t = time.perf_counter()
        make_table(args.rows, csv)
        print(f"made {csv.stat().st_size / 2**20:.0f} MB CSV ({args.rows:,} x 20) in {time.perf_counter() - t:.0f} s",
              file=sys.stderr)
        out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), csv=str(csv), parquet=str(parquet))],
                             capture_output=True, text=True, check=True)
        ours = json.loads(out.stdout.strip().splitlines()[-1])
        ydata = None
        if Path(args.ydata_python).exists():
            res = subprocess.run([args.ydata_python, "-c", YDATA.format(parquet=str(parquet))],
                                 capture_output=True, text=True)
            if res.returncode == 0:
                ydata = json.loads(res.stdout.strip().splitlines()[-1])["t"]
            else:
                print(f"ydata-profiling failed: {res.stderr[-500:]}", file=sys.stderr)
        else:
            print("ydata-profiling not installed (it needs numpy<2.4, so it lives in its own venv: "
                  "python3 -m venv benchmarks/.venv-ydata && benchmarks/.venv-ydata/bin/pip install "
                  "ydata-profiling pyarrow)", file=sys.stderr)
    work = ours["peak_ingest_mb"] - ours["base_mb"]
    profile_s = ours["t_profile"] + ours["t_alerts"]
    rows = [
        {"step": "ingest CSV", "seconds": round(ours["t_ingest"], 2),
         "peak_mb_above_start": round(work), "table_mb": round(ours["table_mb"]),
         "peak_over_table": round(work / ours["table_mb"], 2)},
        {"step": "profile (columns + duplicates)", "seconds": round(ours["t_profile"], 2)},
        {"step": "alerts incl. target (leak probes)", "seconds": round(ours["t_alerts"], 2)},
        {"step": "profile + alerts, total", "seconds": round(profile_s, 2), "goal_s": 10},
        {"step": "ydata-profiling minimal", "seconds": round(ydata, 2) if ydata else None,
         "ratio_vs_ours": round(ydata / profile_s, 1) if ydata else None},
    ]
    print(f"{ours['rows']:,} rows; alerts: {ours['alerts']}")
    report("ingest_profile", rows)


if __name__ == "__main__":
    main()
