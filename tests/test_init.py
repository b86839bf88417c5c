import math

import pytest
import torch
from torch import nn

from core.config import INIT_SCHEMES, Config, InitConfig
from core.init import gain, init_linear, weight_std
from core.trainer import Trainer, build_model


def _layer(scheme, fan_in=400, fan_out=300, act="relu", **kw):
    torch.manual_seed(0)
    lin = nn.Linear(fan_in, fan_out)
    init_linear(lin, InitConfig(scheme=scheme, **kw), act)
    return lin


@pytest.mark.parametrize("scheme", INIT_SCHEMES)
@pytest.mark.parametrize("act", ["relu", "tanh", "linear", "leaky_relu"])
def test_weight_std_matches_closed_form(scheme, act):
    cfg = dict(sigma=0.05, a=0.2, value=0.0)
    w = _layer(scheme, act=act, **cfg).weight
    want = weight_std(scheme, 400, 300, InitConfig(scheme=scheme, **cfg), act)
    got = w.std().item()
    if want == 0:
        assert got == 0
    else:
        assert got == pytest.approx(want, rel=0.03)


def test_he_normal_std_is_sqrt_2_over_fan_in():
    w = _layer("kaiming_normal", fan_in=256, fan_out=512).weight
    assert w.std().item() == pytest.approx(math.sqrt(2 / 256), rel=0.02)
    assert gain("relu") == pytest.approx(math.sqrt(2))


def test_fan_out_mode_uses_fan_out():
    w = _layer("kaiming_normal", fan_in=100, fan_out=400, mode="fan_out").weight
    assert w.std().item() == pytest.approx(math.sqrt(2 / 400), rel=0.03)


def test_bias_options():
    assert torch.all(_layer("xavier_normal").bias == 0)
    assert torch.all(_layer("xavier_normal", bias="constant", bias_value=0.3).bias == 0.3)
    b = _layer("xavier_normal", fan_in=100, bias="default").bias
    assert b.abs().max() <= 0.1 and b.std() > 0


def test_same_seed_same_weights_other_seed_other_weights():
    cfg = Config()
    data = Trainer(cfg).data
    a, b = build_model(cfg, data), build_model(cfg, data)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    c = build_model(cfg.replace(**{"init.seed": 1}), data)
    assert not torch.equal(a.linears[0].weight, c.linears[0].weight)


def _act_stds(scheme, depth=20, width=256):
    torch.manual_seed(0)
    h = torch.randn(1000, width)
    stds = []
    for _ in range(depth):
        lin = nn.Linear(width, width)
        init_linear(lin, InitConfig(scheme=scheme), "relu")
        h = torch.relu(lin(h))
        stds.append(h.std().item())
    return stds


def test_deep_relu_he_keeps_variance_xavier_shrinks_it():
    he = _act_stds("kaiming_normal")
    assert 0.5 < he[-1] / he[0] < 2
    xav = _act_stds("xavier_normal")
    # Xavier with ReLU halves the variance per layer: std shrinks by sqrt(2) each time.
    ratio = (xav[-1] / xav[0]) ** (1 / 19)
    assert ratio == pytest.approx(1 / math.sqrt(2), rel=0.05)


def test_zero_init_keeps_hidden_units_identical_after_training():
    cfg = Config().replace(
        **{"init.scheme": "zeros", "init.bias": "constant", "init.bias_value": 0.1}
    )
    cfg = cfg.replace(**{"train.steps": 200, "model.activation": "tanh"})
    tr = Trainer(cfg)
    tr.run()
    assert tr.status == "finished"
    for lin in tr.model.linears[:-1]:
        w = lin.weight
        assert torch.allclose(w, w[0:1].expand_as(w), atol=1e-6)  # all rows (units) equal
    # ...while they did move: the net learned something, symmetrically
    assert tr.model.linears[-1].weight.abs().sum() > 0
