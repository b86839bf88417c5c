"""Trainer: one experiment, stepped one batch at a time in the caller's thread.

Nothing in this file knows about Streamlit or threads. A caller builds a
Trainer from a Config, calls step() as often as it likes and reads `history`,
`t` and `status`. core/run.py wraps Trainers in a background thread.
"""

from __future__ import annotations

import math
import threading

import torch

from core.config import Config
from core.data import Dataset, make_dataset
from core.history import History, HistSnapshot
from core.init import init_linear, seeded
from core.models import MLP, loss_fn, loss_name, output_dim, predict
from core.probes import grad_norms, layer_probe

LAYER_STATS = (
    "pre_mean",
    "pre_std",
    "post_mean",
    "post_std",
    "stuck",
    "weight_norm",
    "update_ratio",
)
FLUSH_EVERY = 32  # steps buffered before they are written to the History
GRAD_KINDS = ("grad_w", "grad_b", "grad_f")  # weights, biases, dloss/df_k (backprop signal)


def build_model(cfg: Config, data: Dataset) -> MLP:
    """The model with its initial weights: seeded, so the same config gives the same net."""
    out_dim = output_dim(data.task, data.n_classes, cfg.model.binary_head)
    with seeded(cfg.init.seed):
        model = MLP(data.in_dim, out_dim, cfg.model)
        for lin in model.linears:
            init_linear(lin, cfg.init, cfg.model.activation)
    return model


def build_optimizer(cfg: Config, params) -> torch.optim.Optimizer:
    o = cfg.optim
    if o.optimizer == "adam":
        return torch.optim.Adam(params, lr=o.lr, weight_decay=o.weight_decay)
    momentum = o.momentum if o.optimizer == "momentum" else 0.0
    return torch.optim.SGD(params, lr=o.lr, momentum=momentum, weight_decay=o.weight_decay)


def build_scheduler(cfg: Config, opt: torch.optim.Optimizer):
    o = cfg.optim
    if o.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=o.step_size, gamma=o.gamma)
    if o.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.train.steps)
    return None


def step_names(layers: list[str]) -> list[str]:
    return ["loss", "lr"] + [f"{kind}/{name}" for kind in GRAD_KINDS for name in layers]


def probe_names(layers: list[str], classification: bool) -> list[str]:
    head = ["train_loss", "val_loss"] + (["train_acc", "val_acc"] if classification else [])
    return head + [f"{stat}/{name}" for stat in LAYER_STATS for name in layers]


class Trainer:
    def __init__(self, cfg: Config, data: Dataset | None = None):
        self.cfg = cfg
        self.data = data if data is not None else make_dataset(cfg.data)
        self.model = build_model(cfg, self.data)
        self.layers = self.model.layer_names
        self.weights = [lin.weight for lin in self.model.linears]
        self.biases = [lin.bias for lin in self.model.linears]
        self.params = self.weights + self.biases  # the order of the grad_w, grad_b columns
        self.opt = build_optimizer(cfg, self.model.parameters())
        self.sched = build_scheduler(cfg, self.opt)
        self.classification = self.data.task == "classification"
        self.loss_name = loss_name(self.model.linears[-1].out_features, self.data.task)
        self._history = History(
            step_names(self.layers), probe_names(self.layers, self.classification)
        )
        # Per-step rows wait here and reach the History in batches: one numpy write per
        # batch instead of per step (a step of a small net takes ~0.4 ms, so it counts).
        self._pending_steps: list[int] = []
        self._pending_rows: list[list[float]] = []
        self._pending_lock = threading.Lock()
        # Batch order has its own generator, seeded with the init seed: a replay
        # from the same seed sees the same batches in the same order.
        self._gen = torch.Generator().manual_seed(cfg.init.seed)
        self._perm = torch.empty(0, dtype=torch.long)
        self._pos = 0
        self.batch_size = min(cfg.optim.batch_size, self.data.n_train)
        self._seen, self._loss_sum, self._correct = 0, 0.0, 0  # batches since the last probe
        self.t = 0  # updates done so far
        self.status = "ready"  # ready | running | finished | diverged
        self.diverged_at: int | None = None
        self.last_loss = float("nan")

    @property
    def history(self) -> History:
        """The run's metrics, every step so far included (safe from any thread)."""
        self.flush()
        return self._history

    def flush(self) -> None:
        with self._pending_lock:
            if self._pending_steps:
                self._history.record_steps(self._pending_steps, self._pending_rows)
                self._pending_steps, self._pending_rows = [], []

    @property
    def done(self) -> bool:
        return self.status in ("finished", "diverged")

    @property
    def lr(self) -> float:
        return self.opt.param_groups[0]["lr"]

    def set_lr(self, lr: float) -> None:
        """Takes effect at the next step; a schedule goes on from the new value."""
        for group in self.opt.param_groups:
            group["lr"] = lr
        if self.sched is not None:
            self.sched.base_lrs = [lr for _ in self.sched.base_lrs]

    def _next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        n = self.data.n_train
        if self._pos + self.batch_size > n or self._perm.numel() == 0:
            self._perm = torch.randperm(n, generator=self._gen)
            self._pos = 0
        idx = self._perm[self._pos : self._pos + self.batch_size]
        self._pos += self.batch_size
        return self.data.x_train[idx], self.data.y_train[idx]

    def step(self) -> None:
        """One update. Never raises on divergence: it sets status and keeps the history."""
        if self.done:
            return
        self.status = "running"
        probing = self.t % self.cfg.train.probe_every == 0 or self.t == self.cfg.train.steps - 1

        # 1. forward: the output and every pre-activation f_k
        xb, yb = self._next_batch()
        out, pre, post = self.model.forward_all(xb)
        loss = loss_fn(out, yb)

        # 2. backward: one autograd call gives the parameters' gradients and dloss/df_k
        # (the backprop signal) together: no hooks, no retain_grad, no zero_grad
        grads = torch.autograd.grad(loss, self.params + pre)
        self.last_loss = loss.item()
        if not math.isfinite(self.last_loss):
            self.status, self.diverged_at = "diverged", self.t
            self.flush()
            return
        for p, g in zip(self.params, grads):
            p.grad = g
        self._seen += len(yb)
        self._loss_sum += self.last_loss * len(yb)
        if self.classification:
            self._correct += (predict(out.detach()) == yb).sum()

        # 3. gradient norms, before the optimizer changes anything; in the order of
        # GRAD_KINDS: all weights, all biases, all dloss/df_k
        norms = grad_norms(list(grads))
        lr = self.lr
        if probing:  # measured on the same weights as this batch's loss, before the update
            before = [w.detach().clone() for w in self.weights]
            metrics = self._metrics()

        # 4. update
        self.opt.step()
        if self.sched is not None:
            self.sched.step()
        with self._pending_lock:
            self._pending_steps.append(self.t)
            self._pending_rows.append([self.last_loss, lr, *norms])
            full = len(self._pending_steps) >= FLUSH_EVERY
        if full or probing:
            self.flush()

        # 5. every K steps: look inside (activations of this batch, the update's size, validation)
        if probing:
            self._probe(pre, post, before, metrics)
        self.t += 1
        if self.t >= self.cfg.train.steps:
            self.status = "finished"

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        """(loss, accuracy) on a whole set; accuracy is nan for regression."""
        out = self.model(x)
        acc = (predict(out) == y).float().mean().item() if self.classification else float("nan")
        return loss_fn(out, y).item(), acc

    def _metrics(self) -> list[float]:
        # Training loss and accuracy are the averages over every batch since the last
        # probe (what the model was trained on), so they cost no extra forward pass.
        seen = max(self._seen, 1)
        train_loss, train_acc = self._loss_sum / seen, float(self._correct) / seen
        self._seen, self._loss_sum, self._correct = 0, 0.0, 0
        val_loss, val_acc = self.evaluate(self.data.x_val, self.data.y_val)
        return [train_loss, val_loss] + ([train_acc, val_acc] if self.classification else [])

    def _probe(self, pre, post, before, head) -> None:
        stats = layer_probe(
            pre, post, self.weights, before, self.cfg.model.activation, self.cfg.train.hist_bins
        )
        per_layer = [v for stat in LAYER_STATS for v in stats[stat]]
        hist = HistSnapshot(self.t, stats["pre_hist"], stats["post_hist"])
        self._history.record_probe(self.t, head + per_layer, hist)

    def run(self, steps: int | None = None, callback=None) -> None:
        """Train in this thread until done (or `steps` more updates). For scripts and tests."""
        end = self.cfg.train.steps if steps is None else self.t + steps
        while not self.done and self.t < end:
            self.step()
            if callback is not None:
                callback(self)
