"""SHAP of an AutoGluon ensemble: our batched permutation sampler vs shap's PermutationExplainer.

Same model function, background rows and number of permutations; prints seconds per explained row,
the speed-up and the agreement (correlation of the values) per dataset.

    .venv/bin/python benchmarks/shap_speed.py --rows 20
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

DATASETS = {"titanic": ("titanic.csv", "survived", None), "diamonds": ("diamonds.csv", "price", 5000)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20)
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
            rows = coerce_frame(bundle.schema, pd.read_parquet(bundle.run_dir / "test.parquet").head(args.rows))
            bg = coerce_frame(bundle.schema,
                              pd.read_parquet(bundle.run_dir / "train_sample.parquet").head(shap_values.BACKGROUND_ROWS))
            codec = shap_values._Codec(bundle.schema, [rows, bg])
            f, _ = shap_values._model_function(predictor, bundle, codec, rows.dtypes)
            z_rows, z_bg = codec.encode(rows), codec.encode(bg)
            m = z_rows.shape[1]

            start = time.perf_counter()
            ours, base = permutation_shap(f, z_rows, z_bg, n_permutations=shap_values._PERMUTATIONS)
            t_ours = time.perf_counter() - start

            explainer = shap.PermutationExplainer(f, shap.maskers.Independent(z_bg, max_samples=len(z_bg)))
            start = time.perf_counter()
            # shap runs each permutation forwards and backwards: half as many orders for the same evaluations
            ref = explainer(z_rows, max_evals=(shap_values._PERMUTATIONS // 2) * (2 * m + 1), silent=True)
            t_shap = time.perf_counter() - start
            ref_values = np.asarray(ref.values).reshape(ours.shape)
            exact = np.abs(ours.sum(axis=1)[:, 0] + base[0] - f(z_rows).reshape(len(z_rows), -1)[:, 0]).max()
            results.append({
                "dataset": name, "features": m, "rows": len(z_rows), "best_model": bundle.metrics["best_model"],
                "shap_s_per_row": round(t_shap / len(z_rows), 4), "ours_s_per_row": round(t_ours / len(z_rows), 4),
                "speedup": round(t_shap / t_ours, 1),
                "agreement_r": round(float(np.corrcoef(ours.ravel(), ref_values.ravel())[0, 1]), 4),
                "max_additivity_error": float(exact),
            })
    report("shap_speed", results)


if __name__ == "__main__":
    main()
