"""Metrics of a run as CSV: one row per recorded step, per-layer columns named by layer."""

from __future__ import annotations

import csv
import io
import math


def metrics_rows(snapshot: dict) -> tuple[list[str], list[list]]:
    """Merge the per-step and per-probe series of a History snapshot by step.

    A probe column is empty on steps without a probe. Column names are the
    History's own ("grad_w/hidden 1", "val_loss", ...).
    """
    steps, probes = snapshot["steps"], snapshot["probes"]
    s_names = [k for k in steps if k != "step"]
    p_names = [k for k in probes if k != "step"]
    rows: dict[int, list] = {}
    width = len(s_names) + len(p_names)
    for i, st in enumerate(steps["step"]):
        row = rows.setdefault(int(st), [None] * width)
        row[: len(s_names)] = [steps[k][i] for k in s_names]
    for i, st in enumerate(probes["step"]):
        row = rows.setdefault(int(st), [None] * width)
        row[len(s_names) :] = [probes[k][i] for k in p_names]
    header = ["step", *s_names, *p_names]
    return header, [[step, *rows[step]] for step in sorted(rows)]


def csv_cell(v) -> str:
    """A CSV cell: empty for missing, full precision for numbers, 'nan'/'inf' spelled out."""
    if v is None:
        return ""
    v = float(v)
    return repr(v) if math.isfinite(v) else str(v)


def metrics_csv(snapshot: dict, variant: str | None = None) -> str:
    """CSV text of a run; `variant` adds a first column naming the run (Compare page)."""
    header, rows = metrics_rows(snapshot)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow((["variant"] if variant is not None else []) + header)
    for row in rows:
        cells = [str(row[0])] + [csv_cell(v) for v in row[1:]]
        w.writerow(([variant] if variant is not None else []) + cells)
    return buf.getvalue()
