"""LightGBM boosters -> one ONNX graph of raw scores, in double precision.

ONNX's `TreeEnsemble` (ai.onnx.ml opset 5) takes thresholds, category sets and leaf values as double
tensors, so the graph decides every split as LightGBM does on float64 input and sums the leaves in double:
the answers match LightGBM's to the last bits, where onnxmltools' converter (float32 thresholds) drifts.
Several boosters (the folds of a bagged model) give one raw-score block each, side by side; the scorer
turns each into probabilities and averages them, as AutoGluon does.

LightGBM's decisions, from its `tree.h`: a numeric split sends a missing value (NaN) to its default side
when the split learned missing values ("NaN"), else reads it as 0.0 ("None"); a categorical split sends
the codes in its set left, NaN right when missing values were learned, else reads NaN as code 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from automl.errors import ConfigError

__all__ = ["boosters_to_onnx", "raw_width", "IDENTITY_OBJECTIVES"]

_LEQ, _MEMBER = 0, 6
# objectives whose prediction is the raw score (regression), or whose link the scorer applies
IDENTITY_OBJECTIVES = ("regression", "regression_l1", "huber", "fair", "quantile", "mape")
_OPSET_ML, _OPSET, _IR = 5, 21, 10  # onnxruntime 1.20+ reads these


def raw_width(dump: dict[str, Any]) -> int:
    return int(dump["num_tree_per_iteration"])


def _check(dump: dict[str, Any]) -> None:
    objective = str(dump["objective"]).split()[0]
    if objective not in IDENTITY_OBJECTIVES + ("binary", "multiclass"):
        raise ConfigError(f"its LightGBM objective {objective!r} has no export yet (only regression, binary and "
                          "multiclass objectives)")
    if dump.get("average_output"):
        raise ConfigError("it is a LightGBM random forest (averaged trees), which has no export yet")


def boosters_to_onnx(dumps: list[dict[str, Any]], n_features: int) -> bytes:
    """`Booster.dump_model()` of each member -> a serialized ONNX model: input `X` (double, n x n_features),
    output `raw` (double, n x members*width): each member's raw scores, side by side."""
    from onnx import TensorProto, helper, numpy_helper

    nodes: dict[str, list] = {k: [] for k in ("feature", "split", "mode", "true", "true_leaf", "false",
                                                  "false_leaf", "nan_true")}
    members: list[float] = []
    roots: list[int] = []
    leaf_target: list[int] = []
    leaf_weight: list[float] = []
    width = raw_width(dumps[0])
    for m, dump in enumerate(dumps):
        _check(dump)
        if raw_width(dump) != width:
            raise ConfigError("its members disagree on the number of scores")
        for i, tree in enumerate(dump["tree_info"]):
            target = m * width + i % width
            roots.append(len(nodes["feature"]))
            _add_tree(tree["tree_structure"], target, nodes, members, leaf_target, leaf_weight)
    n_targets = len(dumps) * width
    attrs = dict(
        aggregate_function=1, post_transform=0, n_targets=n_targets, tree_roots=roots,
        nodes_featureids=nodes["feature"],
        nodes_modes=numpy_helper.from_array(np.asarray(nodes["mode"], dtype=np.uint8), "nodes_modes"),
        nodes_splits=numpy_helper.from_array(np.asarray(nodes["split"], dtype=np.float64), "nodes_splits"),
        nodes_truenodeids=nodes["true"], nodes_trueleafs=nodes["true_leaf"],
        nodes_falsenodeids=nodes["false"], nodes_falseleafs=nodes["false_leaf"],
        nodes_missing_value_tracks_true=nodes["nan_true"],
        leaf_targetids=leaf_target,
        leaf_weights=numpy_helper.from_array(np.asarray(leaf_weight, dtype=np.float64), "leaf_weights"))
    if members:
        attrs["membership_values"] = numpy_helper.from_array(np.asarray(members, dtype=np.float64),
                                                             "membership_values")
    node = helper.make_node("TreeEnsemble", ["X"], ["raw"], domain="ai.onnx.ml", **attrs)
    graph = helper.make_graph(
        [node], "automl_studio_compact",
        [helper.make_tensor_value_info("X", TensorProto.DOUBLE, [None, n_features])],
        [helper.make_tensor_value_info("raw", TensorProto.DOUBLE, [None, n_targets])])
    model = helper.make_model(graph, producer_name="automl-studio", ir_version=_IR,
                              opset_imports=[helper.make_opsetid("", _OPSET),
                                             helper.make_opsetid("ai.onnx.ml", _OPSET_ML)])
    return model.SerializeToString()


def _add_tree(root: dict[str, Any], target: int, nodes: dict[str, list], members: list[float],
              leaf_target: list[int], leaf_weight: list[float]) -> None:
    """Append one tree's split nodes (depth first) and leaves; a tree of one leaf gets a split whose two
    sides are that leaf (ONNX trees start at a node)."""

    def leaf(value: float) -> int:
        leaf_target.append(target)
        leaf_weight.append(float(value))
        return len(leaf_weight) - 1

    if "split_index" not in root:
        value = root["leaf_value"]
        _append(nodes, 0, 0.0, _LEQ, 1)
        nodes["true"][-1], nodes["true_leaf"][-1] = leaf(value), 1
        nodes["false"][-1], nodes["false_leaf"][-1] = leaf(value), 1
        return

    def visit(node: dict[str, Any]) -> int:
        index = len(nodes["feature"])
        missing = node["missing_type"]
        if missing == "Zero":
            raise ConfigError("a split treats zero as missing (zero_as_missing), which has no export yet")
        if node["decision_type"] == "<=":
            threshold = float(node["threshold"])
            nan_true = int(node["default_left"]) if missing == "NaN" else int(0.0 <= threshold)
            _append(nodes, node["split_feature"], threshold, _LEQ, nan_true)
        elif node["decision_type"] == "==":
            cats = [float(c) for c in str(node["threshold"]).split("||")]
            nan_true = 0  # LightGBM 4 sends a missing category right, whatever the split learned
            _append(nodes, node["split_feature"], 0.0, _MEMBER, nan_true)
            members.extend(cats + [np.nan])
        else:
            raise ConfigError(f"a split of kind {node['decision_type']!r} has no export")
        for side, key in (("true", "left_child"), ("false", "right_child")):
            child = node[key]
            if "split_index" in child:
                nodes[side][index], nodes[f"{side}_leaf"][index] = visit(child), 0
            else:
                nodes[side][index], nodes[f"{side}_leaf"][index] = leaf(child["leaf_value"]), 1
        return index

    visit(root)


def _append(nodes: dict[str, list], feature: int, split: float, mode: int, nan_true: int) -> None:
    nodes["feature"].append(int(feature))
    nodes["split"].append(split)
    nodes["mode"].append(mode)
    nodes["nan_true"].append(nan_true)
    for k in ("true", "true_leaf", "false", "false_leaf"):
        nodes[k].append(0)
