import numpy as np
import pytest

from core.history import History, HistSnapshot, Series, thin_indices


def test_series_keeps_everything_until_full():
    s = Series(["a"], capacity=8)
    for i in range(8):
        s.add(i, [float(i)])
    t = s.table()
    assert t[:, 0].tolist() == list(range(8)) and t[:, 1].tolist() == list(range(8))


def test_series_merges_pairs_and_keeps_means():
    s = Series(["a"], capacity=8)
    n = 1000
    for i in range(n):
        s.add(i, [float(i)])
    t = s.table()
    assert len(t) <= 8 + 1  # full rows plus the bucket being filled
    assert t[-1, 0] == n - 1  # the latest step is always visible
    # every row is the mean of the steps it holds, so the overall mean is preserved
    assert np.all(np.diff(t[:, 0]) > 0)
    assert t[0, 1] == pytest.approx(np.mean(np.arange(s.stride)), rel=1e-9)
    assert t[0, 0] == s.stride - 1


def test_history_memory_bounded_for_a_million_steps():
    layers = 31
    h = History([f"c{i}" for i in range(2 + 3 * layers)], [f"p{i}" for i in range(4 + 7 * layers)])
    hist = HistSnapshot(0, [(np.zeros(31, np.float32), np.zeros(30, np.int64))] * layers, [])
    vals = np.ones(2 + 3 * layers)
    pvals = np.ones(4 + 7 * layers)
    for step in range(1_000_000):
        h.record_step(step, vals)
        if step % 10 == 0:
            h.record_probe(step, pvals, hist)
    assert h.nbytes() < 50 * 2**20
    snap = h.snapshot(max_points=500)
    assert len(snap["steps"]["step"]) <= 500 and len(snap["hists"]) <= h.max_hists
    assert snap["steps"]["step"][-1] == 999_999


def test_thin_indices():
    assert thin_indices(10, 500).tolist() == list(range(10))
    idx = thin_indices(10_000, 500)
    assert len(idx) <= 500 and idx[0] == 0 and idx[-1] == 9_999


def test_add_many_equals_add_one_by_one():
    rng = np.random.default_rng(0)
    vals = rng.normal(size=(777, 3))
    a, b = Series(["x", "y", "z"], capacity=16), Series(["x", "y", "z"], capacity=16)
    for i, v in enumerate(vals):
        a.add(i, v)
    for lo in range(0, 777, 50):
        b.add_many(list(range(lo, min(lo + 50, 777))), vals[lo : lo + 50])
    np.testing.assert_allclose(a.table(), b.table())
    assert a.stride == b.stride
