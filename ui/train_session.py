"""The Train page's live run: one per browser session, kept in st.session_state.

Button callbacks here only call Run methods (which set flags); the training
itself happens in the Run's thread. A new run always stops the one it replaces.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import streamlit as st

from core.config import Config
from core.run import Run
from core.trainer import Trainer

RUN_KEY = "train_run"
PACE_KEY = "tr_pace"
# Full speed finishes the default run in a couple of seconds; slower paces let a class
# watch the boundary and the histograms change.
PACES = {"full speed": None, "200 steps/s": 200.0, "50 steps/s": 50.0, "10 steps/s": 10.0}


def current_run() -> Run | None:
    return st.session_state.get(RUN_KEY)


def replace_run(cfg: Config) -> Run:
    old = current_run()
    if old is not None:
        old.stop()
    run = Run(Trainer(cfg))
    run.set_pace(PACES.get(st.session_state.get(PACE_KEY, "full speed")))
    st.session_state[RUN_KEY] = run
    return run


def on_pace_change() -> None:
    run = current_run()
    if run is not None:
        run.set_pace(PACES.get(st.session_state.get(PACE_KEY, "full speed")))


def ensure_run(cfg: Config) -> Run:
    """A run to draw from the first visit on (not started: no thread until Train or Step)."""
    run = current_run()
    return run if run is not None else replace_run(cfg)


def on_train(cfg: Config) -> None:
    """Start (or resume); a finished or stopped run is replaced by a fresh one."""
    run = current_run()
    if run is None or run.finished or run.trainers[0].cfg != cfg:
        run = replace_run(cfg)
    run.resume()
    # Give the thread a moment (a few ms) to record its first steps, so the redraw that
    # follows this click already has curves to show.
    tr, deadline = run.trainers[0], time.monotonic() + 0.5
    while tr.t < 2 and run.alive and time.monotonic() < deadline:
        time.sleep(0.005)


def on_pause() -> None:
    run = current_run()
    if run is not None:
        run.pause()
        run.wait_idle(1.0)  # the redraw then shows the step the run froze at


def on_stop() -> None:
    run = current_run()
    if run is not None:
        run.stop()


def on_step(cfg: Config, n: int) -> None:
    run = current_run()
    if run is None or run.finished:
        run = replace_run(cfg)
    run.step(n, wait=2.0)  # a few ms; the page then redraws with the new steps


def on_reset(cfg: Config) -> None:
    """Back to step 0 with the same seeds: the same initial weights, ready to replay."""
    replace_run(cfg)


def on_lr_change() -> None:
    """The learning rate is the one setting a running experiment takes on the fly."""
    run = current_run()
    lr = st.session_state.get("w.optim.lr")
    if run is not None and not run.finished and lr is not None:
        run.set_lr(float(lr))
        tr = run.trainers[0]
        tr.cfg = tr.cfg.replace(**{"optim.lr": float(lr)})  # it is no longer "stale"


def settings_differ(run: Run | None, cfg: Config) -> bool:
    return run is not None and run.trainers[0].cfg != cfg


@contextmanager
def drawing():
    """Let the page draw without the training thread competing for the GIL."""
    run = current_run()
    if run is None:
        yield
        return
    with run.reading():
        yield
