"""The matrix-form backprop page: AppTest for every loss and changed controls; one
real browser test (LaTeX renders, charts drawn, no exception)."""

from __future__ import annotations

import pytest

from core import backprop as bp
from tests.conftest import app_test, assert_no_exception, wait_app_idle

PAGE = "views/matrix_backprop.py"


def _run(**controls):
    at = app_test(PAGE).run()
    for key, value in controls.items():
        _by_key(at, key).set_value(value)
    return at.run()


def _by_key(at, key):
    for kind in (at.slider, at.number_input, at.select_slider, at.selectbox):
        try:
            return kind(key)
        except KeyError:
            continue
    raise KeyError(key)


def _texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [e.value for e in at.latex])


@pytest.mark.parametrize("loss", bp.LOSSES)
def test_page_runs_for_every_loss(loss):
    at = _run(mx_loss=loss)
    assert not at.exception
    assert not at.error
    assert at.success and at.success[0].value.startswith("All layers agree")
    derivative = {"least_squares": r"\mathbf{f}_K - \mathbf{y}",
                  "softmax_ce": r"\operatorname{onehot}", "sigmoid_bce": r"\sigma(\mathbf{f}_K)"}  # fmt: skip
    assert derivative[loss] in _texts(at)


def test_controls_change_the_tables():
    at = _run(mx_K=6, mx_D=9, mx_D_in=2, mx_D_out=4, mx_I=7, mx_seed=11)
    assert not at.exception and at.success
    forward = at.dataframe[0].value
    assert len(forward) == 7  # layers 0..K
    assert forward["Ω_k"].iloc[0] == "9×2" and forward["Ω_k"].iloc[-1] == "4×9"
    assert forward["f_k = β_k + Ω_k h_k"].iloc[3] == "9×7"
    backward = at.dataframe[1].value
    assert len(backward) == 4 * 6 + 3
    check = at.dataframe[2].value
    assert list(check["layer k"]) == list(range(7))
    assert set(check["verdict"]) == {"✓ agree"}
    # cost metrics follow D and I: 9x9 float64 diagonal, 9-vector
    assert at.metric[0].value == f"{9 * 9 * 8:,} B" and at.metric[1].value == "72 B"
    assert at.metric[3].value == f"{9 * 7:,}"


def test_largest_network_runs():
    at = _run(mx_K=8, mx_D=16, mx_D_in=16, mx_D_out=16, mx_I=64, mx_loss="softmax_ce")
    assert not at.exception and at.success


def test_layer_pickers_switch_what_is_shown():
    at = _run(mx_K=2)
    assert "Layer 0 reads the input" not in _texts(at)
    assert r"\mathbb{I}[\mathbf{f}_1 > 0]" in _texts(at)  # default: top layer K=2
    at.select_slider("mx_bwd_k").set_value(0).run()
    assert not at.exception
    assert "Layer 0 reads the input" in _texts(at)
    at.select_slider("mx_bwd_k").set_value(1).run()
    assert r"\mathbb{I}[\mathbf{f}_0 > 0]" in _texts(at)
    # a picked layer that no longer exists after K shrinks must not break the page
    at.select_slider("mx_fwd_k").set_value(2).run()
    at.slider("mx_K").set_value(1).run()
    assert not at.exception and at.select_slider("mx_fwd_k").value in (0, 1)


def test_softmax_with_one_output_gets_a_clear_message():
    at = _run(mx_D_out=1, mx_loss="softmax_ce")
    assert not at.exception
    assert at.error and "at least 2 outputs" in at.error[0].value
    assert not at.success  # nothing computed from a bad setting


@pytest.mark.browser
def test_page_in_browser(page, app_url):
    # Load the router first: on a fresh server a deep link would run the page file alone.
    page.goto(app_url)
    wait_app_idle(page)
    page.goto(app_url + "/matrix_backprop")
    page.wait_for_selector("text=All layers agree", timeout=60_000)
    wait_app_idle(page)
    assert_no_exception(page)
    # KaTeX and plotly load lazily after the script finishes: wait for them, do not sleep.
    page.wait_for_function("() => document.querySelectorAll('.katex').length > 10")
    assert page.locator(".katex-error").count() == 0  # every formula parsed
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 12")
    page.wait_for_function("() => document.querySelectorAll('.heatmaplayer image').length >= 9")
    page.screenshot(path="/tmp/matrix_backprop_browser.png", full_page=True)
