import numpy as np
import pytest
import torch

from core.config import DATASETS, DataConfig
from core.data import make_dataset


@pytest.mark.parametrize("name", DATASETS)
def test_deterministic_shapes_and_standardized(name):
    cfg = DataConfig(dataset=name, n_samples=400, seed=3)
    a, b = make_dataset(cfg), make_dataset(cfg)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_val, b.y_val)
    assert len(a.x_train) + len(a.x_val) == 400
    assert len(a.x_val) == 100
    assert a.in_dim == (64 if name == "digits" else 1 if name == "regression" else 2)
    m = a.x_train.mean(0).numpy()
    s = a.x_train.std(0).numpy()
    assert np.allclose(m, 0, atol=1e-4)
    assert np.all((np.abs(s - 1) < 0.01) | (s < 1e-6))  # constant digit pixels stay 0
    if a.task == "classification":
        assert a.y_train.dtype == torch.int64
        assert set(a.y_train.unique().tolist()) <= set(range(a.n_classes))
    else:
        assert a.y_train.shape == (300, 1)


@pytest.mark.parametrize("name", DATASETS)
def test_different_seeds_give_different_data(name):
    a = make_dataset(DataConfig(dataset=name, n_samples=300, seed=1))
    b = make_dataset(DataConfig(dataset=name, n_samples=300, seed=2))
    assert not torch.equal(a.x_train, b.x_train)


def test_no_overlap_between_train_and_validation():
    d = make_dataset(DataConfig(dataset="moons", n_samples=500, noise=0.3, seed=5))
    train = {tuple(r) for r in d.x_train.numpy().round(6)}
    val = {tuple(r) for r in d.x_val.numpy().round(6)}
    assert not train & val


def test_class_counts_follow_setting():
    for name in ("spiral", "blobs"):
        d = make_dataset(DataConfig(dataset=name, n_classes=4, n_samples=800))
        assert d.n_classes == 4
        assert d.y_train.unique().numel() == 4
    assert make_dataset(DataConfig(dataset="digits")).n_classes == 10
