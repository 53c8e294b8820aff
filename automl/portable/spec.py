"""What the exported scorer replays, as JSON (`preprocess.json`): read from the run's input schema, its
cleaning recipe and AutoGluon's fitted feature generators, never re-learned. Anything it cannot state
exactly raises `ConfigError` naming the part (a text column's n-grams, a recipe step that parses dates),
and the export is refused with that reason.

AutoGluon's generators read here (autogluon.features 1.6.3), each from its fitted state:
`AsTypeFeatureGenerator` (two-valued columns -> 0/1 against the value read as true; whole-number columns
missing a value at prediction -> 0, then truncated as `astype(int64)` does), `FillNaFeatureGenerator` (a
missing text value -> its fill, usually ""), `IdentityFeatureGenerator`, `CategoryFeatureGenerator` (each
category's position in its fitted list is the code LightGBM saw; anything else is missing),
`DatetimeFeatureGenerator` (nanoseconds since 1970 and year / month / day / weekday, a missing date as the
fitted mean), and the two that only drop columns. Any other generator (text n-grams, special text
features) refuses the export.
"""

from __future__ import annotations

from typing import Any

from automl.data.ingest import NA_VALUES
from automl.errors import ConfigError
from automl.model.bundle import Bundle

__all__ = ["preprocess_spec", "model_parts"]

_ONLY_DROP = {"DropUniqueFeatureGenerator", "DropDuplicatesFeatureGenerator", "AsTypeFeatureGenerator",
              "FillNaFeatureGenerator"}
_RECIPE_STEPS = {"drop_columns", "rename_column", "fill_missing", "clip_outliers", "group_rare", "clean_text",
                 "cast_type", "expand_date"}


def _generators(predictor: Any) -> list[Any]:
    fg = predictor._learner.feature_generator  # noqa: SLF001 - AutoGluon's fitted feature pipeline, read only
    out = []
    for stage in fg.generators:
        out.extend(stage)
    return out


def _plain(v: Any) -> Any:
    """A category or true value as JSON holds it (numpy scalars to Python)."""
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        return v.item()
    return v


def _features(predictor: Any, model_features: list[str]) -> list[dict[str, Any]]:
    gens = _generators(predictor)
    by_type: dict[str, Any] = {type(g).__name__: g for g in gens}
    astype, fillna = by_type.get("AsTypeFeatureGenerator"), by_type.get("FillNaFeatureGenerator")
    bools = dict(getattr(astype, "_bool_features", None) or {})
    ints = {str(f) for f in getattr(astype, "_int_features", [])}
    fills = dict(getattr(fillna, "_fillna_feature_map", None) or {})
    source: dict[str, Any] = {}
    for g in gens:
        if type(g).__name__ in _ONLY_DROP:
            continue
        for f in g.features_out:
            source.setdefault(f, g)
    out = []
    for f in model_features:
        g = source.get(f)
        kind = type(g).__name__ if g is not None else "none"
        if kind == "IdentityFeatureGenerator":
            if f in bools:
                out.append({"name": f, "kind": "flag", "column": f, "true": _plain(bools[f])})
            else:
                out.append({"name": f, "kind": "number", "column": f, "integer": f in ints})
        elif kind == "CategoryFeatureGenerator":
            if getattr(g, "_fillna_map", None):
                raise ConfigError(f"{f}'s categories fill missing values with the most frequent one, which has no "
                                  "export yet")
            cats = [_plain(c) for c in g.category_map[f]]
            if not all(isinstance(c, (str, bool, int, float)) for c in cats):
                raise ConfigError(f"{f} has categories that are not text, numbers or true / false")
            out.append({"name": f, "kind": "category", "column": f, "categories": cats,
                        "fill": _plain(fills[f]) if f in fills else None})
        elif kind == "DatetimeFeatureGenerator":
            column, _, part = f.partition(".")
            fill = g._fillna_map[column]  # noqa: SLF001 - the fitted mean date a missing date becomes
            item = {"name": f, "kind": "date_part" if part else "date", "column": column,
                    "fill_ns": int(fill.value)}
            if part:
                if part not in ("year", "month", "day", "dayofweek"):
                    raise ConfigError(f"the date part {part!r} of {column} has no export yet")
                item["part"] = part
            out.append(item)
        else:
            what = {"TextNgramFeatureGenerator": "word counts (n-grams) of a text column",
                    "TextSpecialFeatureGenerator": "counts of a text column's characters and words"}.get(kind, kind)
            raise ConfigError(f"the model uses {f}, made from {what}, which has no export: drop the text "
                              "column on Data (or exclude it) and train again to export")
    return out


def _recipe(bundle: Bundle) -> list[dict[str, Any]]:
    recipe = bundle.recipe
    label = recipe.label_
    reads = bundle.schema.reads()
    dates = {n for n, r in reads.items() if r.read_as == "date"}
    out = []
    for step in recipe.steps:
        if step.training_only or step.uses(label):
            continue  # the app skips these when it predicts
        d = step.to_dict()
        kind = d["kind"]
        if kind not in _RECIPE_STEPS or (kind == "cast_type" and d.get("to") == "date"):
            raise ConfigError(f"the cleaning step '{step.describe()}' has no export yet")
        if kind == "expand_date" and d.get("column") not in dates:
            raise ConfigError(f"the cleaning step '{step.describe()}' reads dates from text, which has no export yet")
        if kind in ("cast_type",) and d.get("column") in dates:
            raise ConfigError(f"the cleaning step '{step.describe()}' changes a date, which has no export yet")
        out.append(d)
    return out


def _output(bundle: Bundle, predictor: Any, members: list[Any], dump: dict[str, Any]) -> dict[str, Any]:
    problem = bundle.problem_type
    if problem == "regression":
        return {"task": "regression", "members": len(members)}
    if problem not in ("binary", "multiclass"):
        raise ConfigError(f"a {problem} model has no export yet")
    cleaner = predictor._learner.label_cleaner  # noqa: SLF001 - how AutoGluon's class codes map to labels
    internal = cleaner.cat_mappings_dependent_var  # code -> label
    classes = [_plain(c) for c in predictor.class_labels]
    positions = [classes.index(_plain(internal[k])) for k in sorted(internal)]
    objective = str(dump["objective"]).split()[0]
    if (problem == "binary") != (objective == "binary"):
        raise ConfigError(f"its LightGBM objective {objective!r} does not match a {problem} task")
    out: dict[str, Any] = {"task": problem, "members": len(members), "classes": classes,
                           "class_positions": positions}
    if problem == "binary":
        saved = bundle.threshold
        out.update(positive=_plain(bundle.metrics.positive_class),
                   threshold=saved if saved is not None else float(predictor.decision_threshold),
                   threshold_inclusive=saved is not None)
    return out


def model_parts(predictor: Any, model: str) -> tuple[Any, list[Any]]:
    """The AutoGluon model `model` and its LightGBM members (one, or each fold of a bagged model), or
    `ConfigError` saying why it has no export."""
    trainer = predictor._trainer  # noqa: SLF001 - AutoGluon's models, loaded by name
    m = trainer.load_model(model)
    if hasattr(m, "load_child") and hasattr(m, "models"):
        children = [m.load_child(c) for c in m.models]
    else:
        children = [m]
    kinds = {type(c).__name__ for c in children}
    if kinds != {"LGBModel"}:
        raise ConfigError(f"{model} is a {', '.join(sorted(kinds))}: the compact export covers LightGBM models so far")
    for c in children:
        if c.temperature_scalar is not None:
            raise ConfigError(f"{model} has a calibrated member, which has no export yet")
    return m, children


def preprocess_spec(bundle: Bundle, predictor: Any, model: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(preprocess.json, each member's `Booster.dump_model()`) for `model` of the run."""
    m, children = model_parts(predictor, model)
    features = list(children[0].features)
    if any(list(c.features) != features for c in children):
        raise ConfigError(f"the members of {model} use different columns")
    dumps = [c.model.dump_model() for c in children]
    spec = {
        "format": "automl-studio-compact", "version": 1, "run": bundle.run_id, "model": model,
        "missing_markers": list(NA_VALUES),
        "columns": [f.read.to_dict() for f in bundle.schema.features],
        "recipe": _recipe(bundle),
        "features": _features(predictor, features),
        "output": _output(bundle, predictor, children, dumps[0]),
    }
    if m.temperature_scalar is not None:
        spec["output"]["temperature"] = float(m.temperature_scalar)
    return spec, dumps
