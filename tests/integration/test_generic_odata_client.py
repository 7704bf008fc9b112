"""A generic OData v4 client (python-odata 0.8.1, which builds its classes from $metadata) reads a form's feed, the
results feed and an entity list's feed of the demo server unchanged; and what Excel's Power Query does (Basic
over HTTPS behind a proxy, no redirect, OData-Version) is answered."""

import base64

import pytest
import requests
from odata import ODataService

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(live_server):
    session = requests.Session()
    session.headers.update(live_server.login())
    projects = session.get(f"{live_server.url}/v1/projects", timeout=30).json()
    [project] = [item for item in projects  # the demo's project (other tests add their own to this server)
                 if session.get(f"{live_server.url}/v1/projects/{item['id']}/forms/gia_dinh_hoc_tap",
                                timeout=30).status_code == 200][:1]
    return session, f"{live_server.url}/v1/projects/{project['id']}"


def service(session, url):
    return ODataService(url + "/", session=session, reflect_entities=True)


def test_a_generic_client_reads_a_forms_submissions_from_its_metadata(demo):
    session, base = demo
    expected = session.get(f"{base}/forms/gia_dinh_hoc_tap.svc/Submissions", params={"$count": "true"},
                           timeout=60).json()
    feed = service(session, f"{base}/forms/gia_dinh_hoc_tap.svc")
    assert "Submissions" in feed.entities
    rows = feed.query(feed.entities["Submissions"]).all()
    assert len(rows) == expected["@odata.count"] > 0
    ids = {row.__odata__["__id"] for row in rows}
    assert ids == {row["__id"] for row in expected["value"]}
    first = feed.query(feed.entities["Submissions"]).limit(2).all()
    assert len(first) == 2


def test_a_generic_client_reads_the_results_and_their_criteria(demo):
    session, base = demo
    feed = service(session, f"{base}/results.svc")
    assert set(feed.entities) == {"Results", "Criteria"}
    results = feed.query(feed.entities["Results"]).all()
    listed = session.get(f"{base}/results", timeout=60).json()
    assert len(results) == len(listed) > 0
    assert {(row.__odata__["model"], row.__odata__["subject"]) for row in results} == {
        (row["model"], row["subject"]) for row in listed}
    criteria = feed.query(feed.entities["Criteria"]).all()
    parents = {row.__odata__["__id"] for row in results}
    assert criteria and {row.__odata__["__Results-id"] for row in criteria} <= parents


def test_a_generic_client_reads_an_entity_list(demo):
    session, base = demo
    feed = service(session, f"{base}/datasets/ho_gia_dinh.svc")
    rows = feed.query(feed.entities["Entities"]).all()
    listed = session.get(f"{base}/datasets/ho_gia_dinh/entities", timeout=60).json()
    assert len(rows) == len(listed) > 0
    assert {row.__odata__["label"] for row in rows} == {entity["currentVersion"]["label"] for entity in listed}


def test_power_query_basic_over_https_gets_the_feed_without_a_redirect(live_server, demo):
    _, base = demo
    token = base64.b64encode(f"admin@minhchung.local:{live_server.admin_password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-Forwarded-Proto": "https", "Accept": "application/json"}
    for path in ("/forms/gia_dinh_hoc_tap.svc", "/forms/gia_dinh_hoc_tap.svc/$metadata",
                 "/forms/gia_dinh_hoc_tap.svc/Submissions", "/results.svc/Results"):
        response = requests.get(base + path, headers=headers, allow_redirects=False, timeout=60)
        assert response.status_code == 200, (path, response.text[:200])
        assert response.headers["OData-Version"] == "4.0"
    plain = requests.get(base + "/results.svc/Results", headers={"Authorization": f"Basic {token}"},
                         allow_redirects=False, timeout=60)
    assert plain.status_code == 401 and plain.json()["code"] == 401.3  # Basic over plain HTTP: refused, as Central
