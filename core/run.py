"""Run: trains one or more Trainers in a background thread, controlled by flags.

The thread never calls into any UI. Callers (a Streamlit page, a test) use the
methods below, which only set flags under a lock, and read `snapshot()`. Several
Trainers in one Run are stepped round-robin in the same thread: with one GIL, that
beats one thread per variant.

Lifecycle: start() -> running <-> paused -> stopped | finished | diverged.
A run nobody reads (no snapshot() for `idle_pause` s) pauses itself, and after
`idle_stop` s it ends, so an abandoned browser tab does not train forever.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from contextlib import contextmanager

import torch

from core.trainer import Trainer

_ids = itertools.count(1)
THREAD_PREFIX = "bplab-"


class Run:
    def __init__(self, trainers: Trainer | list[Trainer], idle_pause=120.0, idle_stop=900.0):
        self.trainers = trainers if isinstance(trainers, list) else [trainers]
        self.idle_pause, self.idle_stop = idle_pause, idle_stop
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._paused = False
        self._stop = False
        self._pending_steps = 0  # single-steps requested while paused
        self._pending_lr: float | None = None
        self._last_touch = time.monotonic()
        self._rate = deque(maxlen=20)  # (time, total steps) for steps/s
        self.pace: float | None = None  # max rounds per second (None: full speed)
        self._next_round = 0.0
        self._readers = 0  # pages drawing this run right now (see reading())
        self._idle = False  # the thread waits, paused, with no step pending
        self.state = "ready"  # ready | running | paused | stopped | finished | diverged
        self.note = ""  # why the state is what it is ("paused: nobody watching")
        self.error: str | None = None

    # ---- commands (any thread) ---------------------------------------------
    def start(self, paused: bool = False) -> None:
        with self._cond:
            if self._thread is not None:
                return
            self._paused = paused
            self.state = "paused" if paused else "running"
            self._last_touch = time.monotonic()
            self._thread = threading.Thread(
                target=self._loop, name=f"{THREAD_PREFIX}run-{next(_ids)}", daemon=True
            )
            self._thread.start()

    def pause(self) -> None:
        self._set(paused=True)

    def resume(self) -> None:
        if self._thread is None:
            self.start()
        else:
            self._set(paused=False)

    def step(self, n: int = 1, wait: float = 0.0) -> None:
        """Run n more steps, then stay paused (starts a paused run if needed).

        wait > 0 blocks up to that many seconds until the steps are done, so a page
        that redraws right after the click shows them.
        """
        if self._thread is None:
            self.start(paused=True)
        with self._cond:
            self._paused = True
            self.state = "paused" if self.alive else self.state
            self._idle = False
            self._pending_steps += n
            self._cond.notify_all()
        if wait > 0:
            self.wait_idle(wait)

    def wait_idle(self, timeout: float) -> bool:
        """Block until the thread is paused with nothing pending (or has ended)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._idle or not self.alive, timeout=timeout)

    @contextmanager
    def reading(self):
        """While a page draws this run, the training thread steps aside.

        Training and the page share one GIL, and Python hands it over only every few
        ms: a render of tens of ms would otherwise take twice as long, and so would the
        page's answer to a click. Training loses those few tens of ms per refresh.
        """
        with self._cond:
            self._readers += 1
        try:
            yield self
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    def set_pace(self, rounds_per_second: float | None) -> None:
        """Slow a run down to watch it (a round is one step of every trainer)."""
        with self._cond:
            self.pace = rounds_per_second
            self._next_round = 0.0
            self._cond.notify_all()

    def set_lr(self, lr: float) -> None:
        with self._cond:
            self._pending_lr = lr
            self._cond.notify_all()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and wait for the thread to end (safe to call more than once)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)
        if self.state in ("ready", "running", "paused"):
            self.state = "stopped"

    def _set(self, paused: bool) -> None:
        with self._cond:
            if self.alive:
                self._paused = paused
                self._idle = False  # until the thread itself reaches its paused wait
                self.state = "paused" if paused else "running"
                self.note = ""
                self._last_touch = time.monotonic()
                self._cond.notify_all()

    # ---- reading (any thread) ------------------------------------------------
    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def finished(self) -> bool:
        return self.state in ("stopped", "finished", "diverged")

    def touch(self) -> None:
        self._last_touch = time.monotonic()

    def steps_per_second(self) -> float:
        r = list(self._rate)
        if len(r) < 2 or r[-1][0] <= r[0][0]:
            return 0.0
        return (r[-1][1] - r[0][1]) / (r[-1][0] - r[0][0])

    def snapshot(self, max_points: int | None = 500) -> list[dict]:
        """Each trainer's history snapshot plus its step and status. Counts as a reader."""
        self.touch()
        return [
            {"t": tr.t, "status": tr.status, "diverged_at": tr.diverged_at, "lr": tr.lr}
            | tr.history.snapshot(max_points)
            for tr in self.trainers
        ]

    # ---- the training thread -------------------------------------------------
    def _loop(self) -> None:
        try:
            self._train()
        finally:
            with self._cond:
                self._idle = True
                self._cond.notify_all()

    def _train(self) -> None:
        torch.set_num_threads(1)  # process-wide; on 2 cores more threads only fight the server
        try:
            while self._next_action():
                for tr in self.trainers:
                    tr.step()
                self._rate.append((time.monotonic(), sum(tr.t for tr in self.trainers)))
                if all(tr.done for tr in self.trainers):
                    diverged = all(tr.status == "diverged" for tr in self.trainers)
                    self.state = "diverged" if diverged else "finished"
                    return
        except Exception as e:  # never die silently: the page shows the error
            self.error = f"{type(e).__name__}: {e}"
            self.state = "stopped"
            return
        if self.state in ("running", "paused"):
            self.state = "stopped"

    def _next_action(self) -> bool:
        """Block while paused; True when one more round of steps should run."""
        with self._cond:
            while True:
                if self._stop:
                    return False
                if self._pending_lr is not None:
                    for tr in self.trainers:
                        tr.set_lr(self._pending_lr)
                    self._pending_lr = None
                idle = time.monotonic() - self._last_touch
                if idle > self.idle_stop:
                    self.note = "ended: nobody was watching"
                    return False
                if not self._paused and idle > self.idle_pause:
                    self._paused, self.state = True, "paused"
                    self.note = "paused: nobody was watching"
                if self._pending_steps > 0:
                    self._pending_steps -= 1
                    return True
                if self._readers:
                    self._cond.wait(timeout=0.05)  # woken as soon as the page is done
                    continue
                if not self._paused:
                    now = time.monotonic()
                    if self.pace and now < self._next_round:
                        # Interruptible wait: pause/stop/lr still act at once.
                        self._cond.wait(timeout=self._next_round - now)
                        continue
                    if self.pace:
                        self._next_round = max(now, self._next_round) + 1.0 / self.pace
                    return True
                self._rate.clear()
                if not self._idle:
                    self._idle = True  # paused with nothing to do: step() waiters may go
                    self._cond.notify_all()
                self._cond.wait(timeout=0.25)
