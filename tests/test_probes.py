"""The probes must report exactly what autograd computes for the same batch."""

import numpy as np
import pytest
import torch

from core.config import Config
from core.models import loss_fn
from core.probes import histogram, stuck_fraction
from core.trainer import Trainer


def _one_step(cfg):
    tr = Trainer(cfg)
    gen_state = tr._gen.get_state()
    tr.step()
    # Recompute the same first batch with plain autograd on a fresh copy of the model.
    ref = Trainer(cfg)
    ref._gen.set_state(gen_state)
    xb, yb = ref._next_batch()
    out, pre, _ = ref.model.forward_all(xb)
    loss = loss_fn(out, yb)
    params = [lin.weight for lin in ref.model.linears] + [lin.bias for lin in ref.model.linears]
    grads = torch.autograd.grad(loss, params + pre)
    return tr, loss.item(), [g.norm().item() for g in grads]


@pytest.mark.parametrize(
    "change",
    [{}, {"data.dataset": "digits", "model.activation": "tanh"}, {"data.dataset": "regression"}],
)
def test_grad_norms_equal_autograd(change):
    cfg = Config().replace(**change)
    tr, loss, want = _one_step(cfg)
    s = tr.history.snapshot(None)["steps"]
    layers = tr.layers
    got = (
        [s[f"grad_w/{n}"][0] for n in layers]
        + [s[f"grad_b/{n}"][0] for n in layers]
        + [s[f"grad_f/{n}"][0] for n in layers]
    )
    assert s["loss"][0] == pytest.approx(loss, rel=1e-6)
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_histogram_counts_cover_every_activation():
    cfg = Config().replace(**{"optim.batch_size": 50, "model.width": 12})
    tr = Trainer(cfg)
    tr.step()
    snap = tr.history.snapshot(None)["hists"][0]
    for edges, counts in snap.post[:-1]:
        assert counts.sum() == 50 * 12
        assert len(edges) == len(counts) + 1 == cfg.train.hist_bins + 1


def test_histogram_of_constant_and_nonfinite_values():
    edges, counts = histogram(torch.zeros(10, 4), 10)
    assert counts.sum() == 40 and edges[0] < 0 < edges[-1]
    edges, counts = histogram(torch.tensor([1.0, float("inf"), float("nan"), 2.0]), 5)
    assert counts.sum() == 2


def test_stuck_units():
    f = torch.tensor([[-1.0, 2.0, -3.0], [-2.0, -1.0, -1.0]])  # unit 0 and 2 never fire
    assert stuck_fraction(f, "relu") == pytest.approx(2 / 3)
    assert stuck_fraction(torch.full((5, 4), 10.0), "tanh") == 1.0
    assert stuck_fraction(torch.zeros(5, 4), "sigmoid") == 0.0
    assert stuck_fraction(f, "linear") == 0.0


def test_update_ratio_is_relative_change_of_weights():
    cfg = Config().replace(**{"optim.optimizer": "sgd", "train.probe_every": 1})
    tr = Trainer(cfg)
    w0 = [lin.weight.detach().clone() for lin in tr.model.linears]
    tr.step()
    p = tr.history.snapshot(None)["probes"]
    for k, name in enumerate(tr.layers):
        w1 = tr.model.linears[k].weight.detach()
        want = ((w1 - w0[k]).norm() / w0[k].norm()).item()
        assert p[f"update_ratio/{name}"][0] == pytest.approx(want, rel=1e-5)
        assert p[f"weight_norm/{name}"][0] == pytest.approx(w1.norm().item(), rel=1e-5)


def test_segment_stats_match_numpy_per_tensor():
    from core.probes import segment_stats

    g = torch.Generator().manual_seed(0)
    ts = [torch.randn(40, 7, generator=g) * 3, torch.rand(40, 7, generator=g), torch.zeros(40, 2)]
    ts.append(torch.tensor([[1.0, float("nan")], [float("inf"), 3.0]]))
    s = segment_stats(ts, bins=12)
    for k, t in enumerate(ts):
        v = t.reshape(-1).numpy()
        v = v[np.isfinite(v)]
        assert s["mean"][k] == pytest.approx(v.mean(), abs=1e-6)
        assert s["std"][k] == pytest.approx(v.std(ddof=1), abs=1e-5)
        edges, counts = s["hist"][k]
        assert counts.sum() == len(v)
        if v.max() > v.min():
            want, _ = np.histogram(v, bins=12, range=(v.min(), v.max()))
            np.testing.assert_array_equal(counts, want)
