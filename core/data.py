"""Datasets: deterministic by seed, split into train/validation, inputs standardized.

scikit-learn makes moons, circles and blobs and ships the 8x8 digits; spiral, XOR and
the 1-D regression curve are a few lines of numpy. Everything draws from one
numpy Generator seeded by DataConfig.seed, so the same seed gives the same points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.datasets import load_digits, make_blobs, make_circles, make_moons

from core.config import DataConfig


@dataclass
class Dataset:
    x_train: torch.Tensor  # (N_train, D_in) float32, standardized
    y_train: torch.Tensor  # (N_train,) int64 labels, or (N_train, 1) float32 targets
    x_val: torch.Tensor
    y_val: torch.Tensor
    task: str  # "classification" or "regression"
    n_classes: int  # 0 for regression
    mean: np.ndarray  # standardization of the raw inputs: x_std = (x_raw - mean) / std
    std: np.ndarray

    @property
    def in_dim(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_train(self) -> int:
        return self.x_train.shape[0]


def _spiral(n, noise, k, rng):
    # k arms; each point: radius r in (0, 1], angle grows with r (one turn) plus arm offset.
    y = rng.integers(0, k, n)
    r = rng.uniform(0.05, 1.0, n)
    theta = 2 * np.pi * (y / k) + 1.75 * np.pi * r + rng.normal(0, noise, n) * 0.6
    x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return x, y


def _xor(n, noise, rng):
    x = rng.uniform(-1, 1, (n, 2))
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)
    return x + rng.normal(0, noise * 0.3, x.shape), y


def _regression(n, noise, rng):
    x = rng.uniform(-3, 3, (n, 1))
    y = np.sin(1.5 * x) + 0.3 * x + rng.normal(0, noise, (n, 1))
    return x, y


def raw_data(cfg: DataConfig) -> tuple[np.ndarray, np.ndarray, int]:
    """(x, y, n_classes) before the split; n_classes 0 means regression."""
    rng = np.random.default_rng(cfg.seed)
    sk_seed = int(rng.integers(0, 2**31 - 1))  # sklearn takes an int seed
    n, noise = cfg.n_samples, cfg.noise
    if cfg.dataset == "moons":
        x, y = make_moons(n, noise=noise, random_state=sk_seed)
        return x, y, 2
    if cfg.dataset == "circles":
        x, y = make_circles(n, noise=noise * 0.5, factor=0.5, random_state=sk_seed)
        return x, y, 2
    if cfg.dataset == "blobs":
        x, y = make_blobs(
            n, centers=cfg.n_classes, cluster_std=0.5 + 3 * noise, random_state=sk_seed
        )
        return x, y, cfg.n_classes
    if cfg.dataset == "spiral":
        x, y = _spiral(n, noise, cfg.n_classes, rng)
        return x, y, cfg.n_classes
    if cfg.dataset == "xor":
        x, y = _xor(n, noise, rng)
        return x, y, 2
    if cfg.dataset == "regression":
        x, y = _regression(n, noise, rng)
        return x, y, 0
    if cfg.dataset == "digits":
        # 1,797 bundled 8x8 images; n_samples picks a seeded subset, noise adds pixel noise.
        d = load_digits()
        idx = rng.permutation(len(d.target))[: min(n, len(d.target))]
        x = d.data[idx] + rng.normal(0, noise * 4.0, (len(idx), 64))
        return x, d.target[idx], 10
    raise ValueError(f"data.dataset = {cfg.dataset!r} is not a known dataset")


def make_dataset(cfg: DataConfig) -> Dataset:
    x, y, n_classes = raw_data(cfg)
    rng = np.random.default_rng([cfg.seed, 1])  # the split has its own stream
    perm = rng.permutation(len(x))
    n_val = max(1, int(round(cfg.val_fraction * len(x))))
    val, train = perm[:n_val], perm[n_val:]
    mean = x[train].mean(axis=0)
    std = x[train].std(axis=0)
    std = np.where(std > 1e-8, std, 1.0)  # constant digit pixels would divide by zero
    xs = ((x - mean) / std).astype(np.float32)
    if n_classes:
        yt = torch.as_tensor(y, dtype=torch.int64)
    else:
        yt = torch.as_tensor(np.asarray(y, dtype=np.float32).reshape(-1, 1))
    xt = torch.as_tensor(xs)
    return Dataset(
        x_train=xt[train],
        y_train=yt[train],
        x_val=xt[val],
        y_val=yt[val],
        task="classification" if n_classes else "regression",
        n_classes=n_classes,
        mean=mean,
        std=std,
    )
