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

from automl.data.markdown import code
from automl.errors import ClusterError, DataLoadError, SchemaMismatchError
from automl.model.bundle import Bundle
from automl.model.cluster import check_workspace_visible, connect
from automl.model.drift import DriftCheck, PredictionTally
from automl.model.model_input import iter_file
from automl.model.prediction import BATCH_ROWS, PredictionReport, _CsvWriter, output_rows
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
        from automl.model.prediction import score_input

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
    total, check, tally = PredictionReport(), DriftCheck(bundle.schema), PredictionTally(bundle.problem_type)
    raw_refs, input_refs, sizes = [], [], []
    for i, (chunk, X, ignored, unreadable) in enumerate(iter_file(bundle.schema, data_path, chunk_rows=chunk_rows)):
        if id_column is not None and id_column not in chunk.columns:
            raise SchemaMismatchError(f"The id column {code(id_column)} is not in {data_path.name}.")
        notes = check.update(X)
        raw_refs.append(ray.put((chunk[[id_column]] if id_column is not None else chunk, notes)))
        input_refs.append(ray.put(X.assign(**{_CHUNK: i})))
        sizes.append(len(chunk))
        total.merge(PredictionReport(rows=len(chunk), ignored_columns=ignored, unreadable=unreadable))
    if not total.rows:
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
    answers: list[pd.DataFrame] = []
    with atomic.atomic_path(out_path) as tmp, _CsvWriter(tmp) as writer:
        for part in scored.iter_batches(batch_size=None, batch_format="pandas"):
            nodes.update(part[_NODE].unique())
            for chunk_id, piece in part.groupby(_CHUNK, sort=True):
                waiting.setdefault(int(chunk_id), []).append(piece.drop(columns=[_CHUNK, _NODE]))
            while next_chunk in waiting and sum(len(p) for p in waiting[next_chunk]) == sizes[next_chunk]:
                result = pd.concat(waiting.pop(next_chunk)).reset_index(drop=True)  # the file's order
                tally.update(result)
                kept, notes = ray.get(raw_refs[next_chunk])
                kept = kept.reset_index(drop=True)
                if id_column is not None:  # each answer by its id, as `predict_csv` keeps them
                    answers.append(pd.concat([kept.set_axis(["id"], axis=1), result], axis=1))
                writer.put(output_rows(kept, result, notes))
                done_rows += len(result)
                next_chunk += 1
                if on_progress:
                    on_progress(done_rows)
        if next_chunk != len(sizes):  # inside the atomic write: nothing is left at `out_path`
            raise ClusterError(f"The cluster returned answers for {next_chunk} of {len(sizes)} chunk(s) of "
                               f"{data_path.name}; nothing was written.")
    total.drift, total.missing, total.predicted = check.report(), check.missing_shares(), tally.summary()
    total.unusual = check.unusual_rows
    total.id_column = id_column
    total.sample = tally.sample()
    total.answers = pd.concat(answers, ignore_index=True) if answers else None
    return total, sorted(nodes)
