"""The model commands of the CLI: predict, explain, export, import, and evaluate's --data scoring.

Each works on a run id of the workspace or on an exported, signed model zip.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["cmd_predict", "cmd_explain", "cmd_export", "cmd_import", "score_file"]

EXIT_OK = 0


def _err(message: str) -> None:
    """Progress and reasons go to stderr; stdout carries only results (one JSON object with --json)."""
    import sys

    print(message, file=sys.stderr, flush=True)


def _workspace(args: argparse.Namespace):
    """The workspace a command works in; what is kept past the retention period goes first."""
    from automl.store.batches import purge_all
    from automl.store.workspace import Workspace

    ws = Workspace(args.workspace) if getattr(args, "workspace", None) else Workspace()
    purge_all(ws)
    return ws


def _open_model(ws, model: str, key_file: str | None, tmp: str):
    """MODEL is a deployment name or a run id of the workspace, or an exported bundle (.zip) verified
    before loading. Returns the bundle and the deployment's name (None for a run id or a zip)."""
    from automl.model.bundle import load_bundle
    from automl.model.bundle_io import open_bundle_file
    from automl.model.rollback import recover
    from automl.model.signing import signing_key
    from automl.serving.deployments import resolve

    if model.lower().endswith(".zip") or Path(model).is_file():
        return open_bundle_file(model, signing_key(ws.secret_key(), key_file), Path(tmp)), None
    run_id, deployment = resolve(ws, model)
    recover(ws, run_id)  # a shrink or refit of it that died half-way: its old model comes back before the read
    return load_bundle(ws, run_id, key_file), deployment


def _forecast_run(ws, model: str) -> tuple[str, str | None] | None:
    """(run id, deployment or None) when MODEL names a forecast run of the workspace or a deployment serving
    one (None: a table model, a zip, or unknown)."""
    from automl.errors import AutoMLError
    from automl.model.forecast_run import is_forecast

    if model.lower().endswith(".zip") or Path(model).is_file():
        return None
    try:
        record = ws.get_deployment(model)
        run_id = record.run_id if record is not None else model
        return (run_id, record.name if record is not None else None) if is_forecast(ws.get_run(run_id)) else None
    except AutoMLError:
        return None


def cmd_predict(args: argparse.Namespace) -> int:
    import tempfile

    from automl.cluster import configured_address
    from automl.errors import ConfigError
    from automl.model.bundle import load_predictor
    from automl.monitoring.batch import score_batch
    from explain.shap_values import top_reasons_for

    ws = _workspace(args)
    forecast = _forecast_run(ws, args.model)
    if forecast:
        from automl.cli.forecast import predict_forecast

        return predict_forecast(args, ws, *forecast)
    with tempfile.TemporaryDirectory() as tmp:
        bundle, deployment = _open_model(ws, args.model, args.key_file, tmp)
        address = configured_address(args.ray) if args.ray else None
        if address and args.explain:
            raise ConfigError("--explain is not available with --ray: score on the cluster, then explain the "
                              "rows you need with `explain`.")
        predictor = load_predictor(bundle) if args.explain else None  # else `score_batch` loads it (not on Ray)
        reasons = top_reasons_for(predictor, bundle, args.explain) if args.explain else None
        scored = score_batch(ws, bundle, args.data, args.out, deployment=deployment, predictor=predictor,
                             address=address, reasons=reasons, id_column=args.id_column,
                             chunk_rows=args.chunk_rows, name=str(args.data),
                             on_progress=lambda n: _err(f"  {n:,} rows scored"))
    for line in scored.lines:
        _err(line)
    _err(f"wrote {args.out}")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    import tempfile

    import pandas as pd

    from automl.cli.report import build_report, dataset_summary
    from automl.model.bundle import keep_in_memory, load_predictor
    from automl.model.model_input import read_file
    from automl.store import atomic
    from explain.shap_values import compute_shap, shap_csv

    ws = _workspace(args)
    with tempfile.TemporaryDirectory() as tmp:
        bundle, _ = _open_model(ws, args.model, args.key_file, tmp)
        df, _, unreadable = read_file(bundle.schema, args.data)  # read exactly as training read its file
        for line in unreadable.lines():
            _err(line)
        rows = df.head(args.rows)
        predictor = load_predictor(bundle)
        keep_in_memory(predictor, bundle)
        background = pd.read_parquet(bundle.files.train_sample) \
            if (bundle.files.train_sample).exists() else df
        background = background.sample(min(2000, len(background)), random_state=0)  # summarised to 20 rows
        result = compute_shap(predictor, bundle, rows, background,
                              on_progress=lambda d, t: _err(f"  explained {d:,} of {t:,} rows"))
        if args.shap_out:
            with atomic.atomic_path(Path(args.shap_out)) as part:
                part.write_text(shap_csv(result), encoding="utf-8")
            _err(f"wrote {args.shap_out}")
        atomic.write_text(Path(args.out), build_report(bundle, result, dataset_summary(ws, bundle)))
    _err(f"wrote {args.out}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from automl.model.bundle_io import export_bundle

    if getattr(args, "format", "zip") == "onnx":
        return _export_compact(args)
    if getattr(args, "model", None):
        from automl.errors import ConfigError

        raise ConfigError("--model chooses the model of a compact export: add --format onnx.")
    out = export_bundle(_workspace(args), args.run_id, args.out, args.key_file)
    _err(f"wrote {out} ({out.stat().st_size / 2**20:.1f} MB), signed")
    return EXIT_OK


def _export_compact(args: argparse.Namespace) -> int:
    import tempfile

    from automl.errors import ConfigError
    from automl.model.bundle import load_predictor
    from automl.model.signing import signing_key
    from automl.portable.export import export_compact

    ws = _workspace(args)
    if _forecast_run(ws, args.run_id):
        raise ConfigError("A forecast has no compact export yet: export it as a zip (--format zip).")
    with tempfile.TemporaryDirectory() as tmp:
        bundle, _ = _open_model(ws, args.run_id, args.key_file, tmp)
        _err(f"exporting {args.model or bundle.deployed_model} of run {bundle.run_id} and checking its answers ...")
        done = export_compact(bundle, load_predictor(bundle), args.out, args.model,
                              key=signing_key(ws.secret_key(), args.key_file))
    _err(f"wrote {done.folder} ({done.size_bytes / 1024:,.0f} KB): {done.model}; {done.rows_checked:,} rows give the "
         f"app's answers (largest difference {done.max_difference:.1e}). Score with: python {done.folder}/predict.py "
         "IN.csv --out OUT.csv")
    print(json.dumps(done.to_dict()) if args.json else done.folder)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from automl.model.bundle_io import import_bundle

    run = import_bundle(_workspace(args), args.bundle, args.key_file)
    _err(f"imported as run {run.id}")
    print(json.dumps({"run_id": run.id, "label": run.label, "problem_type": run.problem_type}) if args.json
          else run.id)
    return EXIT_OK


def score_file(bundle, data: str) -> dict[str, Any]:
    """Score a labelled file with the run's model (recipe replayed), keyed by AutoGluon's metric names."""
    from automl.model.bundle import load_predictor
    from automl.model.model_input import read_file
    from automl.model.inference import model_frame
    from automl.model.scoring import score

    df, _, unreadable = read_file(bundle.schema, data, keep=(bundle.label,), require=(bundle.label,))
    df = df[df[bundle.label].notna()]
    predictor = load_predictor(bundle)
    scored = score(predictor, model_frame(bundle, df.drop(columns=[bundle.label])), df[bundle.label],
                   bundle.problem_type, bundle.deployed_model)
    scores, values = scored.scores, scored.values
    return {"data": str(data), "rows": len(df), "scores": scores, "metrics": values,
            "unreadable": unreadable.counts,
            "test_score": scores.get(bundle.metrics.eval_metric)}
