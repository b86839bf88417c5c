"""Compare page throughput: 4 variants of the default config in one Run vs 1 alone.

The Compare page trains all variants round-robin in one background thread. The target
(issue 7): 4 variants together reach at least 0.8x the total steps/s of one variant
training alone. Two settings are measured, alternating 1 and 4 variants so drift in the
machine's load hits both alike:

  bare  the Run's thread alone, nobody reading;
  live  as on the page: every 0.3 s the main thread takes a snapshot, builds the
        three Compare figures and their JSON, and the table (the fragment's work).

Each setting is reported per wall-clock second and per CPU second of this process
(all threads). On a machine shared with other work the wall figure is noisy; with one
GIL the CPU figure is what an otherwise idle machine would reach, and it is stable.

    .venv/bin/python bench/compare_throughput.py [seconds per measurement]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from core import compare as cmp  # noqa: E402
from core.charts import compare as charts  # noqa: E402
from core.config import Config  # noqa: E402
from core.run import Run  # noqa: E402

INITS = ("kaiming_normal", "xavier_normal", "kaiming_uniform", "orthogonal")


def configs(n: int) -> list[Config]:
    # The default config with a step budget that never runs out during a measurement.
    base = Config().replace(**{"train.steps": 1_000_000})
    return [base.replace(**{"init.scheme": s}) for s in INITS[:n]]


def page_refresh(run: Run, names: list[str]) -> None:
    snaps = run.snapshot(max_points=None)
    for make in (charts.loss_figure, charts.accuracy_figure, charts.grad_figure):
        make(names, snaps).to_json()  # st.plotly_chart serializes each figure to JSON
    cmp.final_rows(names, snaps, 1_000_000, 0.3)


def measure(n: int, seconds: float, live: bool) -> tuple[float, float]:
    """Total steps per wall second and per process CPU second, after a 1 s warm-up."""
    run = Run(cmp.build_trainers(configs(n)))
    names = [f"variant {i}" for i in range(n)]
    total = lambda: sum(tr.t for tr in run.trainers)  # noqa: E731
    run.start()
    try:
        time.sleep(1.0)
        t0, c0, s0 = time.perf_counter(), time.process_time(), total()
        while time.perf_counter() - t0 < seconds:
            if live:
                page_refresh(run, names)
            time.sleep(0.3)
        t1, c1, s1 = time.perf_counter(), time.process_time(), total()
    finally:
        run.stop()
    return (s1 - s0) / (t1 - t0), (s1 - s0) / (c1 - c0)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    torch.set_num_threads(1)  # as app.py does
    print(f"default config; {repeats} x {seconds:g} s per setting, alternating 1 and 4 variants")
    for live in (False, True):
        one, four = [], []
        for _ in range(repeats):
            one.append(measure(1, seconds, live))
            four.append(measure(4, seconds, live))
        print("\n" + ("live (page refresh every 0.3 s)" if live else "bare (no reader)"))
        for i, unit in enumerate(("wall", "CPU")):
            r1 = statistics.median(x[i] for x in one)
            r4 = statistics.median(x[i] for x in four)
            runs = lambda xs: ", ".join(f"{x[i]:.0f}" for x in xs)  # noqa: B023, E731
            print(f"  per {unit:4} s: 1 variant {r1:6.0f} steps/s ({runs(one)})")
            print(f"               4 variants {r4:6.0f} steps/s total ({runs(four)})")
            print(f"               ratio 4/1 = {r4 / r1:.2f}   (target >= 0.80)")


if __name__ == "__main__":
    main()
