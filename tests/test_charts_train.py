"""The Train page's figures, tested as data."""

import numpy as np
import pytest

from core.charts import train as charts
from core.config import Config
from core.readout import boundary_grid, confusion, fitted_curve, layer_table
from core.trainer import Trainer


@pytest.fixture(scope="module")
def trained():
    tr = Trainer(Config().replace(**{"model.depth": 4, "train.steps": 120, "optim.batch_size": 40}))
    tr.run()
    return tr, tr.history.snapshot(500)


def test_grad_norm_figure_has_one_trace_per_layer_with_stable_colours(trained):
    tr, snap = trained
    fig = charts.grad_norm_figure(snap, tr.layers, "grad_w")
    assert [t.name for t in fig.data] == tr.layers
    assert fig.layout.yaxis.type == "log"
    colors = [t.line.color for t in fig.data]
    assert len(set(colors)) == len(tr.layers)
    # the same layer gets the same colour on the other per-layer charts
    other = charts.layer_stat_figure(snap, tr.layers, "update_ratio", "r", log_y=True)
    assert [t.line.color for t in other.data] == colors
    np.testing.assert_allclose(fig.data[0].y, snap["steps"]["grad_w/hidden 1"])


def test_histogram_counts_add_up_to_batch_times_width(trained):
    tr, snap = trained
    h = snap["hists"][-1]
    fig = charts.histogram_figure(h, tr.layers, show="post")
    hidden = [t for t in fig.data if t.name.startswith("h:")]
    assert len(hidden) == len(tr.layers) - 1  # the output layer has no h = a[f]
    for t in hidden:
        assert sum(t.y) == 40 * tr.cfg.model.width
    both = charts.histogram_figure(h, tr.layers, show="both")
    assert len(both.data) == 2 * len(tr.layers) - 1


def test_loss_figure_log_scale_hides_nonpositive_values():
    snap = {
        "steps": {"step": np.arange(3.0), "loss": np.array([1.0, 0.0, np.inf])},
        "probes": {"step": np.arange(2.0), "train_loss": np.array([1.0, 0.5]),
                   "val_loss": np.array([np.nan, 0.4])},
    }  # fmt: skip
    fig = charts.loss_figure(snap, log_y=True)
    assert fig.layout.yaxis.type == "log"
    assert np.isnan(fig.data[0].y[1]) and np.isnan(fig.data[0].y[2])
    lin = charts.loss_figure(snap, log_y=False)
    assert lin.layout.yaxis.type != "log" and lin.data[0].y[1] == 0.0


def test_boundary_confusion_and_curve(trained):
    tr, _ = trained
    gx, gy, probs = boundary_grid(tr, n=30)
    assert probs.shape == (30, 30, 2)
    np.testing.assert_allclose(probs.sum(-1), 1, atol=1e-5)
    fig = charts.boundary_figure(gx, gy, probs, tr.data.x_val.numpy(), tr.data.y_val.numpy(), 2)
    assert sum(len(t.x) for t in fig.data[1:]) == len(tr.data.x_val)

    reg = Trainer(Config().replace(**{"data.dataset": "regression", "train.steps": 5}))
    xs, ys = fitted_curve(reg)
    assert xs.shape == ys.shape == (200,)

    dig = Trainer(Config().replace(**{"data.dataset": "digits", "train.steps": 5}))
    m = confusion(dig)
    assert m.shape == (10, 10) and m.sum() == len(dig.data.y_val)


def test_layer_table_flags_update_ratio(trained):
    tr, snap = trained
    rows = layer_table(snap, tr.layers, "relu")
    assert [r["layer"] for r in rows] == tr.layers
    assert all("% dead" in r for r in rows)
    snap2 = {**snap, "probes": {**snap["probes"]}}
    snap2["probes"]["update_ratio/hidden 1"] = np.array([1e-7])
    assert "too small" in layer_table(snap2, tr.layers, "relu")[0]["vs 1e-3"]


def test_a_series_of_one_point_is_drawn_as_a_marker():
    tr = Trainer(Config().replace(**{"train.steps": 100}))
    for _ in range(3):
        tr.step()
    snap = tr.history.snapshot(500)
    assert len(snap["probes"]["step"]) == 1
    fig = charts.accuracy_figure(snap)
    assert all("markers" in t.mode for t in fig.data)
    tr.run(50)
    assert charts.loss_figure(tr.history.snapshot(500)).data[0].mode == "lines"
