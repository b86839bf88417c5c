"""Compare engine (variants, presets, table, CSV, charts) and config round trips / uploads."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import compare as cmp
from core.charts import compare as charts
from core.charts.style import series_colors
from core.config import SECTIONS, Config, config_from_params_lenient, field_info
from core.config_file import MAX_BYTES, config_from_upload


# ---- naming and validation ------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes, name",
    [
        ({"init.scheme": "xavier_normal"}, "init = xavier_normal"),
        ({"init.scheme": "normal", "init.sigma": 0.01}, "init = normal, sigma = 0.01"),
        ({"optim.lr": 0.1}, "lr = 0.1"),
        ({"optim.batch_size": 16}, "batch size = 16"),
        ({"model.depth": 8, "model.activation": "tanh"}, "depth = 8, activation = tanh"),
        ({}, "base (no change)"),
    ],
)
def test_variant_names_say_what_changes(changes, name):
    assert cmp.variant_name(changes) == name


@pytest.mark.parametrize("key", ["data.dataset", "data.seed", "init.seed", "train.steps"])
def test_variants_cannot_change_what_is_shared(key):
    value = field_info(key).get("choices", ("circles",))[-1] if key == "data.dataset" else 3
    with pytest.raises(ValueError, match="shared"):
        cmp.variant_config(Config(), {key: value})


def test_parse_value_types_and_refusals():
    assert cmp.parse_value("optim.lr", "0.5") == 0.5
    assert cmp.parse_value("model.depth", 4.0) == 4 and isinstance(
        cmp.parse_value("model.depth", "4"), int
    )
    for key, bad in [("model.depth", 3.5), ("optim.lr", "fast"), ("model.depth", "inf")]:
        with pytest.raises(ValueError, match=key):
            cmp.parse_value(key, bad)


def test_check_variants_counts_and_duplicates():
    base = Config()
    one = [{"optim.lr": 0.1}]
    with pytest.raises(ValueError, match="2 to 6"):
        cmp.check_variants(base, one)
    with pytest.raises(ValueError, match="2 to 6"):
        cmp.check_variants(base, [{"optim.lr": 0.01 * (i + 1)} for i in range(7)])
    with pytest.raises(ValueError, match="same network"):
        # the default init *is* kaiming_normal: both variants train the base
        cmp.check_variants(base, [{}, {"init.scheme": "kaiming_normal"}])
    configs = cmp.check_variants(base, [{"optim.lr": 0.1}, {"model.depth": 5}])
    assert [c.optim.lr for c in configs] == [0.1, 0.05] and configs[1].model.depth == 5


def test_with_change_adds_extends_and_refuses_without_mutating():
    base, start = Config(), [{"optim.lr": 0.1}, {"optim.lr": 0.2}]
    new = cmp.with_change(base, start, None, "model.depth", 6)
    assert new == [*start, {"model.depth": 6}]
    new2 = cmp.with_change(base, new, 0, "optim.batch_size", "64")
    assert new2[0] == {"optim.lr": 0.1, "optim.batch_size": 64}
    assert start == [{"optim.lr": 0.1}, {"optim.lr": 0.2}]  # inputs untouched
    with pytest.raises(ValueError, match="model.depth = 99"):
        cmp.with_change(base, start, None, "model.depth", 99)
    with pytest.raises(ValueError, match="same network"):
        cmp.with_change(base, start, 1, "optim.lr", 0.1)
    full = [{"optim.lr": 0.01 * (i + 1)} for i in range(cmp.MAX_VARIANTS)]
    with pytest.raises(ValueError, match="at most 6"):
        cmp.with_change(base, full, None, "model.depth", 4)


# ---- presets -----------------------------------------------------------------------------------
def test_presets_are_valid_and_demonstrate_what_the_issue_asks():
    for preset in cmp.PRESETS.values():
        configs = cmp.check_variants(preset.config(), list(preset.variants))
        assert len({c.to_json() for c in configs}) == len(configs)
    init = cmp.PRESETS["init"]
    cfgs = cmp.check_variants(init.config(), list(init.variants))
    assert init.config().model.activation == "relu" and init.config().model.depth >= 10
    assert [c.init.scheme for c in cfgs] == ["zeros", "normal", "xavier_normal", "kaiming_normal"]
    assert cfgs[1].init.sigma == 0.01
    lrs = [
        c.optim.lr
        for c in cmp.check_variants(cmp.PRESETS["lr"].config(), list(cmp.PRESETS["lr"].variants))
    ]
    assert len(set(lrs)) == 4
    batch = cmp.PRESETS["batch"]
    assert [
        c.optim.batch_size for c in cmp.check_variants(batch.config(), list(batch.variants))
    ] == [1, 16, 128]


# ---- running: shared data, final table, CSV ---------------------------------------------------
def run_variants(base: Config, variants: list[dict], steps: int) -> tuple[list[str], list[dict]]:
    configs = cmp.check_variants(base.replace(**{"train.steps": steps}), variants)
    trainers = cmp.build_trainers(configs)
    assert all(tr.data is trainers[0].data for tr in trainers)  # one dataset, shared
    for tr in trainers:
        tr.run()
    snaps = [
        {"t": tr.t, "status": tr.status, "diverged_at": tr.diverged_at} | tr.history.snapshot(None)
        for tr in trainers
    ]
    return [cmp.variant_name(v) for v in variants], snaps


def test_lr_preset_table_marks_divergence_and_steps_to_target():
    p = cmp.PRESETS["lr"]
    names, snaps = run_variants(p.config(), list(p.variants), steps=200)
    rows = cmp.final_rows(names, snaps, 200, target=0.3)
    by_lr = dict(zip([v["optim.lr"] for v in p.variants], rows))
    assert by_lr[10.0]["diverged"].startswith("yes, at step")
    assert by_lr[10.0]["train loss"] is None and by_lr[10.0]["val acc"] is None
    assert by_lr[0.1]["diverged"] == "no" and by_lr[0.1]["steps"] == "200 / 200"
    assert 0 <= by_lr[0.1]["val acc"] <= 1 and by_lr[0.1]["train loss"] < 0.69
    # the tiny learning rate gets to the target later than the good one (or never)
    slow, good = by_lr[0.01]["steps to target"], by_lr[0.1]["steps to target"]
    assert good is not None and (slow is None or slow > good)


def test_first_step_below_and_progress():
    steps, losses = np.array([0, 10, 20, 30]), np.array([1.0, 0.6, 0.29, 0.1])
    assert cmp.first_step_below(steps, losses, 0.3) == 20
    assert cmp.first_step_below(steps, losses, 0.01) is None
    assert cmp.first_step_below(steps, np.array([np.nan] * 4), 0.3) is None
    assert cmp.progress({"t": 50, "status": "running"}, 200) == 0.25
    assert cmp.progress({"t": 7, "status": "diverged"}, 200) == 1.0


def test_csv_of_variants_with_different_depths():
    names, snaps = run_variants(Config(), [{"model.depth": 1}, {"model.depth": 2}], steps=12)
    rows = list(csv.reader(io.StringIO(cmp.compare_csv(names, snaps))))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["variant", "step"]
    assert "grad_w/hidden 2" in header and "val_loss" in header
    assert len(body) == 24 and {r[0] for r in body} == set(names)
    col = header.index("grad_w/hidden 2")
    shallow = [r for r in body if r[0] == names[0]]
    deep = [r for r in body if r[0] == names[1]]
    assert all(r[col] == "" for r in shallow)  # the 1-layer net has no hidden 2
    assert all(float(r[col]) > 0 for r in deep)
    assert [int(r[1]) for r in deep] == list(range(12))


# ---- charts: one colour per variant, everywhere ----------------------------------------------
def test_charts_share_one_colour_per_variant():
    p = cmp.PRESETS["init"]
    names, snaps = run_variants(p.config(), list(p.variants), steps=30)
    colors = series_colors(len(names))
    figs = [charts.loss_figure(names, snaps), charts.accuracy_figure(names, snaps),
            charts.grad_figure(names, snaps)]  # fmt: skip
    for fig in figs:
        assert len(fig.data) == 2 * len(names)  # train+val, or first+last layer
        for trace in fig.data:
            assert trace.line.color == colors[names.index(trace.name)]
    grad = figs[2]
    zeros = [t for t in grad.data if t.name == "init = zeros"][0]  # first layer of zero init
    assert np.all(np.asarray(zeros.customdata) == 0) and np.all(
        np.asarray(zeros.y) == charts.GRAD_FLOOR
    )
    he = [t for t in grad.data if t.name == "init = kaiming_normal"][0]
    assert np.all(np.asarray(he.y) > 1e-6)  # He keeps a real gradient in the first layer


def test_charts_thin_long_runs_and_handle_regression():
    names, snaps = run_variants(
        Config().replace(**{"data.dataset": "regression", "train.probe_every": 1}),
        [{"optim.lr": 0.01}, {"optim.lr": 0.02}],
        steps=700,
    )
    loss = charts.loss_figure(names, snaps, max_points=100)
    assert all(len(t.x) <= 100 for t in loss.data) and len(loss.data) == 4
    acc = charts.accuracy_figure(names, snaps)
    assert len(acc.data) == 0 and "regression" in acc.layout.annotations[0].text
    rows = cmp.final_rows(names, snaps, 700, 0.3)
    assert "val acc" not in rows[0] and rows[0]["val loss"] > 0


# ---- config round trips: JSON, upload, URL ---------------------------------------------------------
def _field_values(key: str):
    info = field_info(key)
    if "choices" in info:
        return st.sampled_from(info["choices"])
    lo, hi = info["range"]
    if isinstance(info["default"], int):
        return st.integers(lo, hi)
    return st.floats(lo, hi, allow_nan=False)


KEYS = [f"{s}.{f.name}" for s, klass in SECTIONS.items() for f in dataclasses.fields(klass)]


@st.composite
def configs(draw):
    chosen = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=8))
    return Config().replace(**{k: draw(_field_values(k)) for k in chosen})


@given(configs())
@settings(max_examples=60, deadline=None)
def test_config_round_trips_json_upload_and_url(cfg):
    assert Config.from_json(cfg.to_json()) == cfg
    assert config_from_upload(cfg.to_json().encode()) == cfg
    assert Config.from_params(cfg.to_params()) == cfg
    lenient, problems = config_from_params_lenient(cfg.to_params())
    assert lenient == cfg and problems == []


# ---- broken uploads: refused with a message, never another exception -----------------------------
BROKEN = [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"{", "not valid JSON"),
    (b"[]", "object of sections"),
    (b"null", "object of sections"),
    (b'{"model": []}', "section 'model'"),
    (b'{"modell": {}}', "unknown section 'modell'"),
    (b'{"model": {"depht": 3}}', "model.depht"),
    (b'{"model": {"depth": 99}}', "model.depth = 99"),
    (b'{"model": {"depth": 3.5}}', "model.depth"),
    (b'{"model": {"depth": "3"}}', "model.depth"),
    (b'{"model": {"depth": true}}', "model.depth"),
    (b'{"optim": {"lr": NaN}}', "optim.lr"),
    (b'{"optim": {"lr": 1e999}}', "optim.lr"),
    (b'{"optim": {"lr": -1}}', "optim.lr"),
    (b'{"model": {"activation": "ReLU"}}', "model.activation"),
    (b'{"init": {"scheme": null}}', "init.scheme"),
    (b"\xff\xfe{\x00}\x00", "not UTF-8"),
    (b"[" * 50_000, "nested"),
    (b'{"model": {"depth": 3}}' + b" " * MAX_BYTES, "100 kB"),
]


@pytest.mark.parametrize("data, message", BROKEN, ids=[m for _, m in BROKEN])
def test_broken_upload_is_refused_with_a_message_naming_the_problem(data, message):
    with pytest.raises(ValueError, match=message):
        config_from_upload(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def mutated_configs(draw):
    """A valid config file with one key set to an arbitrary JSON value (or one key added)."""
    d = Config().to_dict()
    section = draw(st.sampled_from(list(d)))
    key = draw(st.sampled_from([*d[section], "extra"]))
    d[section][key] = draw(json_values)
    return json.dumps(d, allow_nan=True).encode()


@given(
    st.one_of(
        st.binary(max_size=300),
        mutated_configs(),
        json_values.map(lambda v: json.dumps(v).encode()),
    )
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzzed_uploads_are_configs_or_clear_refusals(data):
    try:
        cfg = config_from_upload(data)
    except ValueError as e:
        assert str(e) and len(str(e)) < 300  # a sentence, not a dump
        return
    assert isinstance(cfg, Config)
    cfg.validate()
    assert all(math.isfinite(v) for s in cfg.to_dict().values() for v in s.values()
               if isinstance(v, float))  # fmt: skip
