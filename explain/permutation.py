"""Permutation-sampling SHAP, batched across rows: one model call per permutation for a whole batch.

shap's `PermutationExplainer` explains one row at a time, so a model with a high cost per call (an
AutoGluon ensemble of many models) pays that cost thousands of times. Here every row of a batch, every
step of a permutation and every background row go to the model in one call. Each permutation's
contributions telescope, so for every row: base value + sum of values = f(row) exactly (up to float
rounding), whatever the number of permutations.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["permutation_shap"]


def permutation_shap(f: Callable[[np.ndarray], np.ndarray], rows: np.ndarray, background: np.ndarray,
                     n_permutations: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interventional SHAP values of `rows` (R x M) against `background` (B x M).

    `f` maps an (N x M) array to N outputs or an (N x O) array. Returns values (R x M x O) and the base
    value (O,), the mean output over the background. Permutations come in antithetic pairs (a random
    order and its reverse), which cancels much of the sampling noise.
    """
    rows, background = np.asarray(rows, dtype=float), np.asarray(background, dtype=float)
    n_rows, n_features = rows.shape
    n_bg = background.shape[0]
    rng = np.random.default_rng(seed)
    orders = []
    for _ in range(max(1, n_permutations // 2)):
        order = rng.permutation(n_features)
        orders += [order, order[::-1]]
    values = None
    base = None
    for order in orders:
        # masked[r, j, b] = background row b with the first j features of `order` taken from row r
        masked = np.broadcast_to(background, (n_rows, n_features + 1, n_bg, n_features)).copy()
        for j, feature in enumerate(order, start=1):
            masked[:, j:, :, feature] = rows[:, None, None, feature]
        out = np.asarray(f(masked.reshape(-1, n_features)), dtype=float)
        out = out.reshape(n_rows, n_features + 1, n_bg, -1).mean(axis=2)  # (R, M+1, O)
        if values is None:
            values = np.zeros((n_rows, n_features, out.shape[-1]))
        steps = np.diff(out, axis=1)  # contribution of the j-th feature of `order`
        values[:, order, :] += steps
        base = out[0, 0, :]
    return values / len(orders), base
