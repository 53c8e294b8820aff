"""SHAP of an AutoGluon ensemble: ours against the KernelExplainer recipe of AutoGluon's SHAP tutorial
(100 random background rows, nsamples=100), on models trained on titanic and on diamonds.

- Ours: `explain.shap_values.compute_shap` end to end (background summary, model space, sampler) on
  `--rows` rows of the test split and training sample.
- Kernel: shap.KernelExplainer on the model as a function of the raw input columns (recipe + AutoGluon's
  own feature pipeline on every call), as in the tutorial, on the first `--kernel-rows` rows.
- Reference ("true" values): Shapley values against the whole training sample the run keeps (500 rows,
  uniform weights), exact for few columns, else 32 antithetic permutations, computed in input space
  (independent of our model-space shortcut) on the first `--reference-rows` rows.

- shap's own explainers on the same work as ours (`explain.shap_values.plan`: model-space function, column
  groups, the weighted representatives resampled by weight): PermutationExplainer with one and with four
  antithetic permutations, and ExactExplainer for up to 10 columns, on the first `--shap-rows` rows.

Fidelity = correlation of all values with the reference, and the relative RMSE (RMSE / mean |reference|).
Also: the worst additivity error |base + sum - model output| per method.

    .venv/bin/python benchmarks/shap_speed.py --rows 1000 --kernel-rows 100 --reference-rows 40 --shap-rows 100
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

from benchmarks.common import ROOT, report

DATASETS = {"titanic": ("titanic.csv", "survived", None), "diamonds": ("diamonds.csv", "price", 10_000)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000, help="rows explained by ours")
    parser.add_argument("--kernel-rows", type=int, default=100, help="rows explained by KernelExplainer (slow)")
    parser.add_argument("--reference-rows", type=int, default=40, help="rows with reference values (slowest)")
    parser.add_argument("--shap-rows", type=int, default=100, help="rows explained by shap's own explainers")
    parser.add_argument("--time-limit", type=int, default=40)
    parser.add_argument("--workspace", help="reuse the runs trained in this workspace (default: a new one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(run, bundle, args) for run, bundle in trained(Path(args.workspace or tmp), args)]
    report("shap_speed", results)


def trained(root: Path, args: argparse.Namespace):
    from automl.model.bundle import load_bundle
    from automl.store.workspace import Workspace
    from automl.training.config import TrainConfig, start_training
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
    from automl.model.bundle import load_predictor
    from automl.model.model_input import to_model_input
    from automl.model.bundle import keep_in_memory

    predictor = load_predictor(bundle)
    keep_in_memory(predictor, bundle)  # as the explain job does; every method gets the same
    train = to_model_input(bundle.schema, pd.read_parquet(bundle.run_dir / "train_sample.parquet"))[0]
    pool = pd.concat([pd.read_parquet(bundle.run_dir / "test.parquet"), train])
    rows = to_model_input(bundle.schema, pool.head(args.rows))[0].reset_index(drop=True)
    k, r = min(args.kernel_rows, len(rows)), min(args.reference_rows, len(rows))
    ours, t_ours, ours_error = _ours(predictor, bundle, rows, train)
    reference, kernel, t_kernel, t_reference, kernel_error = _kernel_and_reference(predictor, bundle, rows, train,
                                                                                   k, r)
    row = {"dataset": name, "features": len(bundle.schema.names), "model": bundle.deployed_model,
           "ours_rows": len(rows), "ours_ms_per_row": round(1000 * t_ours, 2),
           "kernel_rows": k, "kernel_ms_per_row": round(1000 * t_kernel, 1),
           "speedup_vs_kernel": round(t_kernel / t_ours, 1), "reference_rows": r, "reference_s": round(t_reference, 1),
           "ours_r": _corr(ours[:r], reference), "kernel_r": _corr(kernel[:r], reference),
           "ours_rel_rmse": _rel_rmse(ours[:r], reference), "kernel_rel_rmse": _rel_rmse(kernel[:r], reference),
           "ours_max_additivity_error": ours_error, "kernel_max_additivity_error": kernel_error}
    row.update(_shap_explainers(predictor, bundle, rows, train, min(args.shap_rows, len(rows)), reference, r, t_ours))
    print(row, file=sys.stderr)
    return row


def _ours(predictor, bundle, rows, train):
    from explain.shap_values import compute_shap

    start = time.perf_counter()
    result = compute_shap(predictor, bundle, rows, train)
    elapsed = (time.perf_counter() - start) / len(rows)
    first = result.outputs[0]
    values = (result.values[result.values["output"] == first].pivot(index="row", columns="feature", values="value")
              [bundle.schema.names].to_numpy())
    from explain.model_space import input_space

    out = _first_output(input_space(predictor, bundle, rows, train))(None)
    return values, elapsed, float(np.abs(values.sum(1) + result.base_values[first] - out).max())


def _first_output(space):
    """The model's first output as a function of the space's arrays (None: on the explained rows)."""
    def f(z):
        z = space.rows if z is None else z
        return np.asarray(space.f(z), dtype=float).reshape(len(z), -1)[:, 0]
    return f


def _kernel_and_reference(predictor, bundle, rows, train, k: int, r: int):
    """shap.KernelExplainer as AutoGluon's tutorial runs it, and the reference values, both in input space."""
    import shap

    from explain.model_space import input_space
    from explain.shapley import shapley_values

    space = input_space(predictor, bundle, rows, train)  # raw columns -> recipe -> AutoGluon, every call
    f1 = _first_output(space)
    out = f1(None)
    bg100 = space.background[np.random.default_rng(0).choice(len(space.background), 100, replace=False)]
    explainer = shap.KernelExplainer(f1, bg100)
    start = time.perf_counter()
    kernel = np.asarray(explainer.shap_values(space.rows[:k], nsamples=100, silent=True)).reshape(k, -1)
    t_kernel = (time.perf_counter() - start) / k
    kernel_error = float(np.abs(kernel.sum(1) + float(np.asarray(explainer.expected_value).ravel()[0])
                                - out[:k]).max())
    start = time.perf_counter()
    reference, _ = shapley_values(f1, space.rows[:r], space.background, n_permutations=32, seed=1)
    return reference[:, :, 0], kernel, t_kernel, time.perf_counter() - start, kernel_error


def _shap_explainers(predictor, bundle, rows, train, n: int, reference, r: int, t_ours: float) -> dict:
    """shap's own PermutationExplainer (and ExactExplainer for few columns) on what ours works on: the same
    model-space function, column groups and weighted representatives (resampled by weight to as many rows).
    shap mixes rows through an id per feature: feature j of a mixed row takes its group of model-space
    columns from the row whose id it holds (the explained row, or a background representative)."""
    import shap

    from explain.shap_values import plan

    p = plan(predictor, bundle, rows, train)
    f1 = _first_output(p.space)
    table = np.vstack([p.space.rows, p.space.background[p.picked]])
    m = len(p.groups)

    def g(ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=int)
        mixed = np.repeat(p.space.rows[:1], len(ids), axis=0)
        for j, cols in enumerate(p.groups):
            mixed[:, cols] = table[ids[:, j]][:, cols]
        return f1(mixed)

    counts = _largest_remainder(p.weights, len(p.picked))
    background = np.repeat(len(p.space.rows) + np.arange(len(p.picked)), counts)[:, None].repeat(m, axis=1)
    explained = np.arange(n)[:, None].repeat(m, axis=1)
    masker = shap.maskers.Independent(background, max_samples=len(background))
    out = {"shap_rows": n, "shap_background_rows": len(background)}
    settings = [("perm1", shap.PermutationExplainer, {"max_evals": 2 * m + 1}),
                ("perm4", shap.PermutationExplainer, {"max_evals": 4 * (2 * m + 1)})]
    if m <= 10:
        settings.append(("exact", shap.ExactExplainer, {}))
    for label, cls, kwargs in settings:
        cls(g, masker)(explained[:1], silent=True, **kwargs)  # warm-up, not timed (ours is timed cold)
        start = time.perf_counter()
        values = np.zeros((n, len(bundle.schema.names)))
        values[:, p.active] = cls(g, masker)(explained, silent=True, **kwargs).values
        elapsed = (time.perf_counter() - start) / n
        out |= {f"shap_{label}_ms_per_row": round(1000 * elapsed, 2),
                f"shap_{label}_vs_ours_time": round(elapsed / t_ours, 1),
                f"shap_{label}_rel_rmse": _rel_rmse(values[:min(n, r)], reference[:min(n, r)])}
    return out


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(int)
    counts[np.argsort(-(exact - counts))[:total - counts.sum()]] += 1
    return counts


def _corr(values, reference) -> float:
    return round(float(np.corrcoef(values.ravel(), reference[:len(values)].ravel())[0, 1]), 4)


def _rel_rmse(values, reference) -> float:
    reference = reference[:len(values)]
    return round(float(np.sqrt(((values - reference) ** 2).mean()) / np.abs(reference).mean()), 4)


if __name__ == "__main__":
    main()
