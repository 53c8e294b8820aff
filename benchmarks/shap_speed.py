"""SHAP of an AutoGluon ensemble: ours against the KernelExplainer recipe of AutoGluon's SHAP tutorial
(100 random background rows, nsamples=100), on models trained on titanic and on diamonds.

- Ours: `explain.shap_values.compute_shap` end to end (background summary, model space, sampler) on
  `--rows` rows of the test split and training sample.
- Kernel: shap.KernelExplainer on the model as a function of the raw input columns (recipe + AutoGluon's
  own feature pipeline on every call), as in the tutorial, on the first `--kernel-rows` rows.
- Reference ("true" values): Shapley values against the whole training sample the run keeps (500 rows,
  uniform weights), exact for few columns, else 32 antithetic permutations, computed in input space
  (independent of our model-space shortcut) on the first `--reference-rows` rows.

Fidelity = correlation of all values with the reference, and the relative RMSE (RMSE / mean |reference|).
Also: the worst additivity error |base + sum - model output| per method.

    .venv/bin/python benchmarks/shap_speed.py --rows 1000 --kernel-rows 100 --reference-rows 40
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
    parser.add_argument("--rows", type=int, default=1000, help="rows explained by ours")
    parser.add_argument("--kernel-rows", type=int, default=100, help="rows explained by KernelExplainer (slow)")
    parser.add_argument("--reference-rows", type=int, default=40, help="rows with reference values (slowest)")
    parser.add_argument("--time-limit", type=int, default=40)
    parser.add_argument("--workspace", help="reuse the runs trained in this workspace (default: a new one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(run, bundle, args) for run, bundle in trained(Path(args.workspace or tmp), args)]
    report("shap_speed", results)


def trained(root: Path, args: argparse.Namespace):
    from automl.model.bundle import load_bundle
    from automl.training.config import TrainConfig, start_training
    from automl.store.workspace import Workspace
    from tests.helpers import wait_for

    ws = Workspace(root / "ws" if not args.workspace else root)
    done = {ws.get_dataset(r.dataset_id).name: r for r in ws.list_runs() if r.status == "succeeded"}
    for name, (file, label, sample) in DATASETS.items():
        run = done.get(file)
        if run is None:
            df = pd.read_csv(ROOT / "sample_data" / file)
            if sample:
                df = df.sample(sample, random_state=0)
            run = start_training(ws, TrainConfig(ws.add_dataset(df, file).id, label, time_limit=args.time_limit))
            assert wait_for(ws, run.id).status == "succeeded"
        yield name, load_bundle(ws, run.id)


def measure(name: str, bundle, args: argparse.Namespace) -> dict:
    import shap

    from automl.model.bundle import load_predictor
    from automl.model.model_input import to_model_input
    from explain.model_space import input_space
    from explain.shap_values import compute_shap, keep_in_memory
    from explain.shapley import shapley_values

    predictor = load_predictor(bundle)
    keep_in_memory(predictor, bundle)  # as the explain job does; the kernel gets the same
    train = to_model_input(bundle.schema, pd.read_parquet(bundle.run_dir / "train_sample.parquet"))[0]
    pool = pd.concat([pd.read_parquet(bundle.run_dir / "test.parquet"), train])
    rows = to_model_input(bundle.schema, pool.head(args.rows))[0].reset_index(drop=True)

    start = time.perf_counter()
    result = compute_shap(predictor, bundle, rows, train)
    t_ours = (time.perf_counter() - start) / len(rows)
    names = bundle.schema.names
    first = result.outputs[0]
    ours = (result.values[result.values["output"] == first].pivot(index="row", columns="feature", values="value")
            [names].to_numpy())

    k, r = min(args.kernel_rows, len(rows)), min(args.reference_rows, len(rows))
    space = input_space(predictor, bundle, rows, train)  # raw columns -> recipe -> AutoGluon, every call
    f1 = lambda z: np.asarray(space.f(z), dtype=float).reshape(len(z), -1)[:, 0]  # noqa: E731
    out = f1(space.rows)
    bg100 = space.background[np.random.default_rng(0).choice(len(space.background), 100, replace=False)]
    explainer = shap.KernelExplainer(f1, bg100)
    start = time.perf_counter()
    kernel = np.asarray(explainer.shap_values(space.rows[:k], nsamples=100, silent=True)).reshape(k, -1)
    t_kernel = (time.perf_counter() - start) / k
    kernel_base = float(np.asarray(explainer.expected_value).ravel()[0])

    start = time.perf_counter()
    reference, _ = shapley_values(f1, space.rows[:r], space.background, n_permutations=32, seed=1)
    t_reference = time.perf_counter() - start
    reference = reference[:, :, 0]

    def corr(values):
        return round(float(np.corrcoef(values[:r].ravel(), reference.ravel())[0, 1]), 4)

    def rel_rmse(values):
        return round(float(np.sqrt(((values[:r] - reference) ** 2).mean()) / np.abs(reference).mean()), 4)

    row = {
        "dataset": name, "features": len(names), "model": bundle.deployed_model,
        "ours_rows": len(rows), "ours_ms_per_row": round(1000 * t_ours, 2),
        "kernel_rows": k, "kernel_ms_per_row": round(1000 * t_kernel, 1),
        "speedup_vs_kernel": round(t_kernel / t_ours, 1),
        "reference_rows": r, "reference_s": round(t_reference, 1),
        "ours_r": corr(ours), "kernel_r": corr(kernel),
        "ours_rel_rmse": rel_rmse(ours), "kernel_rel_rmse": rel_rmse(kernel),
        "ours_vs_kernel_r": round(float(np.corrcoef(ours[:k].ravel(), kernel.ravel())[0, 1]), 4),
        "ours_max_additivity_error": float(np.abs(ours.sum(1) + result.base_values[first] - out).max()),
        "kernel_max_additivity_error": float(np.abs(kernel.sum(1) + kernel_base - out[:k]).max()),
    }
    print(row, file=sys.stderr)
    return row


if __name__ == "__main__":
    main()
