"""The current experiment as a standalone PyTorch script: the course's last lesson, runnable.

generate_script(cfg) writes out only what this config uses (one dataset, one init, one
optimizer), in the order the course teaches: make data, define the network, initialize
it, define the loss, choose optimizer, learning rate and schedule, train. Every random
draw happens in the same order as in the engine (core/data.py, Trainer), so the script's
losses are the app's losses; tests/test_script.py runs it and checks that.
The script's last line is machine-readable: "final: steps=N loss=... val_loss=...".
"""

from __future__ import annotations

from core.config import Config
from core.init import LABELS, LEAKY_SLOPE
from core.models import output_dim
from core.script_blocks import data_block, init_block

_TOY_DIM = {"moons": 2, "circles": 2, "blobs": 2, "spiral": 2, "xor": 2, "regression": 1}


def n_classes(cfg: Config) -> int:
    """Classes of the config's dataset (0: regression), known without making the data."""
    d = cfg.data
    return {"regression": 0, "digits": 10, "spiral": d.n_classes, "blobs": d.n_classes}.get(
        d.dataset, 2
    )


def dims(cfg: Config) -> tuple[int, int]:
    """(input size, output size) of the network for this config."""
    k = n_classes(cfg)
    task = "classification" if k else "regression"
    return _TOY_DIM.get(cfg.data.dataset, 64), output_dim(task, k, cfg.model.binary_head)


def _header(cfg: Config) -> str:
    m, o = cfg.model, cfg.optim
    opt = {"sgd": "plain SGD", "momentum": f"SGD with momentum {o.momentum!r}", "adam": "Adam"}
    sk = {"moons": "make_moons", "circles": "make_circles", "blobs": "make_blobs"}
    sk_name = sk.get(cfg.data.dataset, "load_digits" if cfg.data.dataset == "digits" else "")
    sk_import = f"from sklearn.datasets import {sk_name}\n" if sk_name else ""
    layers = "layer" if m.depth == 1 else "layers"
    return f'''"""Backprop Lab experiment, exported as a standalone PyTorch script.

Data: {cfg.data.dataset} ({cfg.data.n_samples} points, noise {cfg.data.noise!r}, seed {cfg.data.seed}).
Network: {m.depth} hidden {layers} of {m.width} units, {m.activation} activation.
Initialization: {LABELS[cfg.init.scheme]} (seed {cfg.init.seed}).
Training: {opt[o.optimizer]}, learning rate {o.lr!r}, batch size {o.batch_size}, \
{cfg.train.steps} steps.

Needs only torch, numpy and scikit-learn. Run it with:  python experiment.py
It repeats the app's run exactly: the same data, the same initial weights and the
same batches in the same order, so it prints the same losses.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
{sk_import}from torch import nn

# A network this small runs fastest on one CPU thread: more threads only add overhead.
torch.set_num_threads(1)
'''


_ACT = {
    "relu": "nn.ReLU()",
    "leaky_relu": f"nn.LeakyReLU({LEAKY_SLOPE})",
    "tanh": "nn.Tanh()",
    "sigmoid": "nn.Sigmoid()",
    "gelu": "nn.GELU()",
    "linear": "nn.Identity()",
}


def _model(cfg: Config) -> str:
    m = cfg.model
    d_in, d_out = dims(cfg)
    act = _ACT[m.activation]
    lines = [
        "\n# ---- 2. Define the network ----------------------------------------------------------",
        f"# {m.depth} hidden layer{'' if m.depth == 1 else 's'}: f_k = beta_k + Omega_k h_(k-1), then h_k = a[f_k].",
        "# The output layer is linear: its outputs are the model's predictions (logits).",
        "# Seeding first makes the initial weights reproducible: the layers draw them in order.",
        f"torch.manual_seed({cfg.init.seed})",
    ]
    if m.depth <= 5:  # short nets written out layer by layer: easier to read
        dims_ = [d_in] + [m.width] * m.depth + [d_out]
        body = []
        for k, (a, b) in enumerate(zip(dims_[:-1], dims_[1:])):
            last = k == len(dims_) - 2
            note = "  # output layer" if last else f"  # hidden layer {k + 1}"
            body.append(f"    nn.Linear({a}, {b}),{note}")
            if not last:
                body.append(f"    {act},")
        lines += ["model = nn.Sequential(", *body, ")"]
    else:
        lines += [
            f"sizes = [{d_in}] + [{m.width}] * {m.depth} + [{d_out}]  # input, hidden..., output",
            "layers = []",
            "for k in range(len(sizes) - 1):",
            "    layers.append(nn.Linear(sizes[k], sizes[k + 1]))",
            "    if k < len(sizes) - 2:  # no activation after the output layer",
            f"        layers.append({act})",
            "model = nn.Sequential(*layers)",
        ]
    lines.append("print(model)")
    return "\n".join(lines) + "\n"


def _loss(cfg: Config) -> str:
    d_out = dims(cfg)[1]
    head = "\n# ---- 4. Define the loss --------------------------------------------------------------\n"
    if not n_classes(cfg):
        return head + (
            "# Least squares: the mean of (prediction - target)^2.\n"
            "def loss_fn(out, y):  # out, y: (B, 1)\n"
            "    return F.mse_loss(out, y)\n"
        )
    if d_out == 1:
        return head + (
            "# Two classes, one output: sigmoid + binary cross-entropy, i.e. the negative\n"
            "# log-likelihood of a Bernoulli whose parameter is sigmoid(output).\n"
            "def loss_fn(out, y):  # out: (B, 1) logits, y: (B,) labels 0/1\n"
            "    return F.binary_cross_entropy_with_logits(out[:, 0], y.to(out.dtype))\n\n\n"
            "def predict(out):\n"
            "    return (out[:, 0] > 0).long()\n"
        )
    return head + (
        "# Softmax + cross-entropy: the negative log-likelihood of a categorical distribution.\n"
        "def loss_fn(out, y):  # out: (B, classes) logits, y: (B,) labels\n"
        "    return F.cross_entropy(out, y)\n\n\n"
        "def predict(out):\n"
        "    return out.argmax(dim=1)\n"
    )


def _optim(cfg: Config) -> str:
    o = cfg.optim
    lines = [
        "\n# ---- 5. Choose the optimizer, the learning rate and its schedule -------------------",
        f"STEPS = {cfg.train.steps}",
        f"LEARNING_RATE = {o.lr!r}",
    ]
    wd = f", weight_decay={o.weight_decay!r}" if o.weight_decay else ""
    if o.optimizer == "adam":
        lines += [
            "# Adam: per-parameter step sizes from running means of the gradient and its square.",
            f"optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE{wd})",
        ]
    elif o.optimizer == "momentum":
        lines += [
            "# SGD with momentum: each step moves along a running average of past gradients.",
            f"optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, "
            f"momentum={o.momentum!r}{wd})",
        ]
    else:
        lines += [
            "# Plain SGD: phi <- phi - learning_rate * gradient of the batch loss.",
            f"optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE{wd})",
        ]
    if o.schedule == "step":
        lines += [
            f"# Step schedule: multiply the learning rate by {o.gamma!r} every {o.step_size} steps.",
            f"scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size={o.step_size}, "
            f"gamma={o.gamma!r})",
        ]
    elif o.schedule == "cosine":
        lines += [
            "# Cosine schedule: the learning rate falls smoothly to 0 over the run.",
            "scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=STEPS)",
        ]
    else:
        lines.append("scheduler = None  # constant learning rate")
    return "\n".join(lines) + "\n"


def _batches(cfg: Config) -> str:
    return f"""
# ---- 6. Batches ---------------------------------------------------------------------
# Shuffle the training set with its own seeded generator; walk through it batch by
# batch and reshuffle when fewer than BATCH_SIZE examples are left (they are skipped).
BATCH_SIZE = min({cfg.optim.batch_size}, len(x_train))
batch_gen = torch.Generator().manual_seed({cfg.init.seed})
order, pos = torch.empty(0, dtype=torch.long), 0


def next_batch():
    global order, pos
    if pos + BATCH_SIZE > len(x_train) or order.numel() == 0:
        order, pos = torch.randperm(len(x_train), generator=batch_gen), 0
    idx = order[pos : pos + BATCH_SIZE]
    pos += BATCH_SIZE
    return x_train[idx], y_train[idx]
"""


def _loop(cfg: Config) -> str:
    acc = "acc" if n_classes(cfg) else None
    final_acc = (
        "    val_acc = (predict(model(x_val)) == y_val).float().mean().item()\n"
        if acc
        else "    val_acc = float('nan')  # regression: no accuracy\n"
    )
    return f"""
# ---- 7. Train ----------------------------------------------------------------------
PRINT_EVERY = max(1, STEPS // 20)
loss = None
for step in range(STEPS):
    xb, yb = next_batch()
    out = model(xb)  # forward pass: (B, outputs)
    loss = loss_fn(out, yb)
    optimizer.zero_grad()
    loss.backward()  # backward pass: dloss/dphi for every weight and bias
    if not math.isfinite(loss.item()):
        print(f"diverged at step {{step}}: the loss is {{loss.item()}}")
        print(f"final: diverged_at={{step}}")
        raise SystemExit(3)
    optimizer.step()  # phi <- phi - learning_rate * gradient (or momentum / Adam's version)
    if scheduler is not None:
        scheduler.step()
    if step % PRINT_EVERY == 0 or step == STEPS - 1:
        print(f"step {{step + 1:6d}}  batch loss {{loss.item():.6f}}")

# ---- 8. Evaluate on the whole training and validation sets ---------------------------
with torch.no_grad():
    train_loss = loss_fn(model(x_train), y_train).item()
    val_loss = loss_fn(model(x_val), y_val).item()
{final_acc}print(f"train loss {{train_loss:.6f}}, validation loss {{val_loss:.6f}}, validation accuracy {{val_acc:.3f}}")
# One machine-readable line: the last batch loss, then the whole-set numbers.
print(f"final: steps={{STEPS}} loss={{loss.item()!r}} train_loss={{train_loss!r}} "
      f"val_loss={{val_loss!r}} val_acc={{val_acc!r}}")
"""


def generate_script(cfg: Config) -> str:
    """A readable, commented, runnable PyTorch script of the experiment `cfg`."""
    return "".join(
        [
            _header(cfg),
            data_block(cfg, classification=n_classes(cfg) > 0),
            _model(cfg),
            init_block(cfg),
            _loss(cfg),
            _optim(cfg),
            _batches(cfg),
            _loop(cfg),
        ]
    )


def parse_final(output: str) -> dict[str, float]:
    """The numbers of the script's last "final:" line ({"steps": ..., "loss": ...})."""
    line = [ln for ln in output.splitlines() if ln.startswith("final:")][-1]
    return {k: float(v) for k, v in (item.split("=") for item in line.split()[1:])}
