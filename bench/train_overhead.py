"""What the engine's probes cost: instrumented Trainer vs a bare torch loop, one run.

    python bench/train_overhead.py

For three configurations (the default, a deep net, digits) it trains the same
model on the same batches with a plain loop (forward, loss, backward, step) and
with Trainer.step() at the default probe cadence, alternating short rounds so
that machine noise hits both alike. Last line: the worst instrumented/bare ratio
(target >= 0.85). Then the history's memory after 1,000,000 simulated steps.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.config import Config  # noqa: E402
from core.history import History  # noqa: E402
from core.models import loss_fn  # noqa: E402
from core.trainer import Trainer, probe_names, step_names  # noqa: E402

CONFIGS = {
    "default": {},
    "deep (20 x 64, tanh)": {"model.depth": 20, "model.width": 64, "model.activation": "tanh"},
    "digits (3 x 64)": {"data.dataset": "digits", "model.width": 64, "data.n_samples": 1797},
}
ROUNDS, STEPS = 6, 300


def bare_rate(tr: Trainer) -> float:
    model, opt = tr.model, tr.opt
    t0 = time.perf_counter()
    for _ in range(STEPS):
        xb, yb = tr._next_batch()
        loss = loss_fn(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        loss.item()  # the engine reads the loss every step too
        opt.step()
    return STEPS / (time.perf_counter() - t0)


def engine_rate(tr: Trainer) -> float:
    t0 = time.perf_counter()
    for _ in range(STEPS):
        tr.step()
    return STEPS / (time.perf_counter() - t0)


def history_memory(steps: int = 1_000_000, depth: int = 30) -> float:
    layers = [f"hidden {i + 1}" for i in range(depth)] + ["output"]
    cfg = Config()
    tr = Trainer(cfg.replace(**{"model.depth": depth}))
    h = History(step_names(layers), probe_names(layers, True))
    row = np.ones(len(h.steps.names))
    prow = np.ones(len(h.probes.names))
    tr.step()
    hist = tr.history.snapshot(None)["hists"][0]
    for s in range(steps):
        h.record_step(s, row)
        if s % cfg.train.probe_every == 0:
            h.record_probe(s, prow, hist)
    return h.nbytes() / 2**20


def main() -> None:
    torch.set_num_threads(1)
    worst = float("inf")
    for name, change in CONFIGS.items():
        cfg = Config().replace(**{"train.steps": 1_000_000, **change})
        bare_tr, eng_tr = Trainer(cfg), Trainer(cfg)
        bare_rate(bare_tr), engine_rate(eng_tr)  # warm-up
        bare, eng = [], []
        for _ in range(ROUNDS):
            bare.append(bare_rate(bare_tr))
            eng.append(engine_rate(eng_tr))
        b, e = float(np.median(bare)), float(np.median(eng))
        worst = min(worst, e / b)
        print(
            f"{name:<24} bare {b:8.0f} steps/s   instrumented {e:8.0f} steps/s   ratio {e / b:.2f}"
        )
    mb = history_memory()
    print(f"history memory after 1,000,000 steps (30 hidden layers): {mb:.1f} MB (target < 50)")
    print(f"instrumented/bare throughput: {worst:.2f}")


if __name__ == "__main__":
    main()
