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


def _data(cfg: Config) -> str:
    d = cfg.data
    head = f"""
# ---- 1. Make the data ----------------------------------------------------------------
DATA_SEED = {d.seed}
N_SAMPLES = {d.n_samples}
NOISE = {d.noise!r}
VAL_FRACTION = {d.val_fraction!r}

# One numpy random generator, seeded, draws everything: same seed, same points.
rng = np.random.default_rng(DATA_SEED)
sk_seed = int(rng.integers(0, 2**31 - 1))  # scikit-learn wants an integer seed
"""
    make = {
        "moons": (
            "# Two interleaved half circles: two classes no straight line can separate.\n"
            "x, y = make_moons(N_SAMPLES, noise=NOISE, random_state=sk_seed)\n"
        ),
        "circles": (
            "# A small circle inside a big one: two classes.\n"
            "x, y = make_circles(N_SAMPLES, noise=NOISE * 0.5, factor=0.5, "
            "random_state=sk_seed)\n"
        ),
        "blobs": (
            f"# {d.n_classes} Gaussian clouds, one per class; more noise = wider clouds.\n"
            f"x, y = make_blobs(N_SAMPLES, centers={d.n_classes}, "
            "cluster_std=0.5 + 3 * NOISE, random_state=sk_seed)\n"
        ),
        "spiral": (
            f"# {d.n_classes} spiral arms, one per class: radius r, angle growing with r.\n"
            f"K = {d.n_classes}\n"
            "y = rng.integers(0, K, N_SAMPLES)\n"
            "r = rng.uniform(0.05, 1.0, N_SAMPLES)\n"
            "theta = 2 * np.pi * (y / K) + 1.75 * np.pi * r + rng.normal(0, NOISE, N_SAMPLES) * 0.6\n"
            "x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)\n"
        ),
        "xor": (
            "# XOR: the class is 1 where exactly one coordinate is positive.\n"
            "x = rng.uniform(-1, 1, (N_SAMPLES, 2))\n"
            "y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)\n"
            "x = x + rng.normal(0, NOISE * 0.3, x.shape)\n"
        ),
        "regression": (
            "# 1-D regression: a wiggly curve plus Gaussian noise. y has shape (N, 1).\n"
            "x = rng.uniform(-3, 3, (N_SAMPLES, 1))\n"
            "y = np.sin(1.5 * x) + 0.3 * x + rng.normal(0, NOISE, (N_SAMPLES, 1))\n"
        ),
        "digits": (
            "# 8x8 images of handwritten digits (1,797 ship with scikit-learn): 64 inputs,\n"
            "# 10 classes. A seeded subset, with Gaussian pixel noise added.\n"
            "digits = load_digits()\n"
            "idx = rng.permutation(len(digits.target))[: min(N_SAMPLES, len(digits.target))]\n"
            "x = digits.data[idx] + rng.normal(0, NOISE * 4.0, (len(idx), 64))\n"
            "y = digits.target[idx]\n"
        ),
    }[d.dataset]
    if n_classes(cfg):
        targets = "y_all = torch.as_tensor(y, dtype=torch.int64)  # class labels, shape (N,)\n"
    else:
        targets = (
            "y_all = torch.as_tensor(np.asarray(y, dtype=np.float32).reshape(-1, 1))  # (N, 1)\n"
        )
    split = """
# Hold out a validation set (its own seeded stream) to measure generalization.
split_rng = np.random.default_rng([DATA_SEED, 1])
perm = split_rng.permutation(len(x))
n_val = max(1, int(round(VAL_FRACTION * len(x))))
val_idx, train_idx = perm[:n_val], perm[n_val:]

# Standardize the inputs with the training set's mean and std (constant pixels: std 1).
mean, std = x[train_idx].mean(axis=0), x[train_idx].std(axis=0)
std = np.where(std > 1e-8, std, 1.0)
x_all = torch.as_tensor(((x - mean) / std).astype(np.float32))
"""
    tail = (
        "x_train, y_train = x_all[train_idx], y_all[train_idx]\n"
        "x_val, y_val = x_all[val_idx], y_all[val_idx]\n"
        'print(f"data: {len(x_train)} training and {len(x_val)} validation examples")\n'
    )
    return head + make + split + targets + tail


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


def _gain_expr(activation: str) -> str:
    if activation == "leaky_relu":
        return f'nn.init.calculate_gain("leaky_relu", {LEAKY_SLOPE})'
    if activation == "gelu":  # no gain for GELU in torch: it acts like ReLU for f > 0
        return 'nn.init.calculate_gain("relu")  # GELU behaves like ReLU for f > 0'
    return f'nn.init.calculate_gain("{activation}")'


def _weight_init(cfg: Config) -> list[str]:
    """Lines (unindented) that initialize `layer.weight` inside the loop over layers."""
    i, act = cfg.init, cfg.model.activation
    w = "layer.weight"
    if i.scheme == "default":
        return [
            "# PyTorch's default: Kaiming-uniform with a = sqrt(5), bias U(+-1/sqrt(fan_in))",
            "layer.reset_parameters()",
        ]
    if i.scheme in ("kaiming_normal", "kaiming_uniform"):
        fn = "kaiming_normal_" if i.scheme == "kaiming_normal" else "kaiming_uniform_"
        why = f"# He: variance 2/{i.mode} keeps the signal's size through ReLU layers"
        if act in ("relu", "gelu"):
            return [why, f'nn.init.{fn}({w}, a=0.0, mode="{i.mode}", nonlinearity="relu")']
        if act == "leaky_relu":
            return [
                why,
                f'nn.init.{fn}({w}, a={LEAKY_SLOPE}, mode="{i.mode}", nonlinearity="leaky_relu")',
            ]
        return [
            why,
            f"# kaiming_* knows only ReLU-like slopes: draw with gain 1, then scale by {act}'s gain",
            f'nn.init.{fn}({w}, a=0.0, mode="{i.mode}", nonlinearity="linear")',
            "with torch.no_grad():  # an in-place change of a parameter is not part of training",
            f"    {w}.mul_(GAIN)",
        ]
    return {
        "zeros": [
            "# All weights zero: every unit computes the same thing and gets no gradient",
            f"nn.init.zeros_({w})",
        ],
        "constant": [f"nn.init.constant_({w}, {i.value!r})  # every weight the same"],
        "normal": [f"nn.init.normal_({w}, 0.0, {i.sigma!r})  # N(0, sigma^2) with a fixed sigma"],
        "uniform": [f"nn.init.uniform_({w}, -{i.a!r}, {i.a!r})  # U(-a, a) with a fixed a"],
        "xavier_uniform": [
            "# Xavier/Glorot: variance 2/(fan_in + fan_out), gain 1 as in Glorot's paper",
            "# (with ReLU this halves the signal's variance at every layer)",
            f"nn.init.xavier_uniform_({w})",
        ],
        "xavier_normal": [
            "# Xavier/Glorot: variance 2/(fan_in + fan_out), gain 1 as in Glorot's paper",
            "# (with ReLU this halves the signal's variance at every layer)",
            f"nn.init.xavier_normal_({w})",
        ],
        "lecun_normal": [
            "# LeCun: variance 1/fan_in (He's formula with gain 1)",
            f'nn.init.kaiming_normal_({w}, nonlinearity="linear")',
        ],
        "orthogonal": [
            "# a random orthogonal matrix: unit-length rows or columns, gain 1",
            f"nn.init.orthogonal_({w})",
        ],
    }[i.scheme]


def _init(cfg: Config) -> str:
    i = cfg.init
    lines = [
        "\n# ---- 3. Initialize the weights and biases -------------------------------------------",
        "# torch.nn.init draws from torch's global generator, seeded above: layer by layer,",
        "# weight then bias, in the same order as the app.",
    ]
    body = _weight_init(cfg)
    if any("GAIN" in line for line in body):
        lines.append(f"GAIN = {_gain_expr(cfg.model.activation)}")
    if i.bias == "zeros":
        body.append("nn.init.zeros_(layer.bias)  # biases start at zero")
    elif i.bias == "constant":
        body.append(f"nn.init.constant_(layer.bias, {i.bias_value!r})")
    elif i.scheme != "default":
        body += [
            "bound = 1.0 / math.sqrt(layer.in_features)  # PyTorch's default bias",
            "nn.init.uniform_(layer.bias, -bound, bound)",
        ]
    lines += [
        "for layer in model:",
        "    if isinstance(layer, nn.Linear):  # activations have no parameters",
        *("        " + line for line in body),
    ]
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
            _data(cfg),
            _model(cfg),
            _init(cfg),
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
