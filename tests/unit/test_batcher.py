"""The endpoint's micro-batcher: requests that queue while the model is busy are scored in one call, each
gets exactly its own rows back, and one request's failure reaches only that request."""

from __future__ import annotations

import threading
import time

import pandas as pd

from automl.serving.batcher import MicroBatcher
from tests.helpers import wait_until


class SlowModel:
    """Row-wise scoring that takes 20 ms a call, whatever the rows; refuses a negative x."""

    def __init__(self, name: str = "m") -> None:
        self.name, self.calls = name, []

    def __call__(self, served, X: pd.DataFrame) -> pd.DataFrame:
        self.calls.append(len(X))
        time.sleep(0.02)
        if (X["x"] < 0).any():
            raise ValueError("negative x")
        return pd.DataFrame({"prediction": X["x"] * 2, "model": served}, index=X.index)


def _submit_all(batcher: MicroBatcher, requests: list[tuple[str, pd.DataFrame]]) -> list:
    results: list = [None] * len(requests)

    def one(i: int, served: str, X: pd.DataFrame) -> None:
        try:
            results[i] = batcher.score(served, X)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i, s, X)) for i, (s, X) in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_requests_share_calls_and_each_gets_its_own_rows():
    model = SlowModel()
    batcher = MicroBatcher(model)
    requests = [("m", pd.DataFrame({"x": range(i * 10, i * 10 + 10)}, index=range(5, 15))) for i in range(16)]
    results = _submit_all(batcher, requests)
    for (_, X), out in zip(requests, results, strict=True):
        assert out.index.equals(X.index) and out["prediction"].tolist() == (X["x"] * 2).tolist()
    assert len(model.calls) < len(requests)  # joined: the first call alone, then what queued behind it
    assert sum(model.calls) == 160


def test_a_lone_request_is_scored_at_once_without_waiting_for_company():
    """The model is called with the lone request's rows while nothing else is queued (no linger for
    company): checked on the call itself, not on a duration."""
    release, model = threading.Event(), SlowModel()

    def held(served, X):
        out = model(served, X)
        release.wait(30)
        return out

    batcher = MicroBatcher(held)
    future = batcher.submit("m", pd.DataFrame({"x": [1, 2]}))
    wait_until(lambda: model.calls == [2], what="the lone request reaching the model")
    assert not future.done()  # the model holds it: it was called without waiting for another request
    release.set()
    assert future.result(timeout=30)["prediction"].tolist() == [2, 4]


def test_a_failing_request_fails_alone():
    model = SlowModel()
    batcher = MicroBatcher(model)
    requests = [("m", pd.DataFrame({"x": [i]})) for i in range(8)] + [("m", pd.DataFrame({"x": [-1]}))]
    results = _submit_all(batcher, requests)
    assert isinstance(results[-1], ValueError)
    assert [r["prediction"].iloc[0] for r in results[:-1]] == [2 * i for i in range(8)]


def test_requests_for_two_models_during_a_promotion_are_scored_by_their_own():
    model = SlowModel()
    batcher = MicroBatcher(model)
    requests = [("old" if i % 2 else "new", pd.DataFrame({"x": [i]})) for i in range(10)]
    results = _submit_all(batcher, requests)
    assert [r["model"].iloc[0] for r in results] == [s for s, _ in requests]


def test_the_batch_is_bounded_in_rows():
    model = SlowModel()
    batcher = MicroBatcher(model, max_rows=25)
    _submit_all(batcher, [("m", pd.DataFrame({"x": range(10)})) for _ in range(12)])
    assert max(model.calls) <= 30  # a batch stops growing once it holds 25 rows or more


def test_sampled_requests_are_summarised_in_groups_of_one_run_and_a_few_thousand_rows():
    import pandas as pd

    from automl.serving.usage import GROUP_ROWS, _groups

    class Served:
        def __init__(self, run_id):
            self.run_id = run_id

    a, b = Served("run-a"), Served("run-b")
    frame = pd.DataFrame({"x": range(GROUP_ROWS // 4)})
    pending = [(a, frame, frame)] * 5 + [(b, frame, frame)] + [(a, pd.DataFrame({"x": range(3 * GROUP_ROWS)}), frame)]
    groups = _groups(pending)
    assert [[s.run_id for s, _, _ in g] for g in groups] == [["run-a"] * 4, ["run-a"], ["run-b"], ["run-a"]]
    assert all(sum(len(f) for _, f, _ in g) <= GROUP_ROWS or len(g) == 1 for g in groups)
