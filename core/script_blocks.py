"""The two longest blocks of the exported script: making the data, and the init.

Each writes out only the branch the config uses (one dataset, one init scheme), in
the same order of random draws as core/data.py and core/init.py: core/script.py
assembles them with the rest, and tests/test_script.py proves the match.
"""

from __future__ import annotations

from core.config import Config
from core.init import LEAKY_SLOPE


def data_block(cfg: Config, classification: bool) -> str:
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
    if classification:
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


def init_block(cfg: Config) -> str:
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
