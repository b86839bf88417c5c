"""Build the network and its loss from names in the config.

The MLP is a list of nn.Linear layers with one activation between them. Its
forward pass can hand back every pre-activation f_k and post-activation h_k
(the book's notation), which is how the probes see inside the net without any
module hooks.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from core.config import ModelConfig
from core.init import LEAKY_SLOPE

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(LEAKY_SLOPE),
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "linear": nn.Identity,
}


class MLP(nn.Module):
    """depth hidden layers of `width` units, then a linear output layer."""

    def __init__(self, in_dim: int, out_dim: int, cfg: ModelConfig):
        super().__init__()
        dims = [in_dim] + [cfg.width] * cfg.depth + [out_dim]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.act = ACTIVATIONS[cfg.activation]()
        self.activation = cfg.activation
        # Stable, human names: "hidden 1" ... "hidden N", "output". Charts and CSV use them.
        self.layer_names = [f"hidden {i + 1}" for i in range(cfg.depth)] + ["output"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_all(x)[0]

    def forward_all(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
        """Output, pre-activations f_k (B, width) and post-activations h_k.

        The f_k stay in the autograd graph, so torch.autograd.grad(loss, f_k) gives the
        backprop signal dloss/df_k without any hook.
        """
        pre, post = [], []
        h = x
        last = len(self.linears) - 1
        for k, lin in enumerate(self.linears):
            f = lin(h)
            pre.append(f)
            if k < last:
                h = self.act(f)
                post.append(h)
        return f, pre, post


def output_dim(task: str, n_classes: int, binary_head: str) -> int:
    if task == "regression":
        return 1
    if n_classes == 2 and binary_head == "sigmoid":
        return 1
    return n_classes


def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The loss follows the output: least squares, sigmoid BCE (1 logit) or softmax CE."""
    if y.dtype.is_floating_point:
        return F.mse_loss(out, y)
    if out.shape[1] == 1:
        return F.binary_cross_entropy_with_logits(out[:, 0], y.to(out.dtype))
    return F.cross_entropy(out, y)


def loss_name(out_dim: int, task: str) -> str:
    if task == "regression":
        return "least squares"
    return "sigmoid binary cross-entropy" if out_dim == 1 else "softmax cross-entropy"


def predict(out: torch.Tensor) -> torch.Tensor:
    """Class labels from logits (classification only)."""
    return (out[:, 0] > 0).long() if out.shape[1] == 1 else out.argmax(dim=1)


def class_probs(out: torch.Tensor) -> torch.Tensor:
    """(B, C) probabilities from logits, for decision-boundary shading."""
    if out.shape[1] == 1:
        p = torch.sigmoid(out[:, 0])
        return torch.stack([1 - p, p], dim=1)
    return torch.softmax(out, dim=1)
