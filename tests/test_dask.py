"""Dask arrays, memory-mapped files and user Designs go through the same solver."""

from __future__ import annotations

import builtins
import math
import pickle
import subprocess
import sys

import numpy as np
import pytest

from lsr_arrayapi import LSRClassifier, LSRRegressor, fit_lsr
from lsr_arrayapi.data.dask_design import DaskDesign
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.data.design import InMemoryDesign
from lsr_arrayapi.data.io import open_npy

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")

SHAPE = (6, 7, 8)
FIT = {"ranks": 2, "separation_rank": 2, "init": "spectral", "max_iter": 6, "tol": 0.0}


def _problem(family: str = "gaussian", n: int = 300):
    return make_lsr_problem(n, sample_shape=SHAPE, family=family, random_state=3)


def _assert_same_fit(a, b, rtol=1e-9):
    scale = float(np.linalg.norm(a.coef))
    assert float(np.linalg.norm(a.coef - b.coef)) <= rtol * scale
    assert a.n_iter == b.n_iter


def _guarded_scheduler(limit_bytes: int):
    """A synchronous scheduler that fails any compute returning >= limit_bytes to the client."""

    def get(dsk, keys, **kwargs):
        results = dask.local.get_sync(dsk, keys, **kwargs)
        for leaf in _leaves(results):
            if getattr(leaf, "nbytes", 0) >= limit_bytes:
                raise AssertionError(f"{leaf.nbytes} bytes gathered on the client")
        return results

    return get


def _leaves(obj):
    if isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _leaves(item)
    else:
        yield obj


def test_x_is_never_gathered_on_the_client():
    problem = _problem(n=400)
    X = da.from_array(problem.X, chunks=(50, *SHAPE))
    limit = problem.X.nbytes // 8  # an eighth of X: more than any pass returns (n or D numbers)
    with dask.config.set(scheduler=_guarded_scheduler(limit)):
        with pytest.raises(AssertionError, match="gathered on the client"):
            np.asarray(X)  # the guard does catch a materialized X
        fit = fit_lsr(X, problem.y, **FIT)
    _assert_same_fit(fit_lsr(problem.X, problem.y, **FIT), fit)


def test_default_start_and_lazy_y_match_in_memory():
    # the default start selects among restarts: compare on a well-posed problem
    problem = _problem("logistic", n=1500)
    X = da.from_array(problem.X, chunks=(256, 3, 7, 8))  # a sample split across chunks is merged
    y = da.from_array(problem.y, chunks=500)
    options = {"ranks": 2, "separation_rank": 2, "max_iter": 8, "tol": 0.0, "random_state": 0}
    _assert_same_fit(
        fit_lsr(problem.X, problem.y, family="logistic", **options),
        fit_lsr(X, y, family="logistic", **options),
        rtol=1e-8,
    )


def _recording_scheduler(graphs: list):
    """The synchronous scheduler, keeping each graph it is handed."""

    def get(dsk, keys, **kwargs):
        graphs.append(dict(dsk))
        return dask.local.get_sync(dsk, keys, **kwargs)

    return get


@pytest.mark.parametrize("pass_name", ["forward", "adjoint", "project"])
@pytest.mark.parametrize("held", ["in this process", "in a file"])
def test_each_pass_is_one_small_graph(tmp_path, held, pass_name):
    problem = _problem(n=300)
    np.save(tmp_path / "X.npy", problem.X)
    if held == "in this process":
        X, tasks = da.from_array(problem.X, chunks=(50, *SHAPE)).persist(), 1  # one for all
    else:
        X, tasks = open_npy(tmp_path / "X.npy", chunk_rows=50), 6  # one per chunk read
    design = DaskDesign(X)
    calls = {
        "forward": lambda: design.forward(np.ones(SHAPE)),
        "adjoint": lambda: design.adjoint(np.ones(300)),
        "project": lambda: design.project([np.ones((6, 2)), None, np.ones((8, 2))]),
    }
    graphs: list = []
    with dask.config.set(scheduler=_recording_scheduler(graphs)):
        result = calls[pass_name]()
    expected = {
        "forward": problem.X.reshape(300, -1) @ np.ones(math.prod(SHAPE)),
        "adjoint": np.ones(300) @ problem.X.reshape(300, -1),
        "project": np.einsum("nabc,ai,ck->nibk", problem.X, np.ones((6, 2)), np.ones((8, 2))),
    }[pass_name]
    np.testing.assert_allclose(np.reshape(result, expected.shape), expected, rtol=1e-12)
    (graph,) = graphs  # one compute per pass
    own = [key for key in graph if isinstance(key, tuple) and str(key[0]).startswith("lsr-pass")]
    shared = [key for key in own if key[1] == "shared"]
    assert len(own) - len(shared) == tasks + (pass_name == "adjoint")  # the adjoint's sum


def test_chunks_in_this_process_keep_the_memoized_sweep(tmp_path):
    problem = make_lsr_problem(200, sample_shape=(16, 16, 16), ranks=2, random_state=0)
    options = {"ranks": 2, "separation_rank": 1, "schedule": "als", "max_iter": 4, "tol": 0.0}
    memory = InMemoryDesign(problem.X)
    expected = fit_lsr(memory, problem.y, init="spectral", **options)
    persisted = DaskDesign(da.from_array(problem.X, chunks=(50, 16, 16, 16)).persist())
    assert persisted.in_memory
    _assert_same_fit(expected, fit_lsr(persisted, problem.y, init="spectral", **options))
    assert persisted.passes == memory.passes  # one partial contraction per group, as in memory
    np.save(tmp_path / "X.npy", problem.X)
    assert not DaskDesign(open_npy(tmp_path / "X.npy", chunk_rows=50)).in_memory


@pytest.fixture(scope="module")
def cluster_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, memory_limit="400MiB",
        dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        yield client


@pytest.mark.parametrize("rule", ["qr", "muon"])
@pytest.mark.parametrize("family", ["gaussian", "logistic", "poisson"])
def test_local_cluster_fit_matches_in_memory(cluster_client, family, rule):
    problem = _problem(family)
    X = da.from_array(problem.X, chunks=(75, *SHAPE)).persist()
    expected = fit_lsr(problem.X, problem.y, family=family, rule=rule, **FIT)
    fit = fit_lsr(X, problem.y, family=family, rule=rule, **FIT)
    _assert_same_fit(expected, fit)
    assert isinstance(fit.coef, np.ndarray)  # the model comes back in memory


@pytest.mark.parametrize("pass_name", ["forward", "adjoint", "project"])
def test_a_cluster_pass_is_one_task_per_worker(cluster_client, monkeypatch, pass_name):
    problem = _problem(n=300)
    design = DaskDesign(da.from_array(problem.X, chunks=(50, *SHAPE)).persist())
    holders = cluster_client.who_has([design._graph[key] for key in design._chunk_keys])
    workers = {worker for held in holders.values() for worker in held}
    submitted = []
    submit = cluster_client.submit

    def recording_submit(*args, **kwargs):
        submitted.append(kwargs.get("workers"))
        return submit(*args, **kwargs)

    monkeypatch.setattr(cluster_client, "submit", recording_submit)
    calls = {
        "forward": lambda: design.forward(np.ones(SHAPE)),
        "adjoint": lambda: design.adjoint(np.arange(300.0)),
        "project": lambda: design.project([np.ones((6, 2)), None, np.ones((8, 2))]),
    }
    expected = {
        "forward": problem.X.reshape(300, -1) @ np.ones(math.prod(SHAPE)),
        "adjoint": np.arange(300.0) @ problem.X.reshape(300, -1),
        "project": np.einsum("nabc,ai,ck->nibk", problem.X, np.ones((6, 2)), np.ones((8, 2))),
    }[pass_name]
    result = calls[pass_name]()
    np.testing.assert_allclose(np.reshape(result, expected.shape), expected, rtol=1e-12)
    assert sorted(w for (w,) in submitted) == sorted(workers)  # each to the worker holding it
    assert design.passes == 1


def test_estimators_take_dask_arrays_and_predict_lazily():
    problem = _problem("logistic", n=1500)
    X = da.from_array(problem.X, chunks=(500, *SHAPE))
    options = {"ranks": 2, "separation_rank": 2, "max_iter": 5, "tol": 0.0, "init": "spectral"}
    lazy = LSRClassifier(**options).fit(X, problem.y)
    eager = LSRClassifier(**options).fit(problem.X, problem.y)
    scale = np.linalg.norm(eager.coef_)
    assert np.linalg.norm(lazy.coef_ - eager.coef_) <= 1e-8 * scale
    proba = lazy.predict_proba(X)
    assert isinstance(proba, da.Array)
    np.testing.assert_allclose(proba.compute(), eager.predict_proba(problem.X), rtol=1e-6)
    assert lazy.score(X, problem.y) == pytest.approx(eager.score(problem.X, problem.y))


def test_memory_mapped_npy_fits_directly_and_through_open_npy(tmp_path):
    problem = _problem(n=240)
    path = tmp_path / "X.npy"
    np.save(path, problem.X)
    expected = fit_lsr(problem.X, problem.y, **FIT)
    mapped = np.load(path, mmap_mode="r")
    _assert_same_fit(expected, fit_lsr(mapped, problem.y, **FIT))
    lazy = open_npy(path, chunk_rows=50)
    assert lazy.chunks[0] == (50, 50, 50, 50, 40)
    graph_bytes = len(pickle.dumps(dict(lazy.__dask_graph__())))
    assert graph_bytes < problem.X.nbytes / 20  # the tasks hold the path, not the data
    _assert_same_fit(expected, fit_lsr(lazy, problem.y, **FIT))


def test_open_npy_rejects_bad_chunk_rows(tmp_path):
    path = tmp_path / "X.npy"
    np.save(path, np.zeros((4, 2, 2)))
    with pytest.raises(ValueError, match="chunk_rows"):
        open_npy(path, chunk_rows=0)


def test_a_user_design_is_used_as_given():
    problem = _problem()
    design = InMemoryDesign(problem.X)
    fit = fit_lsr(design, problem.y, **FIT)
    assert design.passes > 0
    _assert_same_fit(fit_lsr(problem.X, problem.y, **FIT), fit)
    model = LSRRegressor(ranks=2, separation_rank=2, max_iter=3, random_state=0)
    assert model.fit(InMemoryDesign(problem.X), problem.y).sample_shape_ == SHAPE


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (da.zeros((10, 4), chunks=5), ValueError, "K >= 2"),
        (da.zeros((1, 3, 3), chunks=1), ValueError, "at least 2 samples"),
        (da.zeros((6, 3, 3), dtype=complex, chunks=3), TypeError, "must be real"),
        (da.full((6, 3, 3), math.nan, chunks=3), ValueError, "NaN or infinite"),
        (da.full((6, 3, 3), 1e200, chunks=3), ValueError, "overflow"),
    ],
)
def test_bad_dask_input_is_rejected_clearly(X, error, match):
    with pytest.raises(error, match=match):
        fit_lsr(X, np.zeros(X.shape[0]), ranks=1)


def test_dask_y_of_wrong_length_is_rejected():
    X = da.ones((6, 3, 3), chunks=3)
    with pytest.raises(ValueError, match="5 entries but X has 6 samples"):
        fit_lsr(X, da.zeros(5, chunks=5), ranks=1)


def test_unknown_chunk_sizes_are_reported():
    X = da.ones((6, 3, 3), chunks=3)
    X = X[X[:, 0, 0] > 0]  # boolean mask: unknown number of rows
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        fit_lsr(X, np.zeros(6), ranks=1)


def test_the_core_imports_without_dask():
    code = (
        "import sys; sys.modules['dask'] = None; import lsr_arrayapi, numpy as np; "
        "from lsr_arrayapi.data.datasets import make_lsr_problem; "
        "p = make_lsr_problem(200, sample_shape=(4, 5, 6), separation_rank=1, random_state=0); "
        "lsr_arrayapi.fit_lsr(p.X, p.y, ranks=2, max_iter=3)"
    )
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)


def test_missing_dask_array_pieces_give_an_install_hint(monkeypatch):
    X = da.ones((6, 3, 3), chunks=3)
    real_import = builtins.__import__

    def no_dask_array(name, *args, **kwargs):
        if name == "dask.array":
            raise ImportError("No module named 'toolz'")  # as with dask installed without extras
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask_array)
    with pytest.raises(ImportError, match=r"lsr_arrayapi\[dask\]"):
        fit_lsr(X, np.zeros(6), ranks=1)


def test_the_whole_fit_bench_compares_dask_with_numpy():
    from lsr_arrayapi.bench.dask_fit import whole_fit_rows
    from lsr_arrayapi.bench.stages import WholeFitSetting

    setting = WholeFitSetting("small", "logistic", 400, SHAPE, 2, 2)
    rows, failures = whole_fit_rows(cluster=False, repeat=1, settings=(setting,))
    assert failures == []  # the Dask fit ends at NumPy's loss
    assert [row[1] for row in rows] == ["NumPy", "Dask threads"]
    assert rows[0][4] == rows[1][4]  # the same passes over X
