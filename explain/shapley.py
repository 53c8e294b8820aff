"""Interventional Shapley values of a black-box model, batched across rows: few, large model calls.

shap's explainers take one row at a time, so a model with a high cost per call (an AutoGluon ensemble of
many models) pays that cost thousands of times. Here every row of a batch, every coalition and every
background row go to the model in one call.

- Few features (2**M coalitions no dearer than the permutations): every coalition is evaluated and the
  values are the exact Shapley values against the background.
- More features: antithetic permutation sampling (a random order and its reverse). Each permutation's
  contributions telescope, so base value + sum of values = f(row) exactly whatever the number of
  permutations. The background may be split in groups, each antithetic pair using one: the pairs then
  average out the background's noise as well as the order's, for the same number of model rows.

A "feature" may be a group of columns (`groups`), e.g. the columns a model's feature pipeline derives from
one input column; the background may be weighted (a summarised background, see `explain.background`).
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

__all__ = ["shapley_values", "uses_exact", "evaluations_per_row"]

Model = Callable[[np.ndarray], np.ndarray]
MAX_CELLS = 8_000_000  # the largest array of mixed rows built at once (64 MB of float64)


def uses_exact(n_features: int, n_permutations: int) -> bool:
    """Enumerate all coalitions when that costs no more model rows than the permutations would."""
    return n_features <= 12 and 2 ** n_features <= max(2, n_permutations) * (n_features + 1)


def evaluations_per_row(n_features: int, n_background: int, n_permutations: int, background_groups: int = 1) -> int:
    """Model rows evaluated per explained row (what the time goes on)."""
    if uses_exact(n_features, n_permutations):
        return (2 ** n_features - 2) * n_background + 1
    per_group = -(-n_background // max(1, background_groups))
    return max(2, n_permutations // 2 * 2) * (n_features - 1) * per_group + 1


def shapley_values(f: Model, rows: np.ndarray, background: np.ndarray, weights: np.ndarray | None = None,
                   groups: Sequence[Sequence[int]] | None = None, n_permutations: int = 4,
                   seed: int = 0, background_groups: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Shapley values of `rows` (R x C) against `background` (B x C), one per group of columns.

    `f` maps an (N x C) array to N outputs or an (N x O) array. `groups` lists the columns of each
    feature (default: one column each). With `background_groups` G > 1, antithetic pair i of the
    permutations uses background rows i % G, i % G + G, ... (sort the background by weight first).
    Returns values (R x M x O) and the base value (O,): the (weighted) mean output over the background
    (over each pair's group, averaged, when the background is split).
    """
    rows, background = np.asarray(rows, dtype=float), np.asarray(background, dtype=float)
    groups = [list(g) for g in groups] if groups is not None else [[c] for c in range(rows.shape[1])]
    w = np.full(len(background), 1.0 / len(background)) if weights is None else np.asarray(weights, float)
    w = w / w.sum()
    empty = _call(f, background)  # the empty coalition is the same for every row
    full = _call(f, rows)  # so is the full one: the row itself
    if uses_exact(len(groups), n_permutations):
        base = w @ empty
        return _exact(f, rows, background, w, groups, base, full), base
    rng = np.random.default_rng(seed)
    n_groups = max(1, min(background_groups, len(background)))
    values, bases = np.zeros((len(rows), len(groups), full.shape[1])), []
    n_pairs = max(1, n_permutations // 2)
    for i in range(n_pairs):
        part = np.arange(i % n_groups, len(background), n_groups)
        wg = w[part] / w[part].sum()
        bases.append(wg @ empty[part])
        order = rng.permutation(len(groups))
        for o in (order, order[::-1]):
            values += _path(f, rows, background[part], wg, groups, bases[-1], full, o)
    return values / (2 * n_pairs), np.mean(bases, axis=0)


def _call(f: Model, z: np.ndarray) -> np.ndarray:
    out = np.asarray(f(z), dtype=float)
    return out.reshape(len(z), -1)


def _masked(rows: np.ndarray, background: np.ndarray, groups: list[list[int]], masks: np.ndarray) -> np.ndarray:
    """(R, K, B, C): background rows with the groups switched on in each of the K masks taken from the row."""
    columns = np.zeros((len(masks), rows.shape[1]), dtype=bool)  # (K, C): the columns each mask takes from the row
    for g, cols in enumerate(groups):
        columns[:, cols] = masks[:, [g]]
    return np.where(columns[None, :, None, :], rows[:, None, None, :], background[None, None, :, :])


def _coalition_values(f: Model, rows: np.ndarray, background: np.ndarray, w: np.ndarray,
                      groups: list[list[int]], masks: np.ndarray) -> np.ndarray:
    """v(S) for every row and mask: the weighted mean of f over the background, (R, K, O).

    Masks go to the model in chunks of at most `MAX_CELLS` array cells, so a wide table (thousands of
    columns) costs more calls, not more memory."""
    per_mask = len(rows) * len(background) * rows.shape[1]
    step = max(1, MAX_CELLS // max(1, per_mask))
    parts = []
    for start in range(0, len(masks), step):
        chunk = masks[start:start + step]
        z = _masked(rows, background, groups, chunk)
        out = _call(f, z.reshape(-1, rows.shape[1]))
        parts.append(np.einsum("rkbo,b->rko", out.reshape(len(rows), len(chunk), len(background), -1), w))
    return np.concatenate(parts, axis=1)


def _exact(f: Model, rows: np.ndarray, background: np.ndarray, w: np.ndarray, groups: list[list[int]],
           base: np.ndarray, full: np.ndarray) -> np.ndarray:
    m = len(groups)
    codes = np.arange(2 ** m)
    bits = ((codes[:, None] >> np.arange(m)) & 1).astype(bool)  # (2**m, m)
    v = np.empty((len(rows), 2 ** m, full.shape[1]))
    v[:, 0], v[:, -1] = base, full
    if m > 1:
        v[:, 1:-1] = _coalition_values(f, rows, background, w, groups, bits[1:-1])
    size = bits.sum(axis=1)
    values = np.zeros((len(rows), m, full.shape[1]))
    for j in range(m):
        without = codes[~bits[:, j]]
        weight = np.array([math.factorial(s) * math.factorial(m - s - 1) for s in size[without]]) / math.factorial(m)
        values[:, j] = np.einsum("k,rko->ro", weight, v[:, without | (1 << j)] - v[:, without])
    return values


def _path(f: Model, rows: np.ndarray, background: np.ndarray, w: np.ndarray, groups: list[list[int]],
          base: np.ndarray, full: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Each feature's step along one order, from the background's mean to the row: (R, M, O)."""
    m = len(groups)
    # masks[j] switches on the first j+1 features of `order` (j < m-1; the last one is the row itself)
    masks = np.zeros((m - 1, m), dtype=bool)
    for j in range(m - 1):
        masks[j, order[:j + 1]] = True
    inner = (_coalition_values(f, rows, background, w, groups, masks) if m > 1
             else np.zeros((len(rows), 0, full.shape[1])))
    path = np.concatenate([np.broadcast_to(base, (len(rows), 1, full.shape[1])), inner, full[:, None, :]], axis=1)
    values = np.zeros((len(rows), m, full.shape[1]))
    values[:, order, :] = np.diff(path, axis=1)
    return values
