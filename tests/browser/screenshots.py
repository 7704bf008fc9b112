"""Screenshots of the desk's pages at a tablet's and a laptop's width, for an engineer to look at (not a test).

    python -m tests.browser.screenshots --base http://127.0.0.1:8383 --email admin@minhchung.local \\
        --password "$(cat <data dir>/demo-admin-password)" --out /tmp/desk-shots

Logs in through the login form in Debian's Chromium (/usr/bin/chromium; nothing is downloaded) and saves
<out>/<width>/<page>.png for: login, project, table, submission, map, gallery (the project's first form with
submissions and its first submission; --form names another form).
"""

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

from .chromium import CHROMIUM, TIMEOUT_MS, launch

WIDTHS = (768, 1366)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the server's address, e.g. http://127.0.0.1:8383")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", required=True, type=Path, help="folder for the PNG files (made if missing)")
    parser.add_argument("--form", help="xmlFormId of the form to show (default: the first with submissions)")
    return parser.parse_args(argv)


def shoot(page, folder, name, ready=None):
    """A full-page PNG once the page (and `ready`, when given) is there, with its lazy photos loaded."""
    if ready is not None:
        ready.wait_for()
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(image => { image.loading = 'eager'; })")
    page.wait_for_function("() => Array.from(document.images).every(image => image.complete)")
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(path)


def log_in(page, folder, email, password):
    page.goto("/login")
    shoot(page, folder, "login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if "/login" in page.url:
        raise SystemExit(f"could not log in as {email}: {page.url}")


def open_project(page):
    """The first project's page (the desk opens it at once when there is only one); its path."""
    if not page.locator("table[data-testid=forms]").count():
        page.goto("/projects")
        if not page.locator("table[data-testid=forms]").count():
            with page.expect_navigation():
                page.locator("main a[href^='/projects/']").first.click()
    return urlsplit(page.url).path


def first_form_with_submissions(page):
    for row in page.locator("table[data-testid=forms] tbody tr").all():
        if row.locator("td.num").last.inner_text().strip() not in ("", "0"):
            return row.get_attribute("data-form")
    raise SystemExit("no form with submissions in this project")


def shoot_all(browser, args, width):
    folder = args.out / str(width)
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=args.base.rstrip("/"), viewport={"width": width, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, folder, args.email, args.password)
    project = open_project(page)
    shoot(page, folder, "project")
    form = f"{project}/forms/{args.form or first_form_with_submissions(page)}"
    page.goto(f"{form}/submissions")
    shoot(page, folder, "table")
    first = page.locator("table[data-testid=submissions] tbody tr a").first
    if first.count():
        with page.expect_navigation():
            first.click()
        minimap = page.locator("[data-testid=minimap]")
        shoot(page, folder, "submission", minimap.and_(page.locator("[data-ready]")) if minimap.count() else None)
    page.goto(f"{form}/map")
    shoot(page, folder, "map", page.locator("[data-testid=map][data-ready]"))
    page.goto(f"{form}/gallery")
    shoot(page, folder, "gallery")
    context.close()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for width in WIDTHS:
                shoot_all(browser, args, width)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
