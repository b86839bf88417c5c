"""The background run controller: every test waits on conditions, never on sleeps."""

import threading

import pytest

from core.config import Config
from core.run import Run
from core.trainer import Trainer
from tests.conftest import engine_threads, wait_for


@pytest.fixture
def run():
    r = Run(Trainer(Config().replace(**{"train.steps": 1_000_000})))
    yield r
    r.stop()


def test_start_pause_resume_stop(run):
    run.start()
    wait_for(lambda: run.trainers[0].t > 20, 10, what="steps")
    assert run.state == "running" and len(engine_threads()) == 1
    run.pause()
    wait_for(lambda: run.steps_per_second() == 0.0, 5, what="pause")
    t = run.trainers[0].t
    # a paused run takes no step while we poll its snapshot a few times
    for _ in range(5):
        run.snapshot()
    assert run.trainers[0].t == t
    run.resume()
    wait_for(lambda: run.trainers[0].t > t + 20, 10, what="steps after resume")
    run.stop()
    assert run.state == "stopped" and not run.alive


def test_single_steps_while_paused(run):
    run.step(5)
    wait_for(lambda: run.trainers[0].t == 5, 10, what="5 steps")
    assert run.state == "paused"
    run.step(10)
    wait_for(lambda: run.trainers[0].t == 15, 10, what="10 more steps")
    assert run.trainers[0].t == 15


def test_lr_change_mid_run(run):
    run.start()
    wait_for(lambda: run.trainers[0].t > 5, 10)
    run.set_lr(0.0123)
    wait_for(lambda: run.trainers[0].lr == 0.0123, 5, what="lr change")
    t = run.trainers[0].t
    wait_for(lambda: run.trainers[0].t > t + 5, 10)
    lrs = run.snapshot(None)[0]["steps"]["lr"]
    assert lrs[-1] == 0.0123 and lrs[0] == 0.05


def test_finishes_and_ends_thread():
    r = Run(Trainer(Config().replace(**{"train.steps": 30})))
    r.start()
    wait_for(lambda: not r.alive, 10, what="the run to finish")
    assert r.state == "finished" and r.trainers[0].t == 30


def test_diverged_run_reports_it():
    cfg = Config().replace(
        **{"optim.optimizer": "sgd", "optim.lr": 10.0, "init.scheme": "normal", "init.sigma": 3.0}
    )
    r = Run(Trainer(cfg))
    r.start()
    wait_for(lambda: not r.alive, 10)
    assert r.state == "diverged" and r.snapshot()[0]["diverged_at"] is not None


def test_idle_run_pauses_then_ends():
    r = Run(Trainer(Config().replace(**{"train.steps": 1_000_000})), idle_pause=0.3, idle_stop=1.0)
    r.start()
    wait_for(lambda: r.state == "paused", 5, what="idle pause")
    assert "nobody" in r.note
    wait_for(lambda: not r.alive, 5, what="idle end")
    assert r.state == "stopped"


def test_round_robin_trains_every_variant():
    cfgs = [
        Config().replace(**{"train.steps": 40, "init.scheme": s})
        for s in ("zeros", "xavier_normal")
    ]
    r = Run([Trainer(c) for c in cfgs])
    r.start()
    wait_for(lambda: not r.alive, 10)
    assert [tr.t for tr in r.trainers] == [40, 40]


def test_stop_is_idempotent_and_threads_are_named():
    r = Run(Trainer(Config()))
    r.start()
    assert any(t.name.startswith("bplab-") for t in threading.enumerate())
    r.stop()
    r.stop()
    assert not r.alive


def test_pace_slows_a_run_and_pause_still_acts(run):
    run.set_pace(50)
    run.start()
    wait_for(lambda: run.trainers[0].t >= 10, 10, what="paced steps")
    wait_for(lambda: run.steps_per_second() > 0, 5)
    assert run.steps_per_second() < 200  # full speed is well above 1,000 steps/s
    run.pause()
    wait_for(lambda: run.state == "paused", 2)
    run.set_pace(None)
    run.resume()
    t = run.trainers[0].t
    wait_for(lambda: run.trainers[0].t > t + 200, 10, what="full speed again")


def test_step_with_wait_returns_after_the_steps(run):
    run.step(7, wait=5.0)
    assert run.trainers[0].t == 7
    run.step(3, wait=5.0)
    assert run.trainers[0].t == 10 and run.state == "paused"


def test_step_while_running_pauses_the_run(run):
    run.start()
    wait_for(lambda: run.trainers[0].t > 5, 10)
    run.step(2, wait=5.0)
    assert run.state == "paused"
    t = run.trainers[0].t
    assert run.wait_idle(2) and run.trainers[0].t == t


def test_a_reading_page_holds_training_back(run):
    run.start()
    wait_for(lambda: run.trainers[0].t > 5, 10)
    with run.reading():
        t = run.trainers[0].t
        threading.Event().wait(0.3)  # an observation window: nothing may happen in it
        assert run.trainers[0].t <= t + 1  # at most the round under way finishes
    wait_for(lambda: run.trainers[0].t > t + 10, 10, what="training after the page is done")
