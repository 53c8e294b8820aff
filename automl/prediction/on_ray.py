"""Batch scoring on a Ray cluster: the same file, the same reader, the same model, the same CSV.

The driver (this process) reads the file chunk by chunk through the app's one reader
(`automl.model.model_input.iter_file`, exactly as `predict_csv` and training read), checks drift on the
way, and hands each chunk's model input to Ray's object store. Ray Data spreads the chunks over a pool of
actors (`map_batches`), each of which verifies and loads the bundle once, then applies the run's recipe
and model (`score_input`, the function every other path uses). The answers come back in the file's order
and are written by the same formula-safe writer. Predictions are the local path's, row for row (a test).

Reading stays on the driver on purpose: it is the one place every value is read as training read it
(Ray Data's own CSV readers parse differently), and it is cheap next to the models.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import pandas as pd

from automl.cluster import check_workspace_visible, connect
from automl.errors import ClusterError, DataLoadError
from automl.model.bundle import Bundle
from automl.model.inference import score_input
from automl.model.model_input import iter_file
from automl.prediction.files import BATCH_ROWS
from automl.prediction.report import BatchSummary, PredictionReport
from automl.prediction.rows import output_rows
from automl.prediction.writer import CsvWriter
from automl.store import atomic

__all__ = ["predict_csv_on_ray", "RayScoring"]

log = logging.getLogger(__name__)
_CHUNK, _NODE = "__automl_chunk", "__automl_node"


class RayScoring:
    """One actor of the pool: verifies and loads the bundle once, then scores chunks of model input."""

    def __init__(self, bundle: Bundle) -> None:
        import ray

        from automl.model.bundle import keep_in_memory, load_predictor

        if not Path(bundle.run_dir).is_dir():
            raise ClusterError(f"This node cannot see the run folder {bundle.run_dir}: put the workspace on "
                               "storage every node reaches.")
        self.bundle = bundle
        self.predictor = load_predictor(bundle)  # the signature is checked before anything is unpickled
        keep_in_memory(self.predictor, bundle)
        self.node = ray.get_runtime_context().get_node_id()

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        chunk = batch[_CHUNK].to_numpy()
        result = score_input(self.predictor, self.bundle, batch.drop(columns=[_CHUNK]))
        result[_CHUNK] = chunk
        result[_NODE] = self.node
        return result


def predict_csv_on_ray(bundle: Bundle, data_path: str | Path, out_path: str | Path, address: str,
                       chunk_rows: int = BATCH_ROWS // 4, id_column: str | None = None, actors: int | None = None,
                       on_progress: Callable[[int], None] | None = None) -> tuple[PredictionReport, list[str]]:
    """Score a file on the Ray cluster at `address` (see the module's note); returns the report (as
    `predict_csv`'s) and the ids of the nodes whose actors scored it."""
    import ray

    data_path, out_path = Path(data_path), Path(out_path)
    cluster = connect(address)
    check_workspace_visible(Path(bundle.run_dir))
    summary = BatchSummary(bundle, id_column, data_path.name)
    raw_refs, input_refs, sizes = [], [], []
    for i, (chunk, X, ignored, unreadable) in enumerate(iter_file(bundle.schema, data_path, chunk_rows=chunk_rows)):
        notes = summary.read(chunk, X, ignored, unreadable)
        raw_refs.append(ray.put((summary.kept(chunk), notes)))
        input_refs.append(ray.put(X.assign(**{_CHUNK: i})))
        sizes.append(len(chunk))
    if not summary.total.rows:
        raise DataLoadError(f"{data_path.name} has a header but no data rows.")
    for name in ("ray.data", "ray.data._internal"):
        logging.getLogger(name).setLevel(logging.ERROR)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # progress is ours (`on_progress`), on stderr
    context.execution_options.preserve_order = True
    pool = actors or max(1, min(cluster.cpus, len(input_refs), 8))
    scored = ray.data.from_pandas_refs(input_refs).map_batches(
        RayScoring, fn_constructor_kwargs={"bundle": bundle}, batch_size=None, batch_format="pandas",
        compute=ray.data.ActorPoolStrategy(size=pool), num_cpus=1, max_restarts=0)
    nodes: set[str] = set()
    waiting: dict[int, list[pd.DataFrame]] = {}
    next_chunk, done_rows = 0, 0
    with atomic.atomic_path(out_path) as tmp, CsvWriter(tmp) as writer:
        for part in scored.iter_batches(batch_size=None, batch_format="pandas"):
            nodes.update(part[_NODE].unique())
            for chunk_id, piece in part.groupby(_CHUNK, sort=True):
                waiting.setdefault(int(chunk_id), []).append(piece.drop(columns=[_CHUNK, _NODE]))
            while next_chunk in waiting and sum(len(p) for p in waiting[next_chunk]) == sizes[next_chunk]:
                result = pd.concat(waiting.pop(next_chunk)).reset_index(drop=True)  # the file's order
                kept, notes = ray.get(raw_refs[next_chunk])
                kept = kept.reset_index(drop=True)
                summary.answered(result, kept)  # each answer by its id, as `predict_csv` keeps them
                writer.put(output_rows(kept, result, notes))
                done_rows += len(result)
                next_chunk += 1
                if on_progress:
                    on_progress(done_rows)
        if next_chunk != len(sizes):  # inside the atomic write: nothing is left at `out_path`
            raise ClusterError(f"The cluster returned answers for {next_chunk} of {len(sizes)} chunk(s) of "
                               f"{data_path.name}; nothing was written.")
    return summary.report(), sorted(nodes)
