"""The router in app.py: AppTest, and real browsers on a fresh server."""

import pytest

from tests.conftest import app_test, assert_no_exception, wait_app_idle

PAGES = ["compare", "code", "toy_backprop", "matrix_backprop", "initialization", ""]


def test_router_runs_default_page():
    at = app_test("app.py").run()
    assert not at.exception
    assert any("Train" in t.value for t in at.title)


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_every_page_deep_link_goes_through_the_router(page, app_url, path):
    """A link straight to a page must run app.py (sidebar caption, our page titles)."""
    page.goto(f"{app_url}/{path}")
    wait_app_idle(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Backprop Lab · gradients").wait_for()
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Backprop: matrix form" in nav and "Code & export" in nav
    page.locator("[data-testid='stMain'] h1").first.wait_for()
    assert_no_exception(page)


@pytest.mark.browser
def test_deep_link_as_first_request_to_a_fresh_server(page, fresh_app_url):
    """With a pages/ folder Streamlit skipped app.py here; views/ keeps the router in charge."""
    page.goto(f"{fresh_app_url}/code?model.depth=5")
    wait_app_idle(page)
    page.locator("[data-testid='stSidebar']").get_by_text("Backprop Lab · gradients").wait_for()
    assert "Code & export" in page.locator("[data-testid='stSidebarNav']").inner_text()
    assert_no_exception(page)
