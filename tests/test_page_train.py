"""The Train page under AppTest (no browser): controls drive a real background run."""

import pytest
import torch

from tests.conftest import app_test, assert_no_exception, wait_app_idle, wait_for


@pytest.fixture
def at():
    at = app_test("views/train.py")
    yield at
    run = at.session_state["train_run"] if "train_run" in at.session_state else None
    if run is not None:
        run.stop()


def _run(at):
    return at.session_state["train_run"]


def test_page_runs_and_train_makes_progress(at):
    at.run()
    assert not at.exception
    at.button(key="tr_train").click().run()
    assert not at.exception
    run = _run(at)
    wait_for(lambda: run.trainers[0].t > 50, 20, what="training progress")
    at.run()  # AppTest never fires run_every: a rerun stands in for the refresh
    assert not at.exception
    assert any("step" in (p.proto.text or "") for p in at.get("progress"))
    assert at.get("plotly_chart"), "charts are drawn once there is data"
    assert at.dataframe, "the per-layer table is shown"


def test_pause_resume_stop(at):
    at.run()
    at.button(key="tr_train").click().run()
    run = _run(at)
    wait_for(lambda: run.trainers[0].t > 10, 20)
    at.button(key="tr_pause").click().run()
    assert run.state == "paused" and run.wait_idle(2)
    t = run.trainers[0].t
    at.run()
    assert run.trainers[0].t == t
    assert any("Paused" in m.value for m in at.markdown)
    at.button(key="tr_train").click().run()  # now labelled Resume
    wait_for(lambda: run.trainers[0].t > t, 10, what="resume")
    at.button(key="tr_stop").click().run()
    assert run.state == "stopped" and not run.alive


def test_step_buttons(at):
    at.run()
    at.button(key="tr_step1").click().run()
    run = _run(at)
    wait_for(lambda: run.trainers[0].t == 1, 10)
    at.button(key="tr_step10").click().run()
    wait_for(lambda: run.trainers[0].t == 11, 10)
    assert run.state == "paused"


def test_reset_replays_the_same_weights(at):
    at.run()
    at.button(key="tr_reset").click().run()
    first = [p.detach().clone() for p in _run(at).trainers[0].model.parameters()]
    at.button(key="tr_step10").click().run()
    run = _run(at)
    wait_for(lambda: run.trainers[0].t == 10, 10)
    at.button(key="tr_reset").click().run()
    again = list(_run(at).trainers[0].model.parameters())
    assert _run(at) is not run and not run.alive
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert _run(at).trainers[0].t == 0


def test_divergence_is_shown_not_raised(at):
    at.query_params.update({"optim.lr": "10", "optim.optimizer": "sgd",
                            "init.scheme": "normal", "init.sigma": "3"})  # fmt: skip
    at.run()
    at.button(key="tr_train").click().run()
    run = _run(at)
    wait_for(lambda: not run.alive, 20, what="the diverging run to end")
    at.run()
    assert not at.exception
    assert any("Diverged at step" in e.value for e in at.error)


def test_bad_url_parameters_warn_and_fall_back(at):
    at.query_params.update({"model.depth": "999", "optim.lr": "fast", "model.width": "8"})
    at.run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "model.depth" in text and "optim.lr" in text
    assert at.session_state["bp_config"].model.width == 8
    assert at.session_state["bp_config"].model.depth == 3


def test_preset_loads_settings_and_lr_changes_mid_run(at):
    at.run()
    at.button(key="tr_preset_2").click().run()  # too-small normal
    cfg = at.session_state["bp_config"]
    assert cfg.init.scheme == "normal" and cfg.init.sigma == 0.01
    assert at.selectbox(key="w.init.scheme").value == "normal"
    at.button(key="tr_train").click().run()
    run = _run(at)
    wait_for(lambda: run.trainers[0].t > 5, 10)
    at.select_slider(key="w.optim.lr").set_value(0.001).run()
    wait_for(lambda: run.trainers[0].lr == 0.001, 5, what="lr change mid-run")
    assert run.alive and run.trainers[0].cfg.init.sigma == 0.01


@pytest.mark.browser
def test_train_in_browser(page, app_url):
    page.goto(app_url + "/?train.steps=1000000")  # long enough to watch, stopped at the end
    wait_app_idle(page)
    page.get_by_role("button", name="Train").first.click()
    progress = page.locator("[data-testid='stProgress']").first
    progress.wait_for()
    wait_for(lambda: "step" in progress.inner_text(), 15, what="progress text")
    page.locator(".js-plotly-plot").first.wait_for()
    first = progress.inner_text()
    wait_for(lambda: progress.inner_text() != first, 15, what="the step count to change")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Resume").wait_for()
    frozen = progress.inner_text()
    loss_chart = page.locator(".js-plotly-plot").first.inner_html()
    for _ in range(3):  # three refresh periods later, nothing moved
        page.wait_for_timeout(400)
        assert progress.inner_text() == frozen
    assert page.locator(".js-plotly-plot").first.inner_html() == loss_chart
    assert_no_exception(page)
    page.get_by_role("button", name="Stop").click()
