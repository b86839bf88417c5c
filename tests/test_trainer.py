import math

import numpy as np
import pytest
import torch

from core.config import Config
from core.trainer import Trainer


def test_default_config_learns():
    tr = Trainer(Config().replace(**{"train.steps": 1500}))
    tr.run()
    p = tr.history.snapshot(None)["probes"]
    assert tr.status == "finished" and tr.t == 1500
    assert p["val_loss"][-1] < 0.5 * p["val_loss"][0]
    assert p["val_acc"][-1] > 0.85


def test_regression_learns_and_has_no_accuracy():
    tr = Trainer(Config().replace(**{"data.dataset": "regression", "train.steps": 1500}))
    tr.run()
    p = tr.history.snapshot(None)["probes"]
    assert "val_acc" not in p
    assert p["val_loss"][-1] < 0.3 * p["val_loss"][0]


def test_replay_from_same_seed_is_identical():
    cfg = Config().replace(**{"train.steps": 50})
    a, b = Trainer(cfg), Trainer(cfg)
    a.run()
    b.run()
    for p, q in zip(a.model.parameters(), b.model.parameters()):
        assert torch.equal(p, q)
    np.testing.assert_array_equal(
        a.history.snapshot(None)["steps"]["loss"], b.history.snapshot(None)["steps"]["loss"]
    )


def test_divergence_stops_with_status_and_keeps_history():
    cfg = Config().replace(
        **{"optim.optimizer": "sgd", "optim.lr": 10.0, "init.scheme": "normal", "init.sigma": 3.0}
    )
    tr = Trainer(cfg)
    tr.run()  # must not raise
    assert tr.status == "diverged"
    assert tr.diverged_at is not None and tr.diverged_at < 100
    loss = tr.history.snapshot(None)["steps"]["loss"]
    assert len(loss) == tr.diverged_at and np.all(np.isfinite(loss))
    tr.step()  # a diverged trainer ignores further steps
    assert tr.t == tr.diverged_at


def test_lr_change_takes_effect_at_next_step():
    tr = Trainer(Config().replace(**{"optim.optimizer": "sgd"}))
    tr.step()
    tr.set_lr(0.001)
    tr.step()
    lrs = tr.history.snapshot(None)["steps"]["lr"]
    assert lrs[0] == pytest.approx(0.05) and lrs[1] == pytest.approx(0.001)


@pytest.mark.parametrize("schedule", ["step", "cosine"])
def test_schedules(schedule):
    cfg = Config().replace(**{"optim.schedule": schedule, "optim.step_size": 10, "train.steps": 40})
    tr = Trainer(cfg)
    tr.run()
    lrs = tr.history.snapshot(None)["steps"]["lr"]
    assert lrs[0] == pytest.approx(0.05)
    if schedule == "step":
        assert lrs[10] == pytest.approx(0.025) and lrs[39] == pytest.approx(0.05 * 0.5**3)
    else:
        assert lrs[20] == pytest.approx(0.05 * (1 + math.cos(math.pi * 20 / 40)) / 2)


@pytest.mark.parametrize("opt", ["sgd", "momentum", "adam"])
def test_optimizers_train(opt):
    lr = 0.01 if opt == "adam" else 0.1
    tr = Trainer(Config().replace(**{"optim.optimizer": opt, "optim.lr": lr, "train.steps": 600}))
    tr.run()
    p = tr.history.snapshot(None)["probes"]
    assert p["train_loss"][-1] < 0.7 * p["train_loss"][0]


def test_batch_size_larger_than_data_uses_full_batch():
    cfg = Config().replace(**{"optim.batch_size": 4096, "data.n_samples": 100})
    tr = Trainer(cfg)
    assert tr.batch_size == 75
    tr.step()
    tr.step()
    assert tr.t == 2
