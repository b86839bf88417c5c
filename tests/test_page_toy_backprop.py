"""The toy-backprop page: AppTest for every control, one Playwright test in Chromium."""

from __future__ import annotations

import pytest

from core import toy
from tests.conftest import app_test, assert_no_exception, wait_app_idle

PAGE = "views/toy_backprop.py"


@pytest.fixture
def at():
    at = app_test(PAGE).run()
    assert not at.exception, at.exception
    return at


def inp(at, name):
    """The number input of one parameter (its key carries the page's input generation)."""
    return at.number_input(key=f"toy_{name}_{at.session_state.toy_gen}")


def tables(at) -> tuple[str, str]:
    md = [m.value for m in at.markdown if m.value.startswith("| ")]
    assert len(md) == 2
    return md[0], md[1]


def dot(at) -> str:
    charts = at.get("graphviz_chart")
    assert len(charts) == 1
    return charts[0].proto.spec


def test_opens_on_the_books_values_with_all_checks_agreeing(at):
    for name, v in {**toy.BOOK_PARAMS, "x": toy.BOOK_X, "y": toy.BOOK_Y}.items():
        assert inp(at, name).value == v
    fwd, bwd = tables(at)
    assert "| 0.139 |" in fwd and "| 7.137 |" in fwd
    assert "| -17.060 |" in bwd and "| 2.281 |" in bwd
    df = at.dataframe[0].value
    assert len(df) == 8 and list(df["check"]) == ["✓ agree"] * 8
    assert df.loc[df["parameter"] == "ω₀", "hand (backprop)"].item() == "5.246071"
    assert at.success and "All 8 gradients agree" in at.success[0].value
    assert not at.error


def test_changing_a_parameter_updates_every_table(at):
    inp(at, "beta3").set_value(1.4).run()
    assert not at.exception
    fwd, _ = tables(at)
    assert "| 3.372 |" in fwd  # f3 = β3 + ω3·h3 moved by exactly 1
    df = at.dataframe[0].value
    assert df.loc[df["parameter"] == "β₃", "hand (backprop)"].item() == "2.744528"


def test_step_through_forward_then_backward(at):
    assert at.session_state.toy_step == 0 and "#ffd54f" not in dot(at)
    assert at.button(key="toy_prev").disabled
    for _ in range(3):
        at.button(key="toy_next").click().run()
    assert at.session_state.toy_step == 3
    assert any(r"f_1 = \beta_1 + \omega_1 h_1" in x.value and "1.623" in x.value for x in at.latex)
    lit = [ln.strip() for ln in dot(at).splitlines() if "#ffd54f" in ln]
    assert len(lit) == 1 and lit[0].startswith("f1 ")
    at.button(key="toy_prev").click().run()
    assert at.session_state.toy_step == 2
    assert [ln for ln in dot(at).splitlines() if "#ffd54f" in ln][0].strip().startswith("h1 ")
    # Past the loss, the backward pass starts at f3 and shows its derivative.
    for _ in range(7):
        at.button(key="toy_next").click().run()
    assert at.session_state.toy_step == 9
    assert "∂ℓ/∂f₃ = 0.745" in dot(at) and "∂ℓ/∂f₂" not in dot(at)
    at.button(key="toy_all").click().run()
    assert at.session_state.toy_step == len(toy.STEPS) and at.button(key="toy_next").disabled
    assert "∂ℓ/∂ω₀ = 5.246" in dot(at)
    at.button(key="toy_restart").click().run()
    assert at.session_state.toy_step == 0 and not at.exception


def test_random_then_reset(at):
    at.number_input(key="toy_seed").set_value(3).run()
    at.button(key="toy_random").click().run()
    expected = toy.random_params(3)
    for name, v in expected.items():
        assert inp(at, name).value == pytest.approx(v)
    assert at.dataframe[0].value["check"].tolist() == ["✓ agree"] * 8
    at.button(key="toy_reset").click().run()
    for name, v in toy.BOOK_PARAMS.items():
        assert inp(at, name).value == v
    assert "| 0.139 |" in tables(at)[0]


def test_overflow_is_explained_not_silent(at):
    inp(at, "beta1").set_value(800.0).run()
    assert not at.exception
    assert any("exp(f1) overflows" in e.value for e in at.error)
    fwd, _ = tables(at)
    assert "overflow (+∞)" in fwd and "| nan |" not in fwd
    assert "⚠ overflow" in at.dataframe[0].value["check"].tolist()


def test_loss_slice_parameter_choice(at):
    at.selectbox(key="toy_slice_param").set_value("beta2").run()
    assert not at.exception


def test_sgd_fit_and_use_the_fitted_parameters(at):
    assert "toy_fit" not in at.session_state
    at.number_input(key="toy_steps").set_value(300).run()
    at.button(key="toy_fit_button").click().run()
    assert not at.exception
    fit = at.session_state.toy_fit
    assert len(fit.losses) == 301 and fit.losses[-1] < fit.losses[0]
    assert at.get("progress") and "300 of 300" in at.get("progress")[0].proto.text
    assert any("before →" in m.value for m in at.markdown)
    at.button(key="toy_use_fit").click().run()
    for name in toy.PARAMS:
        assert inp(at, name).value == pytest.approx(fit.params[name])
    # The fit survives reruns caused by other controls.
    at.button(key="toy_next").click().run()
    assert at.session_state.toy_fit.losses == fit.losses and at.get("plotly_chart")


def test_sgd_divergence_is_reported(at):
    at.number_input(key="toy_lr").set_value(1.0).run()
    at.number_input(key="toy_steps").set_value(50).run()
    at.button(key="toy_fit_button").click().run()
    assert not at.exception
    assert at.session_state.toy_fit.diverged_at is not None
    assert any("diverged" in e.value for e in at.error)


@pytest.mark.browser
def test_browser_shows_tables_and_graph(page, app_url):
    page.goto(app_url)
    wait_app_idle(page)
    # Through the sidebar: the page's own URL path depends on which page is the default.
    page.get_by_role("link", name="Backprop: toy model").click()
    tables = page.locator("[data-testid='stMarkdownContainer'] > table")
    tables.nth(1).wait_for()  # the script draws progressively: wait for the second table
    wait_app_idle(page)
    assert tables.count() == 2
    assert "0.139" in tables.nth(0).inner_text() and "-17.060" in tables.nth(1).inner_text()
    assert tables.nth(0).locator(".katex").count() >= 16  # formulas rendered by KaTeX
    graph = page.locator("[data-testid='stGraphVizChart'] svg")
    graph.wait_for()
    assert "1.230" not in graph.text_content()  # nothing revealed yet
    page.get_by_role("button", name="Next step").click()
    page.get_by_text("Step 1 of 15").wait_for()
    page.wait_for_function(
        "() => document.querySelector(\"[data-testid='stGraphVizChart'] svg\")"
        "?.textContent.includes('1.230')"
    )
    assert page.locator("[data-testid='stGraphVizChart'] svg [fill='#ffd54f']").count() == 1
    assert_no_exception(page)
    page.screenshot(path="/tmp/toy_backprop_browser.png", full_page=True)
