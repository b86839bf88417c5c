"""One-click experiments for the Train page, each with the one line it teaches.

A preset is a set of flat changes on top of the defaults (so it fits in a URL
like any other config). Apart from "sensible default", each one isolates one
initialization effect from chapter 7.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import Config


@dataclass(frozen=True)
class Preset:
    name: str
    lesson: str
    changes: dict

    def config(self) -> Config:
        return Config().replace(**self.changes)


_DEEP = {"model.depth": 10, "model.width": 32, "optim.optimizer": "sgd", "optim.lr": 0.05}

PRESETS = [
    Preset(
        "Sensible default",
        "He init, ReLU, SGD with momentum: trains the moons in a few hundred steps.",
        {},
    ),
    Preset(
        "Zero init (symmetry)",
        "Every hidden unit starts identical, gets the same gradient and stays identical: "
        "the layer behaves like one unit.",
        {"init.scheme": "zeros", "init.bias": "constant", "init.bias_value": 0.1,
         "model.activation": "tanh", "optim.optimizer": "sgd", "optim.lr": 0.5},
    ),  # fmt: skip
    Preset(
        "Too-small normal (vanishing)",
        "σ = 0.01: every layer shrinks the signal, so activations and gradients of the early "
        "layers are ~0 and nothing trains.",
        {**_DEEP, "init.scheme": "normal", "init.sigma": 0.01},
    ),
    Preset(
        "Too-large normal (exploding)",
        "σ = 1 with 32 inputs per unit multiplies the variance by ~16 per layer: "
        "the loss blows up or diverges.",
        {**_DEEP, "init.scheme": "normal", "init.sigma": 1.0},
    ),
    Preset(
        "Xavier on a deep ReLU net",
        "Xavier's variance 1/fan_in is half what ReLU needs: the signal halves layer after "
        "layer and the first layers barely learn. Compare with He.",
        {**_DEEP, "model.depth": 20, "init.scheme": "xavier_normal"},
    ),
    Preset(
        "He on a deep ReLU net",
        "He's variance 2/fan_in makes up for ReLU zeroing half the units: every layer gets a "
        "gradient of similar size.",
        {**_DEEP, "model.depth": 20, "init.scheme": "kaiming_normal"},
    ),
    Preset(
        "Deep sigmoid net",
        "Sigmoid's slope is at most 1/4, so each layer shrinks the gradient at least 4x: the "
        "first layers of a deep sigmoid net hardly move.",
        {**_DEEP, "model.activation": "sigmoid", "init.scheme": "xavier_normal"},
    ),
]

BY_NAME = {p.name: p for p in PRESETS}
