"""What the Train page reads off a live Trainer besides its history.

These run in the page's thread while the training thread may be updating the
weights: they only read (under no_grad), and a torn read of a few weights only
affects one frame of a picture.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from core.models import class_probs, predict
from core.trainer import Trainer

UPDATE_RATIO_TARGET = 1e-3  # the usual rule of thumb: updates about 1/1000 of the weights


@torch.no_grad()
def boundary_grid(tr: Trainer, n: int = 60):
    """Class probabilities on an n x n grid over the (standardized) 2-D inputs."""
    x = torch.cat([tr.data.x_train, tr.data.x_val])
    lo, hi = x.min(0).values - 0.5, x.max(0).values + 0.5
    gx = torch.linspace(lo[0].item(), hi[0].item(), n)
    gy = torch.linspace(lo[1].item(), hi[1].item(), n)
    yy, xx = torch.meshgrid(gy, gx, indexing="ij")
    pts = torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)
    probs = class_probs(tr.model(pts)).reshape(n, n, -1)
    return gx.numpy(), gy.numpy(), np.nan_to_num(probs.numpy(), nan=0.5)


@torch.no_grad()
def fitted_curve(tr: Trainer, n: int = 200):
    x = torch.cat([tr.data.x_train, tr.data.x_val])
    xs = torch.linspace(x.min().item() - 0.2, x.max().item() + 0.2, n).reshape(-1, 1)
    return xs[:, 0].numpy(), tr.model(xs)[:, 0].numpy()


@torch.no_grad()
def confusion(tr: Trainer) -> np.ndarray:
    c = tr.data.n_classes
    pred = predict(tr.model(tr.data.x_val))
    m = torch.zeros(c, c, dtype=torch.long)
    m.index_put_((tr.data.y_val, pred), torch.ones_like(pred), accumulate=True)
    return m.numpy()


def stuck_label(activation: str) -> str:
    return {"tanh": "saturated", "sigmoid": "saturated", "linear": "stuck"}.get(activation, "dead")


def layer_table(snap: dict, layers: list[str], activation: str) -> list[dict]:
    """One row per layer at the latest probe: the numbers a student checks first."""
    p, s = snap["probes"], snap["steps"]
    if len(p["step"]) == 0:
        return []
    label = stuck_label(activation)
    rows = []
    for name in layers:
        ratio = float(p[f"update_ratio/{name}"][-1])
        if not math.isfinite(ratio):
            flag = "—"
        elif ratio < UPDATE_RATIO_TARGET / 10:
            flag = "too small (learns slowly)"
        elif ratio > UPDATE_RATIO_TARGET * 10:
            flag = "too large (unstable)"
        else:
            flag = "≈ 1e-3 ✓"
        rows.append(
            {
                "layer": name,
                "activation mean": float(p[f"post_mean/{name}"][-1]),
                "activation std": float(p[f"post_std/{name}"][-1]),
                f"% {label}": 100 * float(p[f"stuck/{name}"][-1]),
                "‖∂ℓ/∂Ω‖": float(s[f"grad_w/{name}"][-1]) if len(s["step"]) else float("nan"),
                "update / weight": ratio,
                "vs 1e-3": flag,
            }
        )
    return rows
