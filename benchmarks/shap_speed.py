"""SHAP of an AutoGluon ensemble: our batched permutation sampler against the KernelExplainer recipe of
AutoGluon's SHAP tutorial (100 background rows, nsamples=100) and shap's PermutationExplainer.

Same model function (input columns -> recipe -> predictor) for all. Fidelity is measured against a
reference: our sampler with many permutations (exact additivity, low noise). Prints seconds per row,
speed-ups, agreement (correlation with the reference) and the worst additivity error per method.

    .venv/bin/python benchmarks/shap_speed.py --rows 1000 --kernel-rows 200
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, report  # noqa: E402

DATASETS = {"titanic": ("titanic.csv", "survived", None), "diamonds": ("diamonds.csv", "price", 10_000)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000, help="rows explained by our sampler")
    parser.add_argument("--kernel-rows", type=int, default=200, help="rows explained by KernelExplainer (slow)")
    parser.add_argument("--time-limit", type=int, default=40)
    args = parser.parse_args()

    import shap

    from automl.bundle import load_bundle, load_predictor
    from automl.schema import coerce_frame
    from automl.training import TrainConfig, start_training
    from automl.workspace import Workspace
    from explain import shap_values
    from explain.permutation import permutation_shap
    from tests.helpers import wait_for

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        for name, (file, label, sample) in DATASETS.items():
            df = pd.read_csv(ROOT / "sample_data" / file)
            if sample:
                df = df.sample(sample, random_state=0)
            run = start_training(ws, TrainConfig(ws.add_dataset(df, file).id, label, time_limit=args.time_limit))
            assert wait_for(ws, run.id).status == "succeeded"
            bundle = load_bundle(ws, run.id)
            predictor = load_predictor(bundle)
            pool = pd.concat([pd.read_parquet(bundle.run_dir / "test.parquet"),
                              pd.read_parquet(bundle.run_dir / "train_sample.parquet")])
            rows = coerce_frame(bundle.schema, pool.head(args.rows))
            train = coerce_frame(bundle.schema, pd.read_parquet(bundle.run_dir / "train_sample.parquet"))
            codec = shap_values._Codec(bundle.schema, [rows, train])
            f, _ = shap_values._model_function(predictor, bundle, codec, rows.dtypes)
            f1 = lambda z: np.asarray(f(z)).reshape(len(z), -1)[:, 0]  # noqa: E731 - first output
            z_rows = codec.encode(rows)
            z_bg = codec.encode(train.sample(shap_values.BACKGROUND_ROWS, random_state=0))
            z_bg100 = codec.encode(train.sample(100, random_state=0))
            out = f1(z_rows)

            start = time.perf_counter()
            ours, base = permutation_shap(f1, z_rows, z_bg, n_permutations=shap_values._PERMUTATIONS)
            t_ours = (time.perf_counter() - start) / len(z_rows)
            ours = ours[:, :, 0]
            k = min(args.kernel_rows, len(z_rows))
            reference, _ = permutation_shap(f1, z_rows[:k], z_bg100, n_permutations=32, seed=1)
            reference = reference[:, :, 0]

            explainer = shap.KernelExplainer(f1, z_bg100)
            start = time.perf_counter()
            kernel = np.asarray(explainer.shap_values(z_rows[:k], nsamples=100, silent=True))
            t_kernel = (time.perf_counter() - start) / k
            kernel_base = float(np.asarray(explainer.expected_value).ravel()[0])

            def agreement(values):
                return round(float(np.corrcoef(values.ravel(), reference.ravel())[0, 1]), 4)

            results.append({
                "dataset": name, "features": z_rows.shape[1], "model": bundle.metrics["best_model"],
                "ours_rows": len(z_rows), "ours_ms_per_row": round(1000 * t_ours, 2),
                "kernel_rows": k, "kernel_ms_per_row": round(1000 * t_kernel, 1),
                "speedup_vs_kernel": round(t_kernel / t_ours, 1),
                "ours_agreement_r": agreement(ours[:k]), "kernel_agreement_r": agreement(kernel),
                "ours_max_additivity_error": float(np.abs(ours.sum(1) + base[0] - out).max()),
                "kernel_max_additivity_error": float(np.abs(kernel.sum(1) + kernel_base - out[:k]).max()),
            })
            print(results[-1], file=sys.stderr)
    report("shap_speed", results)


if __name__ == "__main__":
    main()
