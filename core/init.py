"""Initialization schemes: a registry of names over torch.nn.init.

Nothing here draws random numbers by hand: every scheme is a torch.nn.init call
(or nn.Linear's own reset_parameters for "default"), so what students see is
exactly what PyTorch does. He/Kaiming's gain follows the activation, as
torch.nn.init.calculate_gain defines it; Xavier and orthogonal keep gain 1.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from contextlib import contextmanager

import torch
from torch import nn

from core.config import InitConfig

# GELU has no entry in calculate_gain; it behaves like ReLU for positive inputs,
# so He's ReLU gain sqrt(2) is the usual choice.
_GAIN_NAME = {
    "relu": "relu",
    "gelu": "relu",
    "leaky_relu": "leaky_relu",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "linear": "linear",
}
LEAKY_SLOPE = 0.01  # nn.LeakyReLU's default; the He gain depends on it

# torch.nn.init draws from torch's one global generator. Every browser session builds
# its networks in the same process, so seeding and drawing happen under one lock, on a
# forked generator state: two sessions pressing Train at once still get their own seeds.
_RNG_LOCK = threading.Lock()


@contextmanager
def seeded(seed: int):
    """Draw from torch's global generator seeded with `seed`, alone, then restore it."""
    with _RNG_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def gain(activation: str) -> float:
    """calculate_gain for our activation names."""
    name = _GAIN_NAME[activation]
    return nn.init.calculate_gain(name, LEAKY_SLOPE if name == "leaky_relu" else None)


def _kaiming_nonlinearity(activation: str) -> tuple[str, float]:
    # kaiming_* accepts only relu/leaky_relu (or linear-like names) with a slope `a`;
    # for tanh/sigmoid we pass "linear" and rescale by their gain afterwards.
    name = _GAIN_NAME[activation]
    if name in ("relu", "leaky_relu"):
        return name, LEAKY_SLOPE if name == "leaky_relu" else 0.0
    return "linear", 0.0


def _kaiming(kind: str) -> Callable[[torch.Tensor, InitConfig, str], None]:
    def init(w: torch.Tensor, cfg: InitConfig, activation: str) -> None:
        nonlin, a = _kaiming_nonlinearity(activation)
        fn = nn.init.kaiming_normal_ if kind == "normal" else nn.init.kaiming_uniform_
        fn(w, a=a, mode=cfg.mode, nonlinearity=nonlin)
        if nonlin == "linear":
            with torch.no_grad():
                w.mul_(gain(activation))

    return init


# name -> fn(weight, cfg, activation); the weight is an nn.Linear weight (out, in).
WEIGHT_INITS: dict[str, Callable[[torch.Tensor, InitConfig, str], None]] = {
    "zeros": lambda w, c, act: nn.init.zeros_(w),
    "constant": lambda w, c, act: nn.init.constant_(w, c.value),
    "normal": lambda w, c, act: nn.init.normal_(w, 0.0, c.sigma),
    "uniform": lambda w, c, act: nn.init.uniform_(w, -c.a, c.a),
    # Glorot's schemes keep torch's default gain 1, as in the paper: with ReLU they
    # halve the variance per layer, which is the lesson. He matches the activation.
    "xavier_uniform": lambda w, c, act: nn.init.xavier_uniform_(w),
    "xavier_normal": lambda w, c, act: nn.init.xavier_normal_(w),
    "kaiming_uniform": _kaiming("uniform"),
    "kaiming_normal": _kaiming("normal"),
    # LeCun normal is He normal with gain 1: std = 1/sqrt(fan_in).
    "lecun_normal": lambda w, c, act: nn.init.kaiming_normal_(w, nonlinearity="linear"),
    "orthogonal": lambda w, c, act: nn.init.orthogonal_(w),
}

LABELS = {
    "default": "PyTorch default (Kaiming-uniform, a=√5)",
    "zeros": "zeros",
    "constant": "constant",
    "normal": "normal N(0, σ²)",
    "uniform": "uniform U(−a, a)",
    "xavier_uniform": "Xavier/Glorot uniform",
    "xavier_normal": "Xavier/Glorot normal",
    "kaiming_uniform": "He/Kaiming uniform",
    "kaiming_normal": "He/Kaiming normal",
    "lecun_normal": "LeCun normal",
    "orthogonal": "orthogonal",
}


def weight_std(scheme: str, fan_in: int, fan_out: int, cfg: InitConfig, activation: str) -> float:
    """The standard deviation a scheme gives each weight, in closed form.

    Used for the theory lines (Initialization page) and the tests of the registry.
    Orthogonal matrices have entries of std gain/sqrt(max(fan_in, fan_out)) on average
    (rows or columns are unit vectors).
    """
    g = gain(activation)
    fan = fan_in if cfg.mode == "fan_in" else fan_out
    table = {
        "default": 1.0 / math.sqrt(3 * fan_in),  # U(±1/sqrt(fan_in)) has std bound/sqrt(3)
        "zeros": 0.0,
        "constant": 0.0,
        "normal": cfg.sigma,
        "uniform": cfg.a / math.sqrt(3),
        "xavier_uniform": math.sqrt(2.0 / (fan_in + fan_out)),
        "xavier_normal": math.sqrt(2.0 / (fan_in + fan_out)),
        "kaiming_uniform": g / math.sqrt(fan),
        "kaiming_normal": g / math.sqrt(fan),
        "lecun_normal": 1.0 / math.sqrt(fan_in),
        "orthogonal": 1.0 / math.sqrt(max(fan_in, fan_out)),
    }
    return table[scheme]


@torch.no_grad()
def init_linear(layer: nn.Linear, cfg: InitConfig, activation: str) -> None:
    """Initialize one layer in place. The caller seeds torch's RNG once beforehand."""
    if cfg.scheme == "default":
        layer.reset_parameters()  # also draws the default bias
    else:
        WEIGHT_INITS[cfg.scheme](layer.weight, cfg, activation)
    if layer.bias is None:
        return
    if cfg.bias == "zeros":
        nn.init.zeros_(layer.bias)
    elif cfg.bias == "constant":
        nn.init.constant_(layer.bias, cfg.bias_value)
    elif cfg.scheme != "default":
        bound = 1.0 / math.sqrt(layer.in_features)
        nn.init.uniform_(layer.bias, -bound, bound)
