"""Several variants of one experiment, trained side by side on the same data and seed.

A variant is a dict of flat changes to a base Config ({"init.scheme": "xavier_normal"}),
named by what it changes ("init = xavier_normal"). The data, the seeds and the step
budget belong to the base: a comparison only means something when they are shared, so
a variant may not change them. Everything here is plain data in, plain data out; the
Compare page and tests/test_compare.py drive it.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.config import Config, field_info
from core.data import make_dataset
from core.export import csv_cell, metrics_rows
from core.trainer import Trainer

MIN_VARIANTS, MAX_VARIANTS = 2, 6

# What a variant may change, in the order the page offers it. Data, seeds and the
# step budget are deliberately absent: they are what all variants share.
VARIANT_KEYS = (
    "init.scheme",
    "init.sigma",
    "init.a",
    "init.value",
    "init.mode",
    "init.bias",
    "init.bias_value",
    "optim.lr",
    "optim.batch_size",
    "optim.optimizer",
    "optim.momentum",
    "optim.weight_decay",
    "optim.schedule",
    "model.depth",
    "model.width",
    "model.activation",
    "model.binary_head",
)
SHARED = "data, seeds and the step budget are shared by all variants: change them in the base"

# Short names for variant labels; other keys use the part after the dot.
_SHORT = {"init.scheme": "init", "init.value": "weight value", "model.binary_head": "binary head"}


def short_name(key: str) -> str:
    return _SHORT.get(key, key.partition(".")[2].replace("_", " "))


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe(cfg: Config) -> str:
    """The base of a comparison in one line."""
    m, o = cfg.model, cfg.optim
    return (
        f"{cfg.data.dataset} ({cfg.data.n_samples} points) · {m.depth} hidden × {m.width} "
        f"{m.activation} · init {cfg.init.scheme} · {o.optimizer}, lr {o.lr:g}, "
        f"batch {o.batch_size} · {cfg.train.steps} steps · seeds {cfg.data.seed}/{cfg.init.seed}"
    )


def variant_name(changes: dict[str, Any]) -> str:
    """ "init = normal, sigma = 0.01"; "base (no change)" for an empty variant."""
    if not changes:
        return "base (no change)"
    return ", ".join(f"{short_name(k)} = {_fmt(v)}" for k, v in changes.items())


def parse_value(key: str, value: Any) -> Any:
    """A value of the setting's own type (widgets and URLs may hand in strings or ints)."""
    if key not in VARIANT_KEYS:
        raise ValueError(f"{key!r} cannot differ between variants ({SHARED})")
    kind = type(field_info(key)["default"])
    try:
        if kind is int:
            number = float(value)
            if not number.is_integer():
                raise ValueError
            return int(number)
        return float(value) if kind is float else str(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{key} = {value!r} is not a valid {kind.__name__}") from None


def variant_config(base: Config, changes: dict[str, Any]) -> Config:
    """The base with one variant's changes applied; a ValueError names a bad change."""
    bad = [k for k in changes if k not in VARIANT_KEYS]
    if bad:
        raise ValueError(f"{bad[0]!r} cannot differ between variants: {SHARED}")
    return base.replace(**{k: parse_value(k, v) for k, v in changes.items()})


def check_variants(base: Config, variants: list[dict[str, Any]]) -> list[Config]:
    """Configs of all variants, or a ValueError saying what is wrong with the list."""
    if not MIN_VARIANTS <= len(variants) <= MAX_VARIANTS:
        raise ValueError(
            f"compare {MIN_VARIANTS} to {MAX_VARIANTS} variants (there are {len(variants)})"
        )
    configs, seen = [], {}
    for changes in variants:
        name = variant_name(changes)
        cfg = variant_config(base, changes)
        key = cfg.to_json()
        if key in seen:
            raise ValueError(f"'{name}' trains the same network as '{seen[key]}'")
        seen[key] = name
        configs.append(cfg)
    return configs


def with_change(
    base: Config, variants: list[dict], target: int | None, key: str, value: Any
) -> list[dict]:
    """A new variant list: `key = value` added to variant `target` (None: a new variant).

    Raises ValueError (list unchanged) when the change is invalid, makes a duplicate,
    or a new variant would exceed MAX_VARIANTS.
    """
    new = [dict(v) for v in variants]
    if target is None:
        if len(new) >= MAX_VARIANTS:
            raise ValueError(f"at most {MAX_VARIANTS} variants: remove one first")
        new.append({key: parse_value(key, value)})
    else:
        new[target][key] = parse_value(key, value)
    variant_config(base, new[-1 if target is None else target])  # names the bad value
    seen = {}
    for v in new:  # duplicates, without the count check (the list may still be growing)
        k = variant_config(base, v).to_json()
        if k in seen:
            raise ValueError(f"'{variant_name(v)}' trains the same network as '{seen[k]}'")
        seen[k] = variant_name(v)
    return new


# ---- presets ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Preset:
    title: str
    why: str  # what the comparison shows, in one or two sentences
    base: dict[str, Any]  # flat changes to the default Config
    variants: tuple[dict[str, Any], ...]
    target: float = 0.3  # the loss the "steps to target" column waits for

    def config(self) -> Config:
        return Config().replace(**self.base)


PRESETS = {
    "init": Preset(
        "Initialization on a deep ReLU net",
        "A 20-layer ReLU net. Weights that are zero or too small (0.01) give the first layer "
        "no gradient at all; Xavier (variance 2/(fan_in+fan_out)) halves the signal at each "
        "ReLU layer and starts slowly; He (variance 2/fan_in) keeps it and trains at once.",
        {
            "model.depth": 20,
            "model.width": 32,
            "optim.optimizer": "sgd",
            "optim.lr": 0.05,
            "train.steps": 1000,
        },
        (
            {"init.scheme": "zeros"},
            {"init.scheme": "normal", "init.sigma": 0.01},
            {"init.scheme": "xavier_normal"},
            {"init.scheme": "kaiming_normal"},
        ),
    ),  # fmt: skip
    "lr": Preset(
        "One learning rate, four values",
        "Plain SGD with learning rates a factor 10 apart: too small crawls, a good one "
        "converges, too large oscillates and the largest diverges.",
        {"optim.optimizer": "sgd", "train.steps": 1000},
        tuple({"optim.lr": lr} for lr in (0.01, 0.1, 1.0, 10.0)),
    ),
    "batch": Preset(
        "Batch sizes 1, 16, 128",
        "The same number of steps with different batch sizes: a batch of 1 gives a noisy "
        "gradient estimate, large batches a smooth one (but cost more per step).",
        {"optim.optimizer": "sgd", "optim.lr": 0.1, "train.steps": 1000},
        tuple({"optim.batch_size": b} for b in (1, 16, 128)),
    ),
}


# ---- running and reading -----------------------------------------------------------------
def build_trainers(configs: list[Config]) -> list[Trainer]:
    """One Trainer per variant, all on the same Dataset object: the data are shared."""
    data = make_dataset(configs[0].data)
    return [Trainer(cfg, data) for cfg in configs]


def first_step_below(steps: np.ndarray, losses: np.ndarray, target: float) -> int | None:
    """The first recorded step whose loss is <= target (None: never reached)."""
    hit = np.flatnonzero(np.asarray(losses) <= target)
    return int(steps[hit[0]]) if hit.size else None


def _last(series: dict, name: str) -> float | None:
    values = series.get(name)
    if values is None or len(values) == 0 or not math.isfinite(values[-1]):
        return None
    return float(values[-1])


def final_rows(names: list[str], snaps: list[dict], steps: int, target: float) -> list[dict]:
    """One row per variant: the final table of the Compare page (None = no value)."""
    rows = []
    for name, snap in zip(names, snaps):
        probes = snap["probes"]
        diverged = snap["status"] == "diverged"
        row = {
            "variant": name,
            "steps": f"{snap['t']} / {steps}",
            "train loss": None if diverged else _last(probes, "train_loss"),
            "val loss": None if diverged else _last(probes, "val_loss"),
        }
        if "val_acc" in probes:
            row["train acc"] = None if diverged else _last(probes, "train_acc")
            row["val acc"] = None if diverged else _last(probes, "val_acc")
        row["steps to target"] = first_step_below(probes["step"], probes["train_loss"], target)
        row["diverged"] = f"yes, at step {snap['diverged_at']}" if diverged else "no"
        rows.append(row)
    return rows


def progress(snap: dict, steps: int) -> float:
    """Share of the budget done, in [0, 1]; a diverged run counts as done."""
    return 1.0 if snap["status"] == "diverged" else min(1.0, snap["t"] / max(steps, 1))


def compare_csv(names: list[str], snaps: list[dict]) -> str:
    """All variants' metrics in one CSV: a `variant` column, then the union of columns.

    Variants of different depths have different per-layer columns; a variant leaves the
    columns of layers it does not have empty.
    """
    tables = [metrics_rows(s) for s in snaps]
    header: list[str] = []
    for cols, _ in tables:
        header += [c for c in cols if c not in header]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["variant", *header])
    for name, (cols, rows) in zip(names, tables):
        where = [cols.index(c) if c in cols else None for c in header]
        for row in rows:
            cells = [str(int(row[0]))] + ["" if i is None else csv_cell(row[i]) for i in where[1:]]
            w.writerow([name, *cells])
    return buf.getvalue()
