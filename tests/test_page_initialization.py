"""The Initialization page: runs, reacts to its controls, survives overflow; one browser test."""

import pytest

from tests.conftest import app_test, assert_no_exception, wait_app_idle

PAGE = "views/initialization.py"


def verdicts(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("- **"))


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def test_page_runs_with_defaults():
    at = app_test(PAGE).run()
    assert not at.exception
    text = verdicts(at)
    assert "He/Kaiming normal" in text and "→ stable" in text
    assert "Xavier/Glorot normal" in text and "factor per layer D·σ²/2 = 0.5 → vanishing" in text
    assert len(at.get("plotly_chart")) == 3  # forward, backward, histograms
    assert "He: 2/D = 0.02" in captions(at)
    assert any("Why He uses 2 for ReLU" in m.value for m in at.markdown)


def test_depth_100_with_an_overflowing_scheme():
    at = app_test(PAGE).run()
    at.slider(key="init_depth").set_value(100).run()
    assert not at.exception
    text = verdicts(at)
    assert "normal N(0, 1)" in text and "inf at layer" in text and "not computed" in text
    assert len(at.get("plotly_chart")) == 3


def charts(at) -> list[str]:
    """The figures' JSON as sent to the browser (AppTest cannot look inside them)."""
    return [c.proto.spec for c in at.get("plotly_chart")]


def test_controls_change_the_output():
    at = app_test(PAGE).run()
    seen = [(verdicts(at), charts(at))]

    def changed(widget, value):
        widget.set_value(value).run()
        assert not at.exception
        now = (verdicts(at), charts(at))
        assert now[0] != seen[-1][0] and now[1] != seen[-1][1], widget.key
        seen.append(now)

    changed(at.select_slider(key="init_width"), 512)
    assert "He: 2/D = 0.0039" in captions(at)
    changed(at.slider(key="init_depth"), 20)
    changed(at.selectbox(key="init_act"), "tanh")
    assert "tanh′(0)" in verdicts(at)
    changed(at.selectbox(key="init_act"), "relu")
    changed(at.select_slider(key="init_batch"), 100)
    changed(at.number_input(key="init_seed"), 7)
    # the custom σ² at He's value for D = 512 (nearest stop 0.00398): factor ~1, stable
    changed(at.select_slider(key="init_custom_var"), 0.00398)
    custom = next(line for line in verdicts(at).splitlines() if "custom" in line)
    assert "→ stable" in custom, custom
    changed(at.multiselect(key="init_schemes"), ["zeros", "kaiming_uniform"])
    assert "all zeros from layer 1" in verdicts(at)


def test_passes_are_cached(monkeypatch):
    """Same settings twice: no pass runs again; a ReLU net re-uses its shared pass when
    only the custom σ² moves (the slider costs nothing)."""
    import core.signal as sig

    calls = []
    real = sig._propagate
    monkeypatch.setattr(sig, "_propagate", lambda *a: calls.append(1) or real(*a))
    at = app_test(PAGE).run()
    at.number_input(key="init_seed").set_value(424242).run()  # fresh cache keys
    assert not at.exception and calls
    n = len(calls)
    at.run()
    at.select_slider(key="init_custom_var").set_value(0.501).run()
    assert "custom N(0, 0.501)" in verdicts(at) and len(calls) == n
    at.selectbox(key="init_act").set_value("tanh").run()
    assert len(calls) > n  # a new activation is new work


def test_no_scheme_selected_gives_a_message():
    at = app_test(PAGE).run()
    at.multiselect(key="init_schemes").set_value([]).run()
    assert not at.exception
    assert any("Pick at least one" in i.value for i in at.info)


@pytest.mark.browser
def test_initialization_page_in_browser(page, app_url):
    page.goto(f"{app_url}/initialization")
    wait_app_idle(page)
    page.get_by_text("Verdict per scheme").wait_for()
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3")
    assert_no_exception(page)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "inf at layer" in body or "He/Kaiming normal" in body
    # the forward chart holds SVG lines for the measured and dashed theory curves
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 6
