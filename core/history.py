"""A bounded, thread-safe store of a run's metrics.

The training thread writes; page reruns read a snapshot. Memory stays bounded
however long a run lasts: a Series keeps at most `capacity` rows, and when full
it merges neighbouring rows pairwise (averaging them) and from then on averages
twice as many steps into each new row. Histogram snapshots are thinned the same
way: when full, every other one is dropped and new ones are kept half as often.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np


class Series:
    """Named float columns recorded against a step counter, bounded by merging."""

    def __init__(self, names: list[str], capacity: int = 2048):
        assert capacity >= 4 and capacity % 2 == 0
        self.names = list(names)
        self.capacity = capacity
        self._rows = np.empty((capacity, len(names) + 1), dtype=np.float64)  # col 0: step
        self._n = 0
        self.stride = 1  # raw records averaged into one row
        self._acc = np.zeros(len(names))
        self._count = 0
        self._last_step = 0

    def add(self, step: int, values) -> None:
        # Merge only between buckets, so every row always spans `stride` records.
        if self._count == 0 and self._n == self.capacity:
            self._merge()
        self._acc += values
        self._count += 1
        self._last_step = step
        if self._count == self.stride:
            self._flush()

    def add_many(self, steps, values: np.ndarray) -> None:
        """add() for many rows at once, with numpy work per stored row, not per step."""
        n, i = len(steps), 0
        while i < n:
            if self._count == 0 and self._n == self.capacity:
                self._merge()
            take = min(self.stride - self._count, n - i)
            self._acc += values[i : i + take].sum(axis=0)
            self._count += take
            self._last_step = steps[i + take - 1]
            i += take
            if self._count == self.stride:
                self._flush()

    def _merge(self) -> None:
        half = self.capacity // 2
        r = self._rows
        merged = (r[0::2] + r[1::2]) / 2
        merged[:, 0] = r[1::2, 0]  # a merged row is labelled with its last step
        r[:half] = merged
        self._n = half
        self.stride *= 2

    def _flush(self) -> None:
        self._rows[self._n, 0] = self._last_step
        self._rows[self._n, 1:] = self._acc / self._count
        self._n += 1
        self._acc[:] = 0
        self._count = 0

    def __len__(self) -> int:
        return self._n + (1 if self._count else 0)

    def table(self) -> np.ndarray:
        """All rows (a copy), the partly filled bucket included, shape (rows, 1 + names)."""
        rows = self._rows[: self._n].copy()
        if self._count:
            pending = np.concatenate([[self._last_step], self._acc / self._count])
            rows = np.vstack([rows, pending])
        return rows

    @property
    def nbytes(self) -> int:
        return self._rows.nbytes + self._acc.nbytes


@dataclass
class HistSnapshot:
    step: int
    pre: list  # per layer: (edges, counts)
    post: list


def thin_indices(n: int, max_points: int) -> np.ndarray:
    """At most max_points evenly spread indices of range(n), first and last kept."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


class History:
    """Per-step series, per-probe series and histogram snapshots of one run."""

    def __init__(
        self,
        step_names: list[str],
        probe_names: list[str],
        capacity: int = 2048,
        max_hists: int = 60,
    ):
        self._lock = threading.Lock()
        self.steps = Series(step_names, capacity)
        self.probes = Series(probe_names, capacity)
        self.max_hists = max_hists
        self._hists: list[HistSnapshot] = []
        self._hist_stride = 1
        self._hist_seen = 0

    def record_step(self, step: int, values) -> None:
        with self._lock:
            self.steps.add(step, values)

    def record_steps(self, steps: list[int], rows: list[list[float]]) -> None:
        with self._lock:
            self.steps.add_many(steps, np.asarray(rows, dtype=np.float64))

    def record_probe(self, step: int, values, hist: HistSnapshot | None = None) -> None:
        with self._lock:
            self.probes.add(step, values)
            if hist is not None:
                self._add_hist(hist)

    def _add_hist(self, hist: HistSnapshot) -> None:
        keep = self._hist_seen % self._hist_stride == 0
        self._hist_seen += 1
        if not keep:
            return
        if len(self._hists) >= self.max_hists:
            self._hists = self._hists[::2]
            self._hist_stride *= 2
        self._hists.append(hist)

    def snapshot(self, max_points: int | None = 500) -> dict:
        """A consistent copy for readers: {"steps": {name: array}, "probes": ..., "hists": [...]}.

        max_points thins each series for the browser (None keeps every stored row).
        """
        with self._lock:
            steps, probes = self.steps.table(), self.probes.table()
            hists = list(self._hists)
        out = {}
        for key, table, names in (
            ("steps", steps, self.steps.names),
            ("probes", probes, self.probes.names),
        ):
            if max_points is not None:
                table = table[thin_indices(len(table), max_points)]
            out[key] = {"step": table[:, 0]} | {n: table[:, i + 1] for i, n in enumerate(names)}
        out["hists"] = hists
        return out

    def nbytes(self) -> int:
        """Approximate memory held: both series plus the histogram snapshots."""
        with self._lock:
            h = sum(e.nbytes + c.nbytes for s in self._hists for e, c in (*s.pre, *s.post))
            return self.steps.nbytes + self.probes.nbytes + h
