"""The Compare page: variants are edited, trained live, stopped; a real browser run."""

from __future__ import annotations

import pytest

from tests.conftest import app_test, assert_no_exception, wait_app_idle, wait_for


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def names(at) -> list[str]:
    return [m.value.split("** ", 1)[1] for m in at.markdown if "●" in m.value]


@pytest.fixture
def at():
    at = app_test("views/compare.py").run()
    assert not at.exception
    yield at
    run = at.session_state["cmp_run"] if "cmp_run" in at.session_state else None
    if run is not None:  # never leave a training thread behind, even when a test fails
        run.stop()


def test_starts_from_the_train_settings_with_two_variants(at):
    assert names(at) == ["init = xavier_normal", "init = kaiming_normal"]
    assert any(m.value.startswith("**Base:** moons") for m in at.markdown)
    assert all(b.disabled for b in at.button if b.label == "Remove")  # 2 is the minimum
    assert button(at, "Stop all").disabled
    assert "Train all" in at.info[0].value


def test_a_shared_link_sets_the_base():
    at = app_test("views/compare.py")
    at.query_params["model.depth"] = "7"
    at.query_params["model.width"] = "oops"
    at.run()
    base = next(m.value for m in at.markdown if "**Base:**" in m.value)
    assert "7 hidden × 16" in base
    assert "model.width" in at.warning[0].value  # a bad parameter is explained, then skipped
    assert dict(at.query_params) == {"model.depth": "7"}


def test_train_all_runs_live_and_stop_all_leaves_no_thread(at):
    button(at, "Train all").click().run()
    assert not at.exception and not at.error
    run = at.session_state["cmp_run"]
    assert run.alive and len(run.trainers) == 2
    wait_for(
        lambda: min(tr.t for tr in run.trainers) >= 20, timeout=60, what="both variants to train"
    )
    at.run()  # a later rerun sees the progress (AppTest never fires run_every)
    bars = at.get("progress")
    assert len(bars) == 2 and all(b.value > 0 for b in bars)
    assert "init = xavier_normal: step" in bars[0].proto.text
    table = at.dataframe[0].value
    assert list(table["variant"]) == ["init = xavier_normal", "init = kaiming_normal"]
    assert not button(at, "Stop all").disabled
    button(at, "Stop all").click().run()
    assert not run.alive and run.state == "stopped"
    assert button(at, "Stop all").disabled
    steps = [tr.t for tr in run.trainers]
    at.run()
    assert [tr.t for tr in run.trainers] == steps  # stopped means stopped


def test_a_new_run_stops_the_old_one(at):
    button(at, "Train all").click().run()
    first = at.session_state["cmp_run"]
    button(at, "Train all").click().run()
    second = at.session_state["cmp_run"]
    assert second is not first and not first.alive and first.state == "stopped"
    button(at, "Stop all").click().run()


def test_preset_loads_and_variants_can_be_added_and_removed(at):
    at.selectbox(key="cmp_source").set_value("init")
    button(at, "Load").click().run()
    assert names(at) == ["init = zeros", "init = normal, sigma = 0.01",
                         "init = xavier_normal", "init = kaiming_normal"]  # fmt: skip
    assert "20-layer ReLU" in at.info[0].value
    assert "20 hidden × 32 relu" in next(m.value for m in at.markdown if "**Base:**" in m.value)

    at.button(key="cmp_remove_0").click().run()
    assert names(at)[0] == "init = normal, sigma = 0.01" and len(names(at)) == 3

    at.selectbox(key="cmp_add_key").set_value("optim.lr").run()
    at.number_input(key="cmp_val_optim.lr").set_value(0.2)
    button(at, "Add").click().run()
    assert names(at)[-1] == "lr = 0.2"

    at.selectbox(key="cmp_add_to").set_value("0")
    at.selectbox(key="cmp_add_key").set_value("optim.batch_size").run()
    at.number_input(key="cmp_val_optim.batch_size").set_value(8)
    button(at, "Add").click().run()
    assert names(at)[0] == "init = normal, sigma = 0.01, batch size = 8"

    # a duplicate is refused with a message, and the list stays as it was
    before = names(at)
    at.selectbox(key="cmp_add_to").set_value("new")
    at.selectbox(key="cmp_add_key").set_value("init.scheme").run()
    at.selectbox(key="cmp_val_init.scheme").set_value("xavier_normal")
    button(at, "Add").click().run()
    assert names(at) == before
    assert "same network" in at.error[0].value


def test_at_most_six_variants(at):
    at.selectbox(key="cmp_add_key").set_value("optim.lr").run()
    for lr in (0.01, 0.02, 0.03, 0.04):
        at.number_input(key="cmp_val_optim.lr").set_value(lr)
        button(at, "Add").click().run()
    assert len(names(at)) == 6
    assert button(at, "Add").disabled


def test_short_run_finishes_with_a_final_table_and_csv(at):
    at.number_input(key="cmp_steps").set_value(30).run()
    button(at, "Train all").click().run()
    run = at.session_state["cmp_run"]
    wait_for(lambda: not run.alive, timeout=60, what="the 30-step run to finish")
    at.run()
    assert run.state == "finished"
    table = at.dataframe[0].value
    assert list(table["steps"]) == ["30 / 30", "30 / 30"]
    assert list(table["diverged"]) == ["no", "no"]
    assert any(h.value == "Final table" for h in at.subheader)
    assert any("CSV" in d.proto.label for d in at.get("download_button"))


@pytest.mark.browser
def test_compare_in_browser(page, app_url):
    # a budget long enough that the run is still going when Stop all is pressed
    page.goto(f"{app_url}/compare?train.steps=200000")
    wait_app_idle(page)
    page.get_by_role("button", name="Train all").click()
    page.get_by_text("init = kaiming_normal: step").wait_for()
    page.wait_for_selector(".js-plotly-plot")
    page.wait_for_timeout(1500)  # let a few live refreshes land before the screenshot
    page.screenshot(path="/tmp/compare_running.png", full_page=True)
    page.get_by_role("button", name="Stop all").click()
    page.get_by_text("(stopped)").first.wait_for()
    wait_app_idle(page)
    assert_no_exception(page)
    page.screenshot(path="/tmp/compare_stopped.png", full_page=True)
