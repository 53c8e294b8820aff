"""Prove the GPU path: the same short training with `--gpu auto` and `--gpu off`; which models ran on the
GPU, and the time and score of each. On a machine without a GPU it says so and runs the CPU side only.

    .venv/bin/python benchmarks/gpu_check.py --rows 20000 --time-limit 120
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

from benchmarks.common import ROOT, grow_diamonds, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--time-limit", type=int, default=120)
    parser.add_argument("--models", nargs="*", default=["GBM", "CAT", "NN_TORCH", "FASTAI"])
    args = parser.parse_args()

    from automl.training.config import gpu_names

    gpus = gpu_names()
    print(f"GPUs visible to torch: {gpus or 'none'}", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "diamonds.csv"
        grow_diamonds(args.rows).to_csv(data, index=False)
        for mode in (["auto", "off"] if gpus else ["off"]):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "automl.cli", "train", str(data), "--label", "price",
                                   "--time-limit", str(args.time_limit), "--gpu", mode, "--models", *args.models,
                                   "--json", "--workspace", str(Path(tmp) / f"ws-{mode}")],
                                  capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0:
                raise SystemExit(proc.stderr[-2000:])
            out = json.loads(proc.stdout)
            on_gpu = [m["model"] for m in out["leaderboard"] if m.get("used_gpu")]
            rows.append({"gpu": mode, "gpus": ", ".join(out["gpus"]) or "-",
                         "seconds": round(time.perf_counter() - start),
                         "test_score": round(out["test_score"], 2), "models": len(out["leaderboard"]),
                         "models_on_gpu": ", ".join(on_gpu) or "-"})
    report("gpu_check", rows)


if __name__ == "__main__":
    main()
