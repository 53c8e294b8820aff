"""Score a file: streamed through the model chunk by chunk, read exactly as training read its file, here
(`predict_csv`) or on a Ray cluster (`automl.prediction.on_ray`); the same columns, the same report.

Output CSVs are safe to open in a spreadsheet: text cells that would start a formula are escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pandas as pd

from automl.errors import DataLoadError
from automl.model.bundle import Bundle
from automl.model.inference import score_input
from automl.model.model_input import iter_file
from automl.prediction.report import BatchSummary, PredictionReport
from automl.prediction.rows import Reasons, output_rows
from automl.prediction.writer import CsvWriter
from automl.store import atomic

__all__ = ["BATCH_ROWS", "predict_csv"]

# Rows scored per call in a batch: AutoGluon's per-call cost is paid once per chunk (50,000-row chunks
# cost ~15% more model time than one call), and memory still does not grow with the file.
BATCH_ROWS = 200_000


def predict_csv(predictor: Any, bundle: Bundle, data_path: str | Path, out_path: str | Path,
                chunk_rows: int = BATCH_ROWS, on_progress: Callable[[int], None] | None = None,
                reasons: Reasons | None = None, id_column: str | None = None,
                name: str | None = None) -> PredictionReport:
    """Stream a file (CSV, or any format training reads) through the model chunk by chunk, read exactly as
    training read its file; write the input columns (or only `id_column`), the predictions and
    each row's unusual inputs (`unusual_inputs`) to `out_path`, with each row's strongest reasons when
    `reasons` is given (slower: the caller hands in the explanation, e.g. `explain.shap_values.top_reasons_for`;
    the core does not explain). `name`: the file's name as the user knows it (an upload is stored under
    another), for messages.

    Memory stays flat whatever the file's length: one chunk is scored while the one before is written by
    a background thread (the model releases the interpreter while it predicts)."""
    data_path, out_path = Path(data_path), Path(out_path)
    summary = BatchSummary(bundle, id_column, name or data_path.name)
    with atomic.atomic_path(out_path) as tmp, CsvWriter(tmp) as writer:
        for chunk, X, ignored, unreadable in iter_file(bundle.schema, data_path, name, chunk_rows=chunk_rows):
            notes = summary.read(chunk, X, ignored, unreadable)
            result = score_input(predictor, bundle, X)
            kept = summary.kept(chunk)
            summary.answered(result, kept)
            if reasons is not None:
                result = pd.concat([result, reasons(X, result).set_axis(result.index)], axis=1)
            writer.put(output_rows(kept, result, notes))
            if on_progress:
                on_progress(summary.total.rows)
        if not summary.total.rows:
            raise DataLoadError(f"{data_path.name} has a header but no data rows.")
    return summary.report()
