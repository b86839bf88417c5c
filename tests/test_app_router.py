"""Smoke tests of the router in app.py: AppTest, and a real browser."""

import pytest

from tests.conftest import app_test, assert_no_exception, wait_app_idle


def test_router_runs():
    at = app_test("app.py").run()
    assert not at.exception


@pytest.mark.browser
def test_router_in_browser(page, app_url):
    page.goto(app_url)
    wait_app_idle(page)
    page.wait_for_selector("[data-testid='stSidebar']")
    assert "Backprop Lab" in page.locator("[data-testid='stSidebar']").inner_text()
    assert_no_exception(page)
