"""Browser tests: one real `minhchung serve --demo` (gunicorn, demo data) for the whole run, driven in Debian's
headless Chromium through Playwright. No browser is downloaded: /usr/bin/chromium must be there (in CI it is
installed by .ci/run; elsewhere the tests are skipped without it).

A failing test leaves a screenshot of each of its pages in tests/browser/screenshots/<test name>.png.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import sync_playwright

from tests.conftest import TEST_DATABASE_ENV
from tests.live import drop_postgres_database, fresh_postgres_database, start_server, stop_server

from .chromium import CHROMIUM, TIMEOUT_MS, launch
from .demo import ADMIN, FORM, PROJECT_ID

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"



@dataclass
class Desk:
    """The running server and what the tests need to know about its demo data."""

    url: str
    password: str  # the demo administrator's, which the demo's supervisors share
    log: Path  # the server's output, for a failure's traceback

    def api_headers(self, email=ADMIN):
        response = requests.post(f"{self.url}/v1/sessions", json={"email": email, "password": self.password},
                                 timeout=30)
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def form_url(self, xml_form_id=FORM, view="submissions"):
        return f"{self.url}/projects/{PROJECT_ID}/forms/{xml_form_id}/{view}"


@pytest.fixture(scope="session")
def playwright_browser():
    """Headless Chromium from Debian. Missing: a failure in CI (CI is set), else every browser test is skipped."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run tests/browser"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def desk(playwright_browser, tmp_path_factory):
    """One real server with the demo data, on its own database when MINHCHUNG_TEST_DATABASE_URL is set
    (as tests/integration's live_server). It needs the browser first, so nothing starts when it is missing."""
    base = os.environ.get(TEST_DATABASE_ENV)
    database_url = fresh_postgres_database(base, "browser") if base else None
    live = start_server(tmp_path_factory.mktemp("browser"), database_url)
    try:
        yield Desk(live.url, live.admin_password, live.output)
    finally:
        stop_server(live)
        if database_url:
            drop_postgres_database(database_url)


@pytest.fixture
def new_context(playwright_browser, desk, request):
    """new_context(): a fresh browser profile (no cookies) at a laptop's width; closed after the test. A server
    error (5xx) on any request a page made fails the test, even one the test did not look at."""
    made = request.node.browser_contexts = []
    server_errors = []

    def new_context(width=1366, height=900):
        context = playwright_browser.new_context(base_url=desk.url, viewport={"width": width, "height": height},
                                                 locale="vi-VN")
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.on("response", lambda response: server_errors.append(f"{response.status} {response.request.method} "
                                                                     f"{response.url}")
                   if response.status >= 500 else None)
        made.append(context)
        return context

    yield new_context
    for context in made:
        context.close()
    assert not server_errors, f"the server failed (see {desk.log}):\n" + "\n".join(server_errors)


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def log_in(desk):
    """log_in(page, email): through the login form; returns the page, on the page the desk sends her to."""

    def log_in(page, email, password=None):
        page.goto("/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(password or desk.password)
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("^(Đăng nhập|Log in)$")).click()
        assert "/login" not in page.url, f"login as {email} failed: {page.url}"
        return page

    return log_in


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, a screenshot of every page the test had open (the first as <test>.png, others -2, -3…)."""
    report = yield
    if report.failed and report.when in ("call", "setup"):
        pages = [page for context in getattr(item, "browser_contexts", []) for page in context.pages]
        name = re.sub(r"[^\w.-]+", "_", item.name)
        for number, page in enumerate(pages, 1):
            path = SCREENSHOTS / (f"{name}.png" if number == 1 else f"{name}-{number}.png")
            try:
                path.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(path), full_page=True)
                report.sections.append(("screenshot", str(path)))
            except Exception as error:  # noqa: BLE001  (a page that cannot be shot must not hide the failure)
                report.sections.append(("screenshot", f"could not save {path}: {error}"))
    return report
