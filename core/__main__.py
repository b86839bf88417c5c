"""Headless runs for teachers and scripts.

    python -m core --config cfg.json --steps 2000 --out metrics.csv
    python -m core --set model.depth=8 --set init.scheme=xavier_normal --out m.csv

Trains in this process (no threads), shows a progress bar on stderr and writes
the metrics CSV. Exit code 0 when the run finished, 3 when it diverged, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from core.config import Config
from core.export import metrics_csv
from core.trainer import Trainer


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m core", description=__doc__.split("\n")[0])
    p.add_argument("--config", type=Path, help="JSON config (as downloaded from the app)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one setting, e.g. model.depth=8 (repeatable)")  # fmt: skip
    p.add_argument("--steps", type=int, help="step budget (overrides train.steps)")
    p.add_argument("--out", type=Path, default=Path("metrics.csv"), help="CSV to write")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p.parse_args(argv)


def load_config(args) -> Config:
    cfg = Config.from_json(args.config.read_text()) if args.config else Config()
    flat = cfg.to_params(only_changed=False)
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set takes KEY=VALUE, got {item!r}")
        flat[key] = value
    if args.steps is not None:
        flat["train.steps"] = str(args.steps)
    return Config.from_params(flat)


def progress(tr: Trainer, start: float, out=sys.stderr) -> None:
    total = tr.cfg.train.steps
    if tr.t % max(1, total // 200) and not tr.done:
        return  # redraw about 200 times per run
    frac = tr.t / total
    bar = "#" * int(30 * frac)
    rate = tr.t / max(time.perf_counter() - start, 1e-9)
    out.write(f"\r[{bar:<30}] {tr.t}/{total} steps  {rate:,.0f} steps/s  loss {tr.last_loss:.4f}")
    out.flush()


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        cfg = load_config(args)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    tr = Trainer(cfg)
    start = time.perf_counter()
    tr.run(callback=None if args.quiet else lambda t: progress(t, start))
    if not args.quiet:
        sys.stderr.write("\n")
    args.out.write_text(metrics_csv(tr.history.snapshot(max_points=None)))
    msg = f"diverged at step {tr.diverged_at}" if tr.status == "diverged" else "finished"
    print(f"{msg}: {tr.t} steps, last loss {tr.last_loss:.4g}; metrics in {args.out}")
    return 3 if tr.status == "diverged" else 0


if __name__ == "__main__":
    sys.exit(main())
