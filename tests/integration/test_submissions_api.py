"""The REST submissions API (/v1/projects/{p}/forms/{f}/submissions…) in ODK Central's shapes (transcripts 20*)."""

import hashlib
from urllib.parse import quote

import pytest

from server.audit.models import Audit
from server.extensions import db
from server.forms.queries import get_form_by_project_and_xml_form_id
from tests.factories import assign, create_app_user_directly, create_project, create_user, login, upload_form
from tests.integration.test_openrosa import collect, photo_form, post_submission, submission_body  # noqa: F401

FIRST = "uuid:00000000-0000-4000-8000-000000000001"
SECOND = "uuid:00000000-0000-4000-8000-000000000002"
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
SUBMISSION_KEYS = ["instanceId", "submitterId", "deviceId", "createdAt", "updatedAt", "reviewState", "userAgent",
                   "deletedAt", "currentVersion"]
VERSION_KEYS = ["submitterId", "createdAt", "instanceName", "instanceId", "current", "deviceId", "userAgent"]
PHOTO_ETAG = f'"{hashlib.md5(PHOTO).hexdigest()}"'
PRESENT, ABSENT = [{"name": "anh.jpg", "exists": True}], [{"name": "anh.jpg", "exists": False}]


def url(project, instance_id=None, tail=""):
    base = f"/v1/projects/{project.id}/forms/ho_gia_dinh/submissions"
    return base if instance_id is None else f"{base}/{quote(instance_id, safe='')}{tail}"


def post_xml(client, headers, project, xml, query="", content_type="application/xml"):
    return client.post(url(project) + query, data=xml, headers={**headers, "Content-Type": content_type})


def put_xml(client, headers, project, xml):
    return client.put(url(project, FIRST), data=xml, headers={**headers, "Content-Type": "application/xml"})


def upload(client, headers, project, data=PHOTO, instance_id=FIRST, name="anh.jpg", content_type="image/jpeg"):
    return client.post(url(project, instance_id, f"/attachments/{name}"), data=data,
                       headers={**headers, "Content-Type": content_type})


def attachments(client, headers, project, instance_id=FIRST):
    return client.get(url(project, instance_id, "/attachments"), headers=headers).get_json()


def edited_body(name="Nguyễn Văn Ân", instance_id=SECOND, deprecated_id=FIRST):
    meta = f"<deprecatedID>{deprecated_id}</deprecatedID>" if deprecated_id else ""
    return submission_body(name=name, instance_id=instance_id, meta_extra=meta)


def keyed(token, path):
    """The same path as an app user reaches it: /v1/key/{token}/projects/…"""
    return f"/v1/key/{token}" + path.removeprefix("/v1")


def audits(database, action):
    return database.session.execute(db.select(Audit).where(Audit.action == action).order_by(Audit.id)).scalars().all()


@pytest.fixture
def form(client, admin, project):
    assert upload_form(client, admin, project.id, photo_form(), publish=True).status_code == 200


@pytest.fixture
def created(client, admin, project, form):
    """A submission made over REST by the administrator, with its photo uploaded."""
    assert post_xml(client, admin, project, submission_body()).status_code == 200
    assert upload(client, admin, project).status_code == 200


def user_with_role(client, role, project, email):
    user = create_user(email)
    if role:
        assign(user, role, project)
    return user, login(client, email)


def test_list_get_and_xml_after_an_openrosa_submission(client, collect, admin, project):  # noqa: F811
    xml = submission_body()
    assert post_submission(client, collect, xml, files=[("anh.jpg", PHOTO)]).status_code == 201

    listed = client.get(url(project), headers=admin)
    assert listed.status_code == 200
    [item] = listed.get_json()
    assert list(item) == SUBMISSION_KEYS and list(item["currentVersion"]) == VERSION_KEYS
    assert (item["instanceId"], item["deviceId"], item["reviewState"]) == (FIRST, "collect:abc123", None)
    assert item["updatedAt"] is None and isinstance(item["submitterId"], int)
    assert "org.odk.collect" in item["userAgent"] and item["createdAt"].endswith("Z")
    assert item["currentVersion"]["current"] is True and item["currentVersion"]["instanceId"] == FIRST

    one = client.get(url(project, FIRST), headers=admin)  # the ":" arrives as %3A, as pyodk sends it
    assert one.status_code == 200 and one.get_json() == item
    extended = client.get(url(project, FIRST), headers={**admin, "X-Extended-Metadata": "true"}).get_json()
    assert (extended["submitter"]["displayName"], extended["submitter"]["type"]) == ("Tình nguyện viên", "field_key")

    raw = client.get(url(project, FIRST, ".xml"), headers=admin)
    assert raw.status_code == 200 and raw.data == xml
    assert raw.headers["Content-Type"] == "application/xml; charset=utf-8"

    assert attachments(client, admin, project) == PRESENT
    photo = client.get(url(project, FIRST, "/attachments/anh.jpg"), headers=admin)
    assert photo.data == PHOTO and photo.headers["ETag"] == PHOTO_ETAG
    assert photo.headers["Content-Type"] == "image/jpeg" and photo.headers["Content-Disposition"].startswith("inline")
    again = client.get(url(project, FIRST, "/attachments/anh.jpg"), headers={**admin, "If-None-Match": PHOTO_ETAG})
    assert again.status_code == 304

    missing = client.get(url(project, "uuid:khong-co"), headers=admin)
    assert missing.status_code == 404 and missing.get_json()["code"] == 404.1
    assert client.get(url(project, "uuid:khong-co", ".xml"), headers=admin).status_code == 404


def test_rest_create_then_upload_and_download_the_photo(client, admin, project, form, database):
    response = post_xml(client, admin, project, submission_body(), query="?deviceID=rest:42")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert list(body) == SUBMISSION_KEYS and (body["instanceId"], body["deviceId"]) == (FIRST, "rest:42")
    assert attachments(client, admin, project) == ABSENT
    assert client.get(url(project, FIRST, "/attachments/anh.jpg"), headers=admin).status_code == 404

    uploaded = upload(client, admin, project)
    assert uploaded.status_code == 200 and uploaded.get_json() == {"success": True}
    assert attachments(client, admin, project) == PRESENT
    photo = client.get(url(project, FIRST, "/attachments/anh.jpg"), headers=admin)
    assert photo.data == PHOTO and photo.headers["ETag"] == PHOTO_ETAG
    assert photo.headers["Content-Disposition"].startswith("inline")
    assert [a.details["instanceId"] for a in audits(database, "submission.create")] == [FIRST]
    assert [a.details["name"] for a in audits(database, "submission.attachment.update")] == ["anh.jpg"]

    assert upload(client, admin, project, name="khac.jpg").status_code == 404  # the XML names no such file
    cleared = client.delete(url(project, FIRST, "/attachments/anh.jpg"), headers=admin)
    assert cleared.status_code == 200 and cleared.get_json() == {"success": True}
    assert client.get(url(project, FIRST, "/attachments/anh.jpg"), headers=admin).status_code == 404
    assert client.delete(url(project, FIRST, "/attachments/anh.jpg"), headers=admin).status_code == 404


def test_other_than_images_are_downloaded_not_shown(client, admin, project, form):
    post_xml(client, admin, project, submission_body())
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    upload(client, admin, project, data=svg, content_type="image/svg+xml")
    served = client.get(url(project, FIRST, "/attachments/anh.jpg"), headers=admin)
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("change, content_type, status, code", [
    (lambda xml: xml, "application/json", 415, 415.1),
    (lambda xml: xml, "text/xml", 200, None),
    (lambda xml: b"<data", "application/xml", 400, 400.51),
    (lambda xml: xml.replace(b'id="ho_gia_dinh"', b'id="khac"'), "application/xml", 400, 400.8),
    (lambda xml: xml.replace(b'version="1"', b'version="9"'), "application/xml", 404, 404.6),
])
def test_rest_create_refuses_what_it_cannot_file(client, admin, project, form, change, content_type, status, code):
    response = post_xml(client, admin, project, change(submission_body()), content_type=content_type)
    assert response.status_code == status
    assert code is None or response.get_json()["code"] == code


def test_rest_create_of_an_existing_instance_id_is_409(client, admin, project, created):
    duplicate = post_xml(client, admin, project, submission_body())
    assert duplicate.status_code == 409 and duplicate.get_json()["code"] == 409.3


def test_too_large_an_attachment_is_413(client, admin, project, form, app, monkeypatch):
    post_xml(client, admin, project, submission_body())
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)
    assert upload(client, admin, project).status_code == 413
    monkeypatch.undo()
    assert attachments(client, admin, project) == ABSENT


def test_put_makes_a_new_version_and_keeps_the_photo(client, admin, project, created, database):
    no_deprecation = put_xml(client, admin, project, edited_body(deprecated_id=None))
    assert no_deprecation.status_code == 400 and no_deprecation.get_json()["code"] == 400.19

    edited = put_xml(client, admin, project, edited_body())
    assert edited.status_code == 200, edited.get_json()
    body = edited.get_json()
    assert (body["instanceId"], body["reviewState"], body["currentVersion"]["instanceId"]) == (FIRST, "edited", SECOND)
    assert body["updatedAt"] is not None
    assert client.get(url(project, FIRST, ".xml"), headers=admin).data == edited_body()

    versions = client.get(url(project, FIRST, "/versions"), headers=admin).get_json()
    assert [(v["instanceId"], v["current"]) for v in versions] == [(SECOND, True), (FIRST, False)]
    assert list(versions[0]) == VERSION_KEYS
    assert attachments(client, admin, project) == PRESENT
    assert client.get(url(project, FIRST, "/attachments/anh.jpg"), headers=admin).data == PHOTO
    assert client.get(url(project, SECOND), headers=admin).status_code == 404  # the first instanceID names it for good
    assert [a.details["deprecatedId"] for a in audits(database, "submission.update.version")] == [FIRST]

    stale = put_xml(client, admin, project, edited_body(instance_id="uuid:3"))
    assert stale.status_code == 400 and stale.get_json()["code"] == 400.19  # FIRST is no longer the current version


@pytest.mark.parametrize("state", ["hasIssues", "approved", "rejected", "edited", None])
def test_patch_sets_the_review_state(client, admin, project, created, database, state):
    response = client.patch(url(project, FIRST), json={"reviewState": state}, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["reviewState"] == state and response.get_json()["updatedAt"] is not None
    assert client.get(url(project, FIRST), headers=admin).get_json()["reviewState"] == state
    assert [a.details for a in audits(database, "submission.update")] == [{"reviewState": state}]


@pytest.mark.parametrize("body, code", [
    ({"reviewState": "received"}, 400.8), ({"reviewState": 3}, 400.8), ({}, 400.2), ("not json", 400.1),
])
def test_patch_refuses_unknown_review_states(client, admin, project, created, body, code):
    if isinstance(body, dict):
        response = client.patch(url(project, FIRST), json=body, headers=admin)
    else:
        response = client.patch(url(project, FIRST), data=body, headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["code"] == code
    assert client.get(url(project, FIRST), headers=admin).get_json()["reviewState"] is None


def test_comments_are_listed_in_order(client, admin, project, created, database):
    assert client.get(url(project, FIRST, "/comments"), headers=admin).get_json() == []
    first = client.post(url(project, FIRST, "/comments"), json={"body": "Thiếu ảnh sổ hộ khẩu"}, headers=admin)
    assert first.status_code == 200
    comment = first.get_json()
    assert list(comment) == ["id", "body", "actorId", "createdAt"] and comment["body"] == "Thiếu ảnh sổ hộ khẩu"
    client.post(url(project, FIRST, "/comments"), json={"body": "Đã bổ sung"}, headers=admin)
    listed = client.get(url(project, FIRST, "/comments"), headers={**admin, "X-Extended-Metadata": "true"}).get_json()
    assert [c["body"] for c in listed] == ["Thiếu ảnh sổ hộ khẩu", "Đã bổ sung"]
    assert listed[0]["actor"]["id"] == comment["actorId"]
    assert len(audits(database, "comment.create")) == 2
    for bad in ({"body": ""}, {}, {"body": 5}):
        assert client.post(url(project, FIRST, "/comments"), json=bad, headers=admin).status_code == 400


def test_viewer_reads_but_cannot_change(client, project, created):
    _, viewer = user_with_role(client, "viewer", project, "viewer@example.org")
    for tail in ("", ".xml", "/attachments", "/attachments/anh.jpg", "/versions", "/comments"):
        assert client.get(url(project, FIRST, tail), headers=viewer).status_code == 200, tail
    assert client.get(url(project), headers=viewer).status_code == 200
    refused = [
        client.patch(url(project, FIRST), json={"reviewState": "approved"}, headers=viewer),
        client.post(url(project, FIRST, "/comments"), json={"body": "x"}, headers=viewer),
        put_xml(client, viewer, project, edited_body()),
        upload(client, viewer, project),
        client.delete(url(project, FIRST, "/attachments/anh.jpg"), headers=viewer),
        post_xml(client, viewer, project, submission_body(instance_id="uuid:moi")),
    ]
    for response in refused:
        assert response.status_code == 403 and response.get_json()["code"] == 403.1


def test_app_users_and_other_projects_cannot_read(client, project, created):
    _, token = create_app_user_directly(project)
    assert client.get(keyed(token, url(project))).status_code == 403
    assert client.get(keyed(token, url(project, FIRST))).status_code == 403
    other = create_project("Xã Khác")
    _, manager = user_with_role(client, "manager", other, "manager@example.org")
    assert client.get(url(project), headers=manager).status_code == 403
    assert client.get(url(project, FIRST), headers=manager).status_code == 403
    assert client.patch(url(project, FIRST), json={"reviewState": "approved"}, headers=manager).status_code == 403
    assert client.get(url(project)).status_code == 401


def test_data_collector_creates_and_completes_only_their_own(client, project, form, created):
    _, collector = user_with_role(client, "formfill", project, "collector@example.org")
    xml = submission_body(instance_id="uuid:thu-thap")
    assert post_xml(client, collector, project, xml).status_code == 200
    assert upload(client, collector, project, instance_id="uuid:thu-thap").status_code == 200
    assert attachments(client, collector, project, "uuid:thu-thap") == PRESENT
    assert client.get(url(project, "uuid:thu-thap"), headers=collector).status_code == 403  # no submission.read
    assert client.get(url(project), headers=collector).status_code == 403
    # Someone else's submission (the administrator's) stays closed to them.
    assert upload(client, collector, project).status_code == 403
    assert client.get(url(project, FIRST, "/attachments"), headers=collector).status_code == 403


def test_app_user_can_create_over_rest_and_upload_its_file(client, project, form):
    form_id = get_form_by_project_and_xml_form_id(project.id, "ho_gia_dinh").id
    _, token = create_app_user_directly(project, forms=[form_id])
    created = client.post(keyed(token, url(project)), data=submission_body(),
                          headers={"Content-Type": "application/xml"})
    assert created.status_code == 200
    uploaded = client.post(keyed(token, url(project, FIRST, "/attachments/anh.jpg")), data=PHOTO,
                           headers={"Content-Type": "image/jpeg"})
    assert uploaded.status_code == 200
    assert client.get(keyed(token, url(project, FIRST, "/attachments"))).get_json() == PRESENT
