"""The supervisor's desk in a real browser (headless Chromium) against one real `minhchung serve --demo`.

Each test logs in through the login form in a fresh browser profile. Tests that change a review state each pick
their own submissions by state at the time they run (a received one becomes approved, hasIssues or rejected and is
picked by no other test), so they can run alone or in any order. A server error
(5xx) on any request a page makes fails the test (conftest.py).
"""

import re
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from .chromium import TIMEOUT_MS
from .demo import ADMIN, FORM, HOA_BINH, PROJECT_ID, SUPERVISOR, SUPERVISOR_NAME, TAN_LAP, TAN_LAP_CODE, VIEWER

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: a real server (-m "not slow" skips them)
expect.set_options(timeout=TIMEOUT_MS)

NAME, COMMUNE, HAMLET = "Tên", "Xã", "Thôn"  # the table's column headers, in Vietnamese


def total(page):
    return int(page.get_by_test_id("total").get_attribute("data-total"))


def table_rows(page):
    """[(instance id, review state)] of the submissions table, top to bottom."""
    return [tuple(row) for row in page.eval_on_selector_all("table[data-testid=submissions] tbody tr",
                                                            "rows => rows.map(row => [row.dataset.instance, "
                                                            "row.dataset.state])")]


def column(page, header):
    """The texts of one column of the submissions table, found by its header as a person reads it."""
    return page.evaluate("""header => {
        const table = document.querySelector("table[data-testid=submissions]");
        const at = Array.from(table.tHead.rows[0].cells).findIndex(cell => cell.innerText.trim() === header);
        if (at < 0) throw new Error("no column " + header);
        return Array.from(table.tBodies[0].rows).map(row => row.cells[at].innerText.trim());
    }""", header)


def open_row(page, instance_id):
    """Open a submission from the table by its first link (its name)."""
    with page.expect_navigation():
        page.locator(f'tr[data-instance="{instance_id}"] a').first.click()
    expect(page.get_by_test_id("instance-name")).to_be_visible()


def open_one_with_a_photo(page, instance_ids):
    """Open the first of these submissions (listed in the table) that shows a photo; a few of the demo's photos
    were never uploaded, as happens in the field. Returns its instance id."""
    for instance_id in instance_ids[:5]:
        open_row(page, instance_id)
        if page.get_by_test_id("answers").get_by_test_id("thumbnail").count():
            return instance_id
        page.go_back()
    pytest.fail(f"none of these submissions shows a photo: {instance_ids[:5]}")


def image_loaded(page, image):
    """Wait until the image has loaded (a lazy one once scrolled to) with real pixels."""
    image.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=image.element_handle())


def api_submission(desk, instance_id, headers):
    response = requests.get(f"{desk.url}/v1/projects/{PROJECT_ID}/forms/{FORM}/submissions/{instance_id}",
                            headers=headers, timeout=30)
    response.raise_for_status()
    return response.json()


def api_comments(desk, instance_id, headers):
    response = requests.get(f"{desk.url}/v1/projects/{PROJECT_ID}/forms/{FORM}/submissions/{instance_id}/comments",
                            headers=headers, timeout=30)
    response.raise_for_status()
    return [comment["body"] for comment in response.json()]


def test_a_supervisor_sees_only_her_commune_and_approves_a_submission_with_a_comment(new_context, log_in, desk):
    admin = log_in(new_context().new_page(), ADMIN)
    admin.goto(desk.form_url() + "?per_page=250")
    everyone, admin_communes = total(admin), set(column(admin, COMMUNE))

    page = log_in(new_context().new_page(), SUPERVISOR)
    expect(page).to_have_url(f"{desk.url}/projects/{PROJECT_ID}")  # her one project opens at once
    expect(page.get_by_test_id("scope")).to_contain_text(HOA_BINH)
    with page.expect_navigation():
        page.locator(f"tr[data-form={FORM}] a").first.click()
    with page.expect_navigation():
        page.locator("#per-page").select_option("250")  # applies itself (desk.js): the whole list on one page
    mine = total(page)
    assert 0 < mine < everyone and len(admin_communes) == 3
    assert len(table_rows(page)) == mine
    assert set(column(page, COMMUNE)) == {HOA_BINH}
    assert all(hamlet.endswith(f"– {HOA_BINH}") for hamlet in column(page, HAMLET))

    instance_id = open_one_with_a_photo(page, [instance for instance, state in table_rows(page)
                                               if state == "received"])
    expect(page.get_by_test_id("review-state")).to_have_class(re.compile(r"\bstate-received\b"))

    thumbnail = page.get_by_test_id("answers").get_by_test_id("thumbnail").first
    expect(thumbnail).to_have_attribute("src", re.compile(r"/files/[^/?]+\?size=240$"))
    image_loaded(page, thumbnail)
    assert re.fullmatch(r"\d+(\.\d+)?", page.get_by_test_id("score-total").inner_text())
    expect(page.get_by_test_id("recognised")).not_to_be_empty()
    approvals = page.get_by_test_id("history").locator("li").filter(has=page.locator(".state-approved"))
    expect(approvals).to_have_count(0)

    comment = "Ảnh minh chứng rõ, đồng ý (kiểm thử trình duyệt)."
    page.locator("#review-comment").fill(comment)
    then_next = page.locator("input[name=then]")
    if then_next.is_checked():
        then_next.uncheck()  # stay on this submission
    with page.expect_navigation():
        page.get_by_test_id("approve").click()
    assert instance_id in unquote(page.url)
    expect(page.get_by_test_id("review-state")).to_have_class(re.compile(r"\bstate-approved\b"))
    expect(approvals).to_have_count(1)
    expect(approvals).to_contain_text(SUPERVISOR_NAME)
    expect(page.get_by_test_id("comments")).to_contain_text(comment)

    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Về danh sách")).click()
    expect(page.locator(f'tr[data-instance="{instance_id}"]')).to_have_attribute("data-state", "approved")
    assert api_submission(desk, instance_id, desk.api_headers())["reviewState"] == "approved"


def test_a_supervisor_cannot_open_a_submission_of_another_commune(new_context, log_in, desk):
    admin = log_in(new_context().new_page(), ADMIN)
    admin.goto(desk.form_url() + f"?area={TAN_LAP_CODE}")
    assert set(column(admin, COMMUNE)) == {TAN_LAP}
    instance_id = open_one_with_a_photo(admin, [instance for instance, _ in table_rows(admin)])
    name = admin.get_by_test_id("instance-name").inner_text().split("\n")[0].strip()
    url = admin.url
    files = admin.get_by_test_id("thumbnail").evaluate_all("images => images.map(image => image.src)")
    assert name and files

    page = log_in(new_context().new_page(), SUPERVISOR)
    response = page.goto(url)
    assert response.status in (403, 404)
    expect(page.get_by_test_id("problem")).to_be_visible()
    assert name not in page.content()
    assert instance_id not in page.locator("main").inner_text()
    expect(page.get_by_test_id("answers")).to_have_count(0)
    for src in files:
        assert page.request.get(src).status in (403, 404), src
    page.goto(desk.form_url() + f"?area={TAN_LAP_CODE}&per_page=250")  # nor through the table's area filter
    assert instance_id not in [instance for instance, _ in table_rows(page)]


def test_the_map_shows_her_markers_and_boundaries_and_asks_no_other_host(page, log_in, desk):
    asked, failed = [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    log_in(page, SUPERVISOR)
    page.goto(desk.form_url() + "?per_page=250")
    mine = {instance for instance, _ in table_rows(page)}

    with page.expect_response(re.compile(r"/map/points\.json")) as points, \
            page.expect_response(re.compile(r"/areas\.geojson")) as areas:
        with page.expect_navigation():
            page.get_by_test_id("tab-map").click()
    expect(page.get_by_test_id("map")).to_have_attribute("data-ready", "1")
    shown = points.value.json()["points"]
    count = int(re.search(r"\d+", page.get_by_test_id("map-count").inner_text()).group())
    assert count == len(shown) > 0
    assert {point[2] for point in shown} <= mine  # only her submissions
    expect(page.locator(".leaflet-marker-pane .marker-cluster").first).to_be_visible()

    boundaries = areas.value.json()["features"]
    assert boundaries and {feature["properties"]["level"] for feature in boundaries} == {"commune", "hamlet"}
    assert {feature["properties"]["code"] for feature in boundaries if feature["properties"]["level"] == "commune"} \
        == {"99001"}
    expect(page.locator(".leaflet-tooltip.area-label")).to_have_text([HOA_BINH])  # each commune's boundary is labelled
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll(
            ".leaflet-overlay-pane canvas, .leaflet-overlay-pane svg path"))
        .some(node => node.tagName !== "CANVAS" || node.getContext("2d").getImageData(0, 0, node.width, node.height)
                                                       .data.some((value, index) => index % 4 === 3 && value > 0))""")
    assert drawn, "nothing is drawn in the overlay pane (boundaries and markers)"

    elsewhere = [url for url in asked if not url.startswith((desk.url + "/", "data:", "blob:"))]
    assert elsewhere == []
    assert failed == []


def test_bulk_reject_from_the_gallery(page, log_in, desk):
    log_in(page, SUPERVISOR)
    page.goto(desk.form_url(view="gallery") + "?state=received")
    tiles = page.get_by_test_id("gallery").locator("li.tile")
    expect(tiles.first).to_be_visible()
    instances = list(dict.fromkeys(tiles.evaluate_all("tiles => tiles.map(tile => tile.dataset.instance)")))
    chosen = instances[-2:]  # two different submissions (a submission has several photos)
    assert len(chosen) == 2

    reject = page.get_by_test_id("bulk-reject")
    expect(reject).to_be_disabled()
    for instance_id in chosen:
        page.locator(f'li.tile[data-instance="{instance_id}"] input[name=instanceId]').first.check()
    expect(reject).to_be_enabled()
    expect(page.locator("[data-bulk-count]")).to_contain_text("2")
    comment = "Ảnh không phải của hộ này (kiểm thử trình duyệt)."
    page.locator("#bulk-comment").fill(comment)
    with page.expect_navigation():
        reject.click()

    expect(page.get_by_test_id("bulk-done")).to_contain_text("2")
    expect(page).to_have_url(re.compile(r"/gallery\?state=received&"))  # back where she was, filters kept
    for instance_id in chosen:  # no longer received
        expect(page.locator(f'li.tile[data-instance="{instance_id}"]')).to_have_count(0)
    headers = desk.api_headers()
    for instance_id in chosen:
        assert api_submission(desk, instance_id, headers)["reviewState"] == "rejected"
        assert comment in api_comments(desk, instance_id, headers)


def test_a_second_bulk_action_in_the_table_reports_itself(page, log_in, desk):
    log_in(page, SUPERVISOR)
    page.goto(desk.form_url() + "?state=received&sort=-date")
    boxes = page.locator("table[data-testid=submissions] input[name=instanceId]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    with page.expect_navigation():
        page.locator("#bulk").get_by_role("button", name="Có vấn đề").click()
    expect(page.get_by_test_id("bulk-done")).to_contain_text("2")
    expect(page.get_by_test_id("bulk-done")).to_contain_text("Có vấn đề")
    boxes.nth(0).check()
    with page.expect_navigation():
        page.locator("#bulk").get_by_role("button", name="Duyệt", exact=True).click()
    expect(page.get_by_test_id("bulk-done")).to_contain_text("1", timeout=2_000)
    expect(page.get_by_test_id("bulk-done")).to_contain_text("Đã duyệt", timeout=2_000)


def test_the_gallery_loads_more_photos_in_place(page, log_in, desk):
    log_in(page, SUPERVISOR)
    page.goto(desk.form_url(view="gallery"))
    tiles = page.get_by_test_id("gallery").locator("li.tile")
    first_page = tiles.count()
    assert first_page == 48  # a page of the gallery; she has more photos than that
    url = page.url
    page.get_by_test_id("load-more").click()
    expect(tiles).not_to_have_count(first_page)
    assert page.url == url  # added to the page, not a new page
    photos = tiles.locator("button.thumb").evaluate_all("thumbs => thumbs.map(thumb => thumb.dataset.viewerSrc)")
    assert len(photos) == len(set(photos)) > first_page
    image_loaded(page, tiles.last.locator("img"))


def test_the_gallery_viewer_opens_a_photo_and_goes_to_the_next_and_back(page, log_in, desk):
    log_in(page, SUPERVISOR)
    page.goto(desk.form_url(view="gallery"))
    thumbs = page.get_by_test_id("gallery").locator("li.tile button.thumb")
    image_loaded(page, thumbs.first.locator("img"))
    first, second = (thumbs.nth(n).get_attribute("data-viewer-src") for n in (0, 1))
    assert first != second

    thumbs.first.locator("img").click()
    viewer = page.locator("dialog[data-viewer]")
    expect(viewer).to_have_attribute("open", "")
    photo = viewer.locator("img[data-viewer-image]")
    expect(photo).to_have_attribute("src", first)
    assert first.endswith("?size=1280")
    image_loaded(page, photo)
    expect(viewer.get_by_role("link", name="Mở bài nộp")).to_have_attribute(
        "href", thumbs.first.get_attribute("data-viewer-link"))

    viewer.get_by_role("button", name="Ảnh tiếp").click()
    expect(photo).to_have_attribute("src", second)
    viewer.get_by_role("button", name="Ảnh trước").click()
    expect(photo).to_have_attribute("src", first)
    viewer.get_by_role("button", name="Đóng").click()
    expect(viewer).not_to_have_attribute("open", "")


def test_a_change_without_the_csrf_token_is_refused(page, log_in, desk):
    log_in(page, SUPERVISOR)
    page.goto(desk.form_url() + "?state=received&sort=-name")
    instance_id = table_rows(page)[0][0]
    open_row(page, instance_id)
    review = desk.url + page.locator("form", has=page.get_by_test_id("approve")).get_attribute("action")
    bulk = f"{desk.url}/projects/{PROJECT_ID}/forms/{FORM}/submissions/review"

    no_token = {"reviewState": "rejected", "comment": "không có mã CSRF"}
    for url, form in [(review, no_token), (review, {**no_token, "csrf_token": "not-this-session-s"}),
                      (bulk, {**no_token, "instanceId": instance_id}), (f"{desk.url}/logout", {})]:
        refused = page.request.post(url, form=form, max_redirects=0)
        assert refused.status == 403, (url, refused.status)
        assert 'data-code="403.51"' in refused.text(), url
    page.reload()
    expect(page.get_by_test_id("review-state")).to_have_class(re.compile(r"\bstate-received\b"))  # unchanged
    expect(page.get_by_test_id("review")).to_be_visible()  # and still logged in: the logout was refused too
    headers = desk.api_headers()
    assert api_submission(desk, instance_id, headers)["reviewState"] is None

    # The same request with the page's token goes through: the token was what was missing.
    token = page.locator("body").get_attribute("data-csrf")
    accepted = page.request.post(review, form={"reviewState": "hasIssues", "csrf_token": token}, max_redirects=0)
    assert accepted.status == 302
    page.reload()
    expect(page.get_by_test_id("review-state")).to_have_class(re.compile(r"\bstate-hasIssues\b"))
    assert api_submission(desk, instance_id, headers)["reviewState"] == "hasIssues"


def test_the_english_switch_is_remembered_and_vietnamese_comes_back(context, log_in, desk):
    page = context.new_page()
    html = page.locator("html")
    page.goto("/login")
    expect(html).to_have_attribute("lang", "vi")
    expect(page.get_by_role("button", name="Đăng nhập", exact=True)).to_be_visible()
    with page.expect_navigation():
        page.get_by_test_id("lang-en").click()
    expect(page).to_have_url(f"{desk.url}/login")  # back on the same page
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()

    log_in(page, SUPERVISOR)
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Forms", exact=True)).to_be_visible()
    other = context.new_page()  # the choice is kept in a cookie, for every page
    other.goto(desk.form_url())
    expect(other.locator("html")).to_have_attribute("lang", "en")
    assert set(column(other, "Commune")) == {HOA_BINH}

    with other.expect_navigation():
        other.get_by_test_id("lang-vi").click()
    expect(other).to_have_url(desk.form_url())
    expect(other.locator("html")).to_have_attribute("lang", "vi")
    expect(other.get_by_role("button", name="Đăng xuất", exact=True)).to_be_visible()
    assert set(column(other, COMMUNE)) == {HOA_BINH}
    page.reload()
    expect(html).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", name="Biểu mẫu", exact=True)).to_be_visible()


def test_keyboard_j_opens_the_next_submission_and_k_the_previous(page, log_in, desk):
    log_in(page, SUPERVISOR)
    page.goto(desk.form_url() + "?sort=name")
    (first, _), (second, _) = table_rows(page)[:2]
    open_row(page, first)
    here = page.url
    expect(page.get_by_test_id("previous")).to_have_count(0)  # the first of the list

    with page.expect_navigation():
        page.keyboard.press("j")
    assert second in unquote(page.url) and "sort=name" in page.url  # the list's order and filters are kept
    expect(page.get_by_test_id("instance-name")).to_be_visible()
    expect(page.get_by_test_id("previous")).to_be_visible()
    with page.expect_navigation():
        page.keyboard.press("k")
    assert page.url == here
    expect(page.get_by_test_id("instance-name")).to_be_visible()

    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == "review-comment"
    # While she types, letters are letters: record the shortcuts' clicks instead of following them.
    page.evaluate("""() => { window.shortcutClicks = [];
        document.addEventListener("click", event => {
            const shortcut = event.target.closest("[data-shortcut]");
            if (shortcut) { window.shortcutClicks.push(shortcut.dataset.shortcut); event.preventDefault(); }
        }, true); }""")
    page.keyboard.type("jkari")
    expect(page.locator("#review-comment")).to_have_value("jkari")
    assert page.evaluate("window.shortcutClicks") == []
    page.keyboard.press("Escape")  # leaves the comment box
    page.keyboard.press("j")
    assert page.evaluate("window.shortcutClicks") == ["j"]


STATE_LABELS = {"received": "Mới nhận", "hasIssues": "Có vấn đề", "edited": "Đã sửa", "approved": "Đã duyệt",
                "rejected": "Bị từ chối"}


def test_the_table_filters_live_in_the_url(context, log_in, desk):
    page = log_in(context.new_page(), SUPERVISOR)
    page.goto(desk.form_url())
    everything = total(page)
    # a family name and a review state that some row has now (other tests change states as they run)
    family, state = column(page, NAME)[0].split()[1], table_rows(page)[0][1]
    page.get_by_role("checkbox", name=STATE_LABELS[state], exact=True).check()
    page.get_by_role("searchbox", name="Tìm").fill(family)
    with page.expect_navigation():
        page.get_by_role("button", name="Lọc", exact=True).click()
    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == [state] and query["q"] == [family]
    rows = table_rows(page)
    assert 0 < total(page) < everything
    assert {found for _, found in rows} == {state}
    assert all(family in name for name in column(page, NAME))

    again = context.new_page()
    again.goto(page.url)
    assert table_rows(again) == rows and total(again) == total(page)
    expect(again.get_by_role("checkbox", name=STATE_LABELS[state], exact=True)).to_be_checked()
    expect(again.get_by_role("searchbox", name="Tìm")).to_have_value(family)
    page.go_back()
    assert total(page) == everything


def test_the_search_finds_vietnamese_words_whatever_their_capitals(page, log_in, desk):
    log_in(page, SUPERVISOR)
    found = {}
    for text in ("Thôn Đoài", "thôn đoài"):
        page.goto(desk.form_url() + "?" + urlencode({"q": text, "per_page": 250}))
        found[text] = table_rows(page)
        assert found[text], f"nothing found for {text!r}"
        assert all(hamlet.startswith("Thôn Đoài") for hamlet in column(page, HAMLET))
    assert found["Thôn Đoài"] == found["thôn đoài"]


def test_a_wrong_password_is_refused_and_logging_out_ends_the_session(new_context, log_in, desk):
    page = new_context().new_page()
    page.goto("/login")
    page.locator("#email").fill(VIEWER)
    page.locator("#password").fill("not-the-password")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Đăng nhập", exact=True).click()
    assert posted.value.status == 401
    expect(page.get_by_test_id("login-problem")).to_be_visible()
    expect(page.locator("#email")).to_have_value(VIEWER)
    page.goto("/projects")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)projects$"))

    log_in(page, SUPERVISOR)
    cookies = page.context.cookies()
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng xuất", exact=True).click()
    expect(page).to_have_url(f"{desk.url}/login")
    page.goto("/projects")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)projects$"))
    copied = new_context()  # the old cookie opens nothing: the session itself has ended
    copied.add_cookies(cookies)
    stale = copied.new_page()
    stale.goto("/projects")
    expect(stale).to_have_url(re.compile(r"/login\?next=(/|%2F)projects$"))


def test_a_viewer_reads_her_commune_but_cannot_review(page, log_in, desk):
    log_in(page, VIEWER)
    page.goto(desk.form_url() + "?per_page=250")
    assert total(page) > 0 and set(column(page, COMMUNE)) == {TAN_LAP}
    expect(page.locator("#bulk")).to_have_count(0)
    expect(page.locator("input[name=instanceId]")).to_have_count(0)
    instance_id = table_rows(page)[0][0]
    open_row(page, instance_id)
    expect(page.get_by_test_id("answers")).to_be_visible()
    expect(page.get_by_test_id("review")).to_have_count(0)
    expect(page.get_by_test_id("approve")).to_have_count(0)
    state = api_submission(desk, instance_id, desk.api_headers())["reviewState"]
    token = page.locator("body").get_attribute("data-csrf")
    refused = page.request.post(f"{page.url.split('?')[0]}/review", form={"reviewState": "rejected",
                                                                            "csrf_token": token}, max_redirects=0)
    assert refused.status == 403
    assert api_submission(desk, instance_id, desk.api_headers())["reviewState"] == state


def test_a_supervisor_finds_a_reused_photo_by_its_flag_and_sees_both_photos_side_by_side(new_context, log_in, desk):
    page = new_context(width=768, height=1024).new_page()  # a 10-inch tablet
    log_in(page, ADMIN)
    page.goto(desk.form_url())
    page.get_by_label("Minh chứng").select_option(label="Ảnh dùng lại")
    with page.expect_navigation():
        page.get_by_role("button", name="Lọc").click()
    assert "flag=photo_reused" in page.url and total(page) == 2
    badges = page.get_by_test_id("flags")
    expect(badges).to_have_count(2)
    expect(badges.first).to_contain_text("Ảnh dùng lại")
    expect(badges.first).to_be_in_viewport()  # under the name, not in a column scrolled out of sight
    first = table_rows(page)[0][0]
    page.locator("table[data-testid=submissions] tbody tr").first.get_by_role("link").first.click()
    flags = page.get_by_test_id("evidence-flags")
    expect(flags).to_be_visible()
    expect(flags).to_contain_text("giống hệt ảnh minh chứng của đối tượng khác")
    photos = flags.locator(".side-by-side img")
    expect(photos).to_have_count(2)
    page.wait_for_function("""() => Array.from(document.querySelectorAll(".side-by-side img"))
        .every(image => image.complete && image.naturalWidth > 0)""")
    with page.expect_navigation():
        flags.locator(".side-by-side figcaption a").click()  # the other household's submission
    expect(page.get_by_test_id("evidence-flags")).to_contain_text(first)
