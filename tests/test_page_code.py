"""The Code & export page: the script, config download/upload, metrics, the shared link."""

from __future__ import annotations

import json

import pytest

from core.config import Config
from core.config_file import MAX_BYTES
from core.run import Run
from core.script import generate_script
from core.trainer import Trainer
from tests.conftest import app_test, assert_no_exception, wait_app_idle, wait_for
from tests.test_compare import BROKEN

LINK = {"model.depth": "5", "init.scheme": "xavier_normal"}


def config(at) -> Config:
    return at.session_state["bp_config"]


def downloads(at) -> dict[str, object]:
    return {d.proto.label: d for d in at.get("download_button")}


def upload(at, name: str, data: bytes):
    at.file_uploader(key="code_upload").set_value((name, data, "application/json")).run()
    assert not at.exception
    return at


@pytest.fixture
def at():
    at = app_test("views/code.py")
    for k, v in LINK.items():
        at.query_params[k] = v
    return at.run()


def test_shows_the_script_of_the_linked_config(at):
    assert not at.exception
    cfg = config(at)
    assert cfg.model.depth == 5 and cfg.init.scheme == "xavier_normal"
    assert at.code[0].value.strip() == generate_script(cfg).strip()
    assert at.code[0].language == "python"
    assert "5 hidden × 16 relu · init xavier_normal" in at.markdown[0].value
    assert {"Download experiment.py", "Download the config (JSON)"} <= set(downloads(at))


def test_link_tab_lists_the_changed_parameters(at):
    table = at.dataframe[0].value
    assert dict(zip(table["parameter"], table["value"])) == LINK
    assert dict(at.query_params) == LINK  # the address bar keeps the settings


def test_valid_upload_replaces_the_settings_everywhere(at):
    cfg = Config().replace(**{"optim.lr": 0.2, "data.dataset": "spiral", "model.depth": 2})
    upload(at, "mine.json", cfg.to_json().encode())
    assert config(at) == cfg
    assert "Loaded **mine.json**" in at.success[0].value
    assert at.code[0].value.strip() == generate_script(cfg).strip()
    assert at.query_params["optim.lr"] == "0.2" and at.query_params["model.depth"] == "2"


@pytest.mark.parametrize(
    "data, message",
    [BROKEN[i] for i in (2, 7, 8, 10, 14, 17)] + [(b"{}" + b" " * MAX_BYTES, "100 kB")],
    ids=["malformed", "unknown key", "out of range", "wrong type", "negative", "binary", "big"],
)
def test_broken_upload_is_refused_and_settings_kept(at, data, message):
    before = config(at)
    upload(at, "broken.json", data)
    assert config(at) == before
    text = at.error[0].value
    assert "**broken.json** was refused" in text and message in text
    assert "Your settings are unchanged" in text
    assert dict(at.query_params) == LINK


def test_refusal_after_a_good_upload_keeps_the_good_settings(at):
    good = Config().replace(**{"model.width": 64})
    upload(at, "good.json", good.to_json().encode())
    upload(at, "bad.json", json.dumps({"model": {"width": 0}}).encode())
    assert config(at) == good and "model.width = 0" in at.error[0].value


def test_metrics_download_of_the_train_run(at):
    assert "No run yet" in at.info[0].value
    run = Run(Trainer(Config().replace(**{"train.steps": 15})))
    at.session_state["train_run"] = run
    run.start()
    wait_for(lambda: not run.alive, timeout=60, what="the 15-step run to finish")
    at.run()
    assert "Download the metrics (CSV)" in downloads(at)
    assert any("(15 rows)" in m.value for m in at.markdown)


@pytest.mark.browser
def test_shared_link_opens_the_same_settings(page, app_url):
    page.goto(f"{app_url}/code?model.depth=5&init.scheme=xavier_normal")
    page.get_by_text("Current settings").wait_for(timeout=60_000)
    wait_app_idle(page)
    assert_no_exception(page)
    main = page.locator("[data-testid='stMain']")
    assert "5 hidden × 16 relu · init xavier_normal" in main.inner_text()
    # the script's block (tabs keep other code blocks, such as the link, in the page too)
    code = page.locator("[data-testid='stCode']", has_text="import torch").first.inner_text()
    assert "nn.init.xavier_normal_(layer.weight)" in code
    assert "nn.Linear(16, 16),  # hidden layer 5" in code
    page.screenshot(path="/tmp/code_page.png")
    page.get_by_role("tab", name="Shareable link").click()
    link = page.locator("[data-testid='stCode']", has_text="model.depth=5").inner_text()
    assert "init.scheme=xavier_normal" in link and "/code?" in link
    page.screenshot(path="/tmp/code_link.png")
    wait_for(lambda: "model.depth=5" in page.url, timeout=10, what="the URL to keep the settings")
