"""The supervisor's desk over HTTP (Flask's client; tests/browser drives it in Chromium): the cookie session and
CSRF, the area limit on every page and file, the table's filters, review one at a time and in bulk (with the API
beside Central's), the language switch and the headers.

The world is the authorisation matrix's: communes 00004 and 00007, a manager and a viewer limited to 00004.
"""

import re

import pytest
import sqlalchemy as sa

from server.areas.service import actor_scope
from server.audit.models import Audit
from server.auth.models import Actor
from server.auth.queries import get_user_by_email
from server.extensions import db
from server.forms.queries import get_form_by_project_and_xml_form_id
from server.scoring.models import SubjectScore
from server.scoring.scores import score_pending
from server.submissions import listing
from server.submissions.models import Comment, Submission
from tests.factories import PASSWORD
from tests.integration.test_authorisation_matrix import IN_AREA, OUT_OF_AREA, world  # noqa: F401  (a fixture)

FORM = "vi_du_diem"


def csrf_of(page_text):
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)


def desk_login(client, email, password=PASSWORD):
    """Log in through the desk's form; the client keeps the cookie. Returns the CSRF token of the new session."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.text
    return csrf_of(client.get(response.headers["Location"], follow_redirects=True).text)


def table(client, project_id, **args):
    response = client.get(f"/projects/{project_id}/forms/{FORM}/submissions", query_string=args)
    assert response.status_code == 200, response.text
    return response, re.findall(r'<tr data-instance="uuid:([^"]+)" data-state="([^"]+)"', response.text)


def test_a_visitor_is_sent_to_the_login_page_and_back_where_she_was_going(app, client, world):  # noqa: F811
    project_id = world["project"].id
    assert client.get("/").headers["Location"].endswith("/login")
    going = client.get(f"/projects/{project_id}/forms/{FORM}/submissions?state=received")
    assert going.status_code == 302 and "/login?next=" in going.headers["Location"]
    token = csrf_of(client.get(going.headers["Location"]).text)
    arrived = client.post(going.headers["Location"], data={"email": "manager_a@example.org", "password": PASSWORD,
                                                           "csrf_token": token})
    assert arrived.headers["Location"] == f"/projects/{project_id}/forms/{FORM}/submissions?state=received"
    other = app.test_client()
    token = csrf_of(other.get("/login").text)
    assert other.post("/login?next=//evil.example/", data={"email": "manager_a@example.org", "password": PASSWORD,
                                                            "csrf_token": token}).headers["Location"] == "/"


def test_the_session_cookie_is_httponly_samesite_and_secure_over_https(app, client, world):  # noqa: F811
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure_client = app.test_client()
    token = csrf_of(secure_client.get("/login", base_url="https://desk.example").text)
    response = secure_client.post("/login", base_url="https://desk.example",
                                  data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token})
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_wrong_password_says_so_and_too_many_are_throttled(app, client, world):  # noqa: F811
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"email": "admin@example.org", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401 and "Email hoặc mật khẩu không đúng." in wrong.text
    for _ in range(app.config["LOGIN_FAILURES_ALLOWED"]):
        last = client.post("/login", data={"email": "admin@example.org", "password": "nope", "csrf_token": token})
    assert last.status_code == 429 and "Đăng nhập sai quá nhiều lần" in last.text
    right = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token})
    assert right.status_code == 429  # even the right password waits, as the API's throttling does


def test_logging_out_ends_the_session_for_good(client, world):  # noqa: F811
    token = desk_login(client, "manager_a@example.org")
    cookie = client.get_cookie("minhchung_desk")
    assert client.post("/logout", data={"csrf_token": token}).headers["Location"].endswith("/login")
    assert client.get("/projects").status_code == 302
    client.set_cookie("minhchung_desk", cookie.value)  # the old cookie, replayed: its session is gone
    assert client.get("/projects").status_code == 302


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(client, world):  # noqa: F811
    project_id = world["project"].id
    token = desk_login(client, "manager_a@example.org")
    path = f"/projects/{project_id}/forms/{FORM}/submissions/uuid:s_a/review"
    for data in ({"reviewState": "rejected"}, {"reviewState": "rejected", "csrf_token": "guess"}):
        refused = client.post(path, data=data)
        assert refused.status_code == 403 and 'data-code="403.51"' in refused.text
    assert db.session.execute(sa.select(Submission.review_state).where(Submission.instance_id == "uuid:s_a")).scalar() \
        is None
    assert client.post(path, data={"reviewState": "rejected", "csrf_token": token}).status_code == 302
    assert db.session.execute(sa.select(Submission.review_state).where(Submission.instance_id == "uuid:s_a")).scalar() \
        == "rejected"


@pytest.mark.parametrize("caller", ["admin@example.org", "manager_a@example.org", "viewer_a@example.org"])
def test_every_page_and_file_is_limited_to_the_callers_areas(client, world, caller):  # noqa: F811
    project_id = world["project"].id
    desk_login(client, caller)
    limited = caller != "admin@example.org"
    _, rows = table(client, project_id)
    assert {instance for instance, _ in rows} == set(IN_AREA if limited else IN_AREA + OUT_OF_AREA)
    for instance_id in IN_AREA + OUT_OF_AREA:
        page = client.get(f"/projects/{project_id}/forms/{FORM}/submissions/uuid:{instance_id}")
        xml = client.get(f"/projects/{project_id}/forms/{FORM}/submissions/uuid:{instance_id}.xml")
        allowed = not limited or instance_id in IN_AREA
        assert (page.status_code, xml.status_code) == ((200, 200) if allowed else (403, 403)), instance_id
        if not allowed:
            assert 'data-testid="answers"' not in page.text and "Trần Thị Bình" not in page.text
    points = client.get(f"/projects/{project_id}/forms/{FORM}/map/points.json").get_json()["points"]
    assert {point[2] for point in points} == {f"uuid:{i}" for i in (IN_AREA if limited else IN_AREA + OUT_OF_AREA)
                                              if i != "s_none"} | ({"uuid:s_none"} if not limited else set())
    boundaries = client.get(f"/projects/{project_id}/areas.geojson?level=hamlet").get_json()
    assert {feature["properties"]["code"] for feature in boundaries["features"]} == (
        {"00004-01"} if limited else {"00004-01", "00007-01"})


def test_a_viewer_sees_no_review_buttons_and_cannot_review(client, world):  # noqa: F811
    project_id = world["project"].id
    token = desk_login(client, "viewer_a@example.org")
    page = client.get(f"/projects/{project_id}/forms/{FORM}/submissions/uuid:s_a")
    assert 'data-testid="approve"' not in page.text
    refused = client.post(f"/projects/{project_id}/forms/{FORM}/submissions/uuid:s_a/review",
                          data={"reviewState": "approved", "csrf_token": token})
    assert refused.status_code == 403


def test_review_with_a_comment_then_the_next_of_the_filtered_list(client, world):  # noqa: F811
    project_id = world["project"].id
    token = desk_login(client, "admin@example.org")
    _, rows = table(client, project_id, sort="name")
    order = [instance for instance, _ in rows]
    first, second = order[0], order[1]
    response = client.post(f"/projects/{project_id}/forms/{FORM}/submissions/uuid:{first}/review?sort=name",
                           data={"reviewState": "hasIssues", "comment": "Ảnh tủ sách bị mờ", "then": "next",
                                 "csrf_token": token})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert f"/submissions/uuid:{second}?" in location and "sort=name" in location
    page = client.get(f"/projects/{project_id}/forms/{FORM}/submissions/uuid:{first}")
    assert "Ảnh tủ sách bị mờ" in page.text
    assert re.search(r'class="state state-hasIssues" data-testid="review-state">Có vấn đề', page.text)
    _, rows = table(client, project_id, state="hasIssues")
    assert rows == [(first, "hasIssues")]


def test_table_filters_search_and_sorting(client, world):  # noqa: F811
    project_id = world["project"].id
    desk_login(client, "admin@example.org")
    _, everything = table(client, project_id)
    assert len(everything) == 4
    _, received = table(client, project_id, state="received")
    assert len(received) == 4
    _, found = table(client, project_id, q="s_gps")
    assert [instance for instance, _ in found] == ["s_gps"]
    _, in_commune = table(client, project_id, area="00004")
    assert {instance for instance, _ in in_commune} == set(IN_AREA)
    _, none = table(client, project_id, since="2099-01-01")
    assert none == []
    response, rows = table(client, project_id, per_page="7", page="-2", state=["received", "approved", "nonsense"],
                           junk="x", submitter="abc", since="not-a-date", recognised="maybe", sort="drop table")
    assert 'data-total="4"' in response.text and len(rows) == 4  # unreadable values are ignored


def test_bulk_review_over_the_api_is_all_or_nothing_and_audited_per_submission(client, world):  # noqa: F811
    path, users = world["rest"] + "/review", world["users"]
    audits = db.session.execute(sa.select(sa.func.count()).select_from(Audit)).scalar()
    outside = client.post(path, json={"instanceIds": ["uuid:s_a", "uuid:s_b"], "reviewState": "rejected"},
                          headers=users["manager_a"])
    assert outside.status_code == 403 and outside.get_json()["code"] == 403.1
    unknown = client.post(path, json={"instanceIds": ["uuid:s_a", "uuid:nope"], "reviewState": "rejected"},
                          headers=users["admin"])
    assert unknown.status_code == 404
    for body in ({"instanceIds": [], "reviewState": "rejected"}, {"instanceIds": "uuid:s_a", "reviewState": "x"},
                 {"instanceIds": ["uuid:s_a"], "reviewState": "nonsense"}, {"instanceIds": [1], "reviewState": None},
                 {"instanceIds": ["uuid:s_a"] * 1001, "reviewState": "approved"},
                 {"instanceIds": ["uuid:s_a"], "reviewState": "approved", "comment": 5}):
        assert client.post(path, json=body, headers=users["admin"]).status_code == 400, body
    assert db.session.execute(sa.select(sa.func.count()).select_from(Audit)).scalar() == audits  # nothing changed
    done = client.post(path, json={"instanceIds": ["uuid:s_a", "uuid:s_gps"], "reviewState": "approved",
                                   "comment": "Đủ minh chứng"}, headers=users["manager_a"])
    assert done.status_code == 200, done.get_json()
    assert [item["reviewState"] for item in done.get_json()] == ["approved", "approved"]
    entries = db.session.execute(sa.select(Audit.actee_id).where(Audit.action == "submission.update")).scalars().all()
    ids = {instance: id_ for instance, id_ in db.session.execute(sa.select(Submission.instance_id, Submission.id))}
    assert sorted(entries) == sorted([str(ids["uuid:s_a"]), str(ids["uuid:s_gps"])])
    assert db.session.execute(sa.select(sa.func.count()).select_from(Comment)).scalar() == 2
    viewer = client.post(path, json={"instanceIds": ["uuid:s_a"], "reviewState": "rejected"}, headers=users["viewer_a"])
    assert viewer.status_code == 403


def test_bulk_review_from_the_desk(client, world):  # noqa: F811
    project_id = world["project"].id
    token = desk_login(client, "manager_a@example.org")
    back = f"/projects/{project_id}/forms/{FORM}/gallery"
    response = client.post(f"/projects/{project_id}/forms/{FORM}/submissions/review",
                           data={"instanceId": ["uuid:s_a", "uuid:s_gps"], "reviewState": "rejected",
                                 "comment": "Không đúng hộ", "back": back, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith(back + "?done=2")
    _, rows = table(client, project_id)
    assert {state for _, state in rows} == {"rejected"}
    refused = client.post(f"/projects/{project_id}/forms/{FORM}/submissions/review",
                          data={"instanceId": ["uuid:s_b"], "reviewState": "approved", "csrf_token": token})
    assert refused.status_code == 403


def test_vietnamese_by_default_english_one_click_away_and_remembered(client, world):  # noqa: F811
    project_id = world["project"].id
    desk_login(client, "admin@example.org")
    page = client.get(f"/projects/{project_id}")
    assert '<html lang="vi">' in page.text and "Đăng xuất" in page.text
    switched = client.get(f"/language/en?next=/projects/{project_id}")
    assert switched.headers["Location"] == f"/projects/{project_id}"
    page = client.get(f"/projects/{project_id}")
    assert '<html lang="en">' in page.text and "Log out" in page.text and "Đăng xuất" not in page.text
    assert "Log out" in client.get(f"/projects/{project_id}/forms/{FORM}/submissions").text
    client.get("/language/vi")
    assert "Đăng xuất" in client.get(f"/projects/{project_id}").text


def test_pages_say_where_they_load_from_and_load_nothing_from_elsewhere(client, world):  # noqa: F811
    project_id = world["project"].id
    desk_login(client, "admin@example.org")
    for path in (f"/projects/{project_id}", f"/projects/{project_id}/forms/{FORM}/submissions",
                 f"/projects/{project_id}/forms/{FORM}/submissions/uuid:s_a",
                 f"/projects/{project_id}/forms/{FORM}/map",
                 f"/projects/{project_id}/forms/{FORM}/gallery"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert not re.search(r'(src|href)="(https?:)?//', response.text), path  # nothing from a CDN
        assert "<script>" not in response.text and " style=" not in response.text
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/vendor/htmx/htmx.min.js").status_code == 200


def test_an_unknown_page_is_a_page_for_a_browser_and_json_for_the_api(client):
    assert client.get("/nowhere", headers={"Accept": "text/html"}).content_type.startswith("text/html")
    assert client.get("/v1/nowhere", headers={"Accept": "text/html"}).get_json()["code"] == 404.1
    assert client.get("/nowhere").get_json()["code"] == 404.1


def test_the_listing_pages_searches_and_sorts_in_the_database(client, world):  # noqa: F811
    """submissions/listing.py directly: every order pages without gaps or repeats (the page's ids first, then
    their columns), the search finds subjects by registry label and people by name in any case, and the counts
    agree with the rows, within a manager's areas too."""
    project, (household_a, _) = world["project"], world["households"]
    form = get_form_by_project_and_xml_form_id(project.id, FORM)
    score_pending(project.id)
    for sort in listing.SORTS:
        whole = [row.instance_id for row in listing.page(form, None, listing.Filters(sort=sort, per_page=250))]
        pages = [row.instance_id for number in (1, 2, 3)
                 for row in listing.page(form, None, listing.Filters(sort=sort, per_page=2, page=number))]
        assert pages == whole and len(whole) == 4, sort
    totals = [row.total for row in listing.page(form, None, listing.Filters(sort="-score"))]
    assert totals == sorted(totals, key=lambda total: -1 if total is None else -total) and None not in totals
    unscored = db.session.execute(sa.select(Submission.id).where(Submission.instance_id.in_(
        ["uuid:s_b", "uuid:s_none"]))).scalars().all()
    db.session.execute(sa.delete(SubjectScore).where(SubjectScore.submission_id.in_(unscored)))
    for sort in ("-score", "score"):  # those with a total in the index's order, then the rest by id
        whole = listing.page(form, None, listing.Filters(sort=sort, per_page=250))
        assert [row.submission_id for row in whole[2:]] == sorted(unscored, reverse=sort == "-score")
        assert all(row.total is not None for row in whole[:2])
        for size in (1, 3):
            pages = [row.submission_id for number in range(1, 6)
                     for row in listing.page(form, None, listing.Filters(sort=sort, per_page=size, page=number))]
            assert pages == [row.submission_id for row in whole], (sort, size)
    by_label = listing.Filters(query="NGUYỄN VĂN")  # the label of household a, in capitals
    assert [row.instance_id for row in listing.page(form, None, by_label)] == ["uuid:s_a"]
    assert listing.count(form, None, by_label) == 1
    assert listing.page(form, None, by_label)[0].subject == household_a.label
    submitter = db.session.get(Actor, db.session.execute(sa.select(Submission.submitter_id)).scalars().first())
    by_person = listing.Filters(query=submitter.display_name[1:].upper())
    assert listing.count(form, None, by_person) == 4 == len(listing.page(form, None, by_person))
    assert listing.submitters(form, None) == [(submitter.id, submitter.display_name)]
    scope = actor_scope(project.id, get_user_by_email("manager_a@example.org").actor_id)
    assert {row.instance_id for row in listing.page(form, scope, listing.Filters())} == {f"uuid:{i}" for i in IN_AREA}
    assert listing.count(form, scope, listing.Filters()) == 2
    assert listing.count(form, scope, listing.Filters(query="trần thị")) == 0  # household b is outside her areas


def test_the_tables_download_links_carry_its_filters_and_her_areas(client, world):  # noqa: F811
    import csv
    import io
    project_id = world["project"].id
    desk_login(client, "manager_a@example.org")
    page = client.get(f"/projects/{project_id}/forms/{FORM}/submissions", query_string={"state": "received"}).text
    links = re.findall(r'href="([^"]+/download/submissions\.[^"]+)"', page)
    links += re.findall(r'href="([^"]+/download/media\.zip[^"]*)"', page)
    assert len(links) == 7 and all("state=received" in link for link in links)
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link
    response = client.get(next(link for link in links if ".csv?" in link).replace("&amp;", "&"))
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert sorted(row[rows[0].index("KEY")] for row in rows[1:]) == sorted(f"uuid:{i}" for i in IN_AREA)
    xlsx = client.get(next(link for link in links if ".xlsx?" in link).replace("&amp;", "&"))
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert client.get(f"/projects/{project_id}/forms/{FORM}/download/submissions.pdf").status_code == 404

