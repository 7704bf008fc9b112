"""ODK Collect's exchange with the server, request by request, as Collect sends it (odk-protocol.md §1)."""

import hashlib
import io
import re

import pytest

from server.extensions import db
from server.submissions.models import Submission, SubmissionDef
from tests.factories import create_app_user_directly, instance_xml, upload_form, xlsx_from_markdown

OR = {"X-OpenRosa-Version": "1.0", "User-Agent": "Dalvik/2.1.0 (Linux; Android 13) org.odk.collect.android/v2024.3.5"}
PHOTO_FORM = """
| survey   |          |          |                      |                |
|          | type     | name     | label                | parameters     |
|          | text     | chu_ho   | Họ tên chủ hộ        |                |
|          | integer  | so_nguoi | Số thành viên        |                |
|          | image    | anh      | Ảnh minh chứng       | max-pixels=1024 |
|          | geopoint | vi_tri   | Vị trí               |                |
| settings |          |          |                      |                |
|          | form_id  | version  | form_title           |                |
|          | ho_gia_dinh | {version} | Hộ gia đình      |                |
"""


def photo_form(version="1"):
    return xlsx_from_markdown(PHOTO_FORM.format(version=version))


def submission_body(photo="anh.jpg", point="21.0285 105.8542 12.5 4.9", name="Nguyễn Văn An", **kwargs):
    body = f"<chu_ho>{name}</chu_ho><so_nguoi>4</so_nguoi><anh>{photo}</anh><vi_tri>{point}</vi_tri>"
    return instance_xml(body=body, **kwargs)


@pytest.fixture
def collect(client, admin, project):
    """A published form with a photo and a geopoint, and an app user assigned to it: (base URL path, token)."""
    assert upload_form(client, admin, project.id, photo_form(), publish=True).status_code == 200
    form_id = client.get(f"/v1/projects/{project.id}/forms/ho_gia_dinh", headers=admin).get_json()
    from server.forms.queries import get_form_by_project_and_xml_form_id
    form = get_form_by_project_and_xml_form_id(project.id, form_id["xmlFormId"])
    _, token = create_app_user_directly(project, forms=[form.id])
    return f"/v1/key/{token}/projects/{project.id}"


def post_submission(client, base, xml, files=(), headers=OR, query="?deviceID=collect:abc123", incomplete=False):
    data = {"xml_submission_file": (io.BytesIO(xml), "instance.xml", "text/xml")}
    for name, content in files:
        data[name] = (io.BytesIO(content), name, "image/jpeg")
    if incomplete:
        data["*isIncomplete*"] = "yes"
    return client.post(base + "/submission" + query, data=data, headers=headers, content_type="multipart/form-data")


def test_form_list_manifest_and_download_as_collect_does(client, collect):
    listed = client.get(collect + "/formList", headers=OR)
    assert listed.status_code == 200
    assert listed.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert listed.headers["X-OpenRosa-Version"] == "1.0"
    text = listed.get_data(as_text=True)
    assert '<xforms xmlns="http://openrosa.org/xforms/xformsList">' in text
    download_url = re.search(r"<downloadUrl>(.*?)</downloadUrl>", text).group(1)
    assert download_url.startswith("http://localhost" + collect + "/forms/ho_gia_dinh.xml")
    md5 = re.search(r"<hash>md5:(\w+)</hash>", text).group(1)
    xml = client.get(download_url.replace("http://localhost", ""))  # no OpenRosa header needed here
    assert xml.status_code == 200 and hashlib.md5(xml.data).hexdigest() == md5
    assert "<manifestUrl>" not in text  # this form expects no media files


def test_openrosa_header_is_required_on_openrosa_endpoints(client, collect):
    for path in ("/formList", "/submission"):
        response = client.get(collect + path)
        assert response.status_code == 400
        assert "X-OpenRosa-Version" in response.get_data(as_text=True)
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"


def test_head_submission_is_204_with_accept_length(client, collect, app):
    response = client.head(collect + "/submission?deviceID=collect:abc123", headers=OR)
    assert response.status_code == 204
    advertised, limit = int(response.headers["X-OpenRosa-Accept-Content-Length"]), app.config["MAX_CONTENT_LENGTH"]
    assert limit - 1024 * 1024 <= advertised < limit  # room for the multipart framing Collect does not count
    assert client.get(collect + "/submission", headers=OR).status_code == 204


def test_bad_token_is_401_without_a_challenge(client, collect, project):
    response = client.get(f"/v1/key/not-a-token/projects/{project.id}/formList", headers=OR)
    assert response.status_code == 401 and "WWW-Authenticate" not in response.headers
    assert "Could not authenticate" in response.get_data(as_text=True)


def test_submission_with_photo_and_gps_is_filed_once(client, collect, database):
    photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
    response = post_submission(client, collect, submission_body(), files=[("anh.jpg", photo)])
    assert response.status_code == 201, response.get_data(as_text=True)
    assert "full submission upload was successful!" in response.get_data(as_text=True)
    submission_def = database.session.execute(db.select(SubmissionDef)).scalar_one()
    location = (submission_def.latitude, submission_def.longitude, submission_def.altitude, submission_def.accuracy)
    assert location == (21.0285, 105.8542, 12.5, 4.9)
    assert submission_def.device_id == "collect:abc123" and "org.odk.collect" in submission_def.user_agent
    if database.engine.dialect.name == "postgresql":  # a real PostGIS point, longitude first
        query = db.text("SELECT ST_AsText(location), ST_SRID(location) FROM submission_defs")
        point = database.session.execute(query).one()
        assert tuple(point) == ("POINT(105.8542 21.0285)", 4326)
    else:
        assert submission_def.location == "SRID=4326;POINT(105.8542 21.0285)"
    assert [(a.name, a.blob.md5) for a in submission_def.attachments] == [("anh.jpg", hashlib.md5(photo).hexdigest())]

    again = post_submission(client, collect, submission_body(), files=[("anh.jpg", photo)])
    assert again.status_code == 201
    assert database.session.execute(db.select(db.func.count()).select_from(Submission)).scalar() == 1


def test_split_upload_completes_the_attachments(client, collect, database):
    xml = submission_body()
    first = post_submission(client, collect, xml, incomplete=True)
    assert first.status_code == 201
    attachment = database.session.execute(db.select(SubmissionDef)).scalar_one().attachments[0]
    assert attachment.blob_id is None
    second = post_submission(client, collect, xml, files=[("anh.jpg", b"jpeg-bytes")])
    assert second.status_code == 201
    database.session.expire_all()
    assert database.session.execute(db.select(SubmissionDef)).scalar_one().attachments[0].blob is not None


def test_same_instance_id_with_different_xml_is_409(client, collect):
    assert post_submission(client, collect, submission_body()).status_code == 201
    conflict = post_submission(client, collect, submission_body(name="Trần Thị Bình"))
    assert conflict.status_code == 409
    assert "different XML" in conflict.get_data(as_text=True)
    assert 'nature="error"' in conflict.get_data(as_text=True)


def test_unreferenced_files_are_ignored(client, collect, database):
    response = post_submission(client, collect, submission_body(), files=[("anh.jpg", b"a"), ("khac.jpg", b"b")])
    assert response.status_code == 201
    assert [a.name for a in database.session.execute(db.select(SubmissionDef)).scalar_one().attachments] == ["anh.jpg"]


def test_edit_by_deprecated_id_keeps_earlier_photos(client, collect, database):
    post_submission(client, collect, submission_body(), files=[("anh.jpg", b"photo-1")])
    edited = submission_body(name="Nguyễn Văn Ân", instance_id="uuid:00000000-0000-4000-8000-000000000002",
                             meta_extra="<deprecatedID>uuid:00000000-0000-4000-8000-000000000001</deprecatedID>")
    assert post_submission(client, collect, edited).status_code == 201
    submission = database.session.execute(db.select(Submission)).scalar_one()
    assert submission.review_state == "edited"
    versions = database.session.execute(db.select(SubmissionDef).order_by(SubmissionDef.id)).scalars().all()
    assert [v.current for v in versions] == [False, True]
    assert versions[1].attachments[0].blob.md5 == hashlib.md5(b"photo-1").hexdigest()
    stale = submission_body(name="X", instance_id="uuid:00000000-0000-4000-8000-000000000003",
                            meta_extra="<deprecatedID>uuid:00000000-0000-4000-8000-000000000001</deprecatedID>")
    assert post_submission(client, collect, stale).status_code == 409
    unknown = submission_body(instance_id="uuid:9", meta_extra="<deprecatedID>uuid:nope</deprecatedID>")
    assert post_submission(client, collect, unknown).status_code == 404


def test_new_submission_reusing_an_edited_versions_instance_id_is_409_and_files_nothing(client, collect, database):
    post_submission(client, collect, submission_body(), files=[("anh.jpg", b"photo-1")])
    edit_id = "uuid:00000000-0000-4000-8000-000000000002"
    edited = submission_body(name="Nguyễn Văn Ân", instance_id=edit_id,
                             meta_extra="<deprecatedID>uuid:00000000-0000-4000-8000-000000000001</deprecatedID>")
    assert post_submission(client, collect, edited).status_code == 201
    clash = post_submission(client, collect, submission_body(name="Lê Văn Cường", instance_id=edit_id),
                            files=[("anh.jpg", b"photo-2")])
    assert clash.status_code == 409 and 'nature="error"' in clash.get_data(as_text=True)
    assert database.session.execute(db.select(db.func.count()).select_from(Submission)).scalar() == 1
    assert database.session.execute(db.select(db.func.count()).select_from(SubmissionDef)).scalar() == 2


TWO_PHOTOS_FORM = """
| survey   |          |         |            |                 |
|          | type     | name    | label      | parameters      |
|          | image    | truoc   | Trước      | max-pixels=1024 |
|          | image    | sau     | Sau        | max-pixels=1024 |
| settings |          |         |            |                 |
|          | form_id  | version | form_title |                 |
|          | hai_anh  | 1       | Hai ảnh    |                 |
"""


def test_two_files_with_the_same_bytes_share_one_blob(client, admin, project, database):
    assert upload_form(client, admin, project.id, xlsx_from_markdown(TWO_PHOTOS_FORM), publish=True).status_code == 200
    from server.forms.queries import get_form_by_project_and_xml_form_id
    _, token = create_app_user_directly(project, forms=[get_form_by_project_and_xml_form_id(project.id, "hai_anh").id])
    xml = instance_xml(form_id="hai_anh", body="<truoc>a.jpg</truoc><sau>b.jpg</sau>")
    response = post_submission(client, f"/v1/key/{token}/projects/{project.id}", xml,
                               files=[("a.jpg", b"same bytes"), ("b.jpg", b"same bytes")])
    assert response.status_code == 201, response.get_data(as_text=True)
    attachments = database.session.execute(db.select(SubmissionDef)).scalar_one().attachments
    assert [a.name for a in attachments] == ["a.jpg", "b.jpg"]
    assert attachments[0].blob_id == attachments[1].blob_id is not None


@pytest.mark.parametrize("change, status, says", [
    (lambda xml: xml.replace(b'id="ho_gia_dinh"', b'id="khong_co"'), 404, "Could not find"),
    (lambda xml: xml.replace(b'version="1"', b'version="999"'), 404, "'999' does not exist"),
    (lambda xml: b"this is not xml", 400, ""),
    (lambda xml: b'<!DOCTYPE x [<!ENTITY a "b">]>' + xml.split(b"?>", 1)[1], 400, "DOCTYPE"),
])
def test_bad_submissions_get_openrosa_errors(client, collect, change, status, says):
    response = post_submission(client, collect, change(submission_body()))
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert text.startswith("<OpenRosaResponse") and 'nature="error"' in text and says in text


def test_missing_xml_part_and_raw_xml_are_400(client, collect):
    no_part = client.post(collect + "/submission", data={"other": (io.BytesIO(b"x"), "x.jpg")}, headers=OR,
                          content_type="multipart/form-data")
    raw = client.post(collect + "/submission", data=submission_body(), headers={**OR, "Content-Type": "text/xml"})
    for response in (no_part, raw):
        assert response.status_code == 400 and "xml_submission_file missing" in response.get_data(as_text=True)


def test_closed_form_refuses_submissions_and_leaves_the_list(client, collect, admin, project):
    client.patch(f"/v1/projects/{project.id}/forms/ho_gia_dinh", json={"state": "closed"}, headers=admin)
    refused = post_submission(client, collect, submission_body())
    assert refused.status_code == 409 and "not currently accepting" in refused.get_data(as_text=True)
    assert "ho_gia_dinh" not in client.get(collect + "/formList", headers=OR).get_data(as_text=True)


def test_unassigned_app_user_sees_no_forms_and_cannot_submit(client, collect, project):
    _, token = create_app_user_directly(project, name="Người khác")
    other = f"/v1/key/{token}/projects/{project.id}"
    assert "<xform>" not in client.get(other + "/formList", headers=OR).get_data(as_text=True)
    assert post_submission(client, other, submission_body()).status_code == 403


def test_manifest_lists_uploaded_media_with_hashes(client, admin, project):
    form = xlsx_from_markdown("""
    | survey   |                                 |         |            |
    |          | type                            | name    | label      |
    |          | select_one_from_file thon.csv   | thon    | Thôn       |
    | settings |                                 |         |            |
    |          | form_id                         | version | form_title |
    |          | chon_thon                       | 1       | Chọn thôn  |
    """)
    upload_form(client, admin, project.id, form)
    csv = "name,label\nthon_1,Thôn Một\n".encode()
    client.post(f"/v1/projects/{project.id}/forms/chon_thon/draft/attachments/thon.csv", data=csv,
                headers={**admin, "Content-Type": "text/csv"})
    client.post(f"/v1/projects/{project.id}/forms/chon_thon/draft/publish", headers=admin)
    from server.forms.queries import get_form_by_project_and_xml_form_id
    _, token = create_app_user_directly(project,
                                        forms=[get_form_by_project_and_xml_form_id(project.id, "chon_thon").id])
    base = f"/v1/key/{token}/projects/{project.id}"
    listing = client.get(base + "/formList", headers=OR).get_data(as_text=True)
    manifest_url = re.search(r"<manifestUrl>(.*?)</manifestUrl>", listing).group(1).replace("http://localhost", "")
    manifest = client.get(manifest_url, headers=OR)
    assert manifest.status_code == 200 and manifest.headers["Content-Type"] == "text/xml; charset=utf-8"
    text = manifest.get_data(as_text=True)
    assert f"<hash>md5:{hashlib.md5(csv).hexdigest()}</hash>" in text
    media_url = re.search(r"<downloadUrl>(.*?)</downloadUrl>", text).group(1).replace("http://localhost", "")
    assert client.get(media_url).data == csv


def test_named_user_logs_in_from_collect_with_digest_over_plain_http(client, collect, project, admin):
    from server.auth.digest import REALM
    from tests.factories import PASSWORD, assign, create_user
    user = create_user("tnv@example.org")
    assign(user, "formfill", project)
    base = f"/v1/projects/{project.id}"
    challenge = client.get(base + "/formList", headers=OR)
    assert challenge.status_code == 401
    offered = challenge.headers.getlist("WWW-Authenticate")
    assert len(offered) == 1 and offered[0].startswith("Digest ") and 'domain="/"' in offered[0]  # no Basic over http
    nonce = re.search(r'nonce="([^"]+)"', offered[0]).group(1)

    def authorization(method, uri, password=PASSWORD, nc="00000001"):
        ha1 = hashlib.md5(f"tnv@example.org:{REALM}:{password}".encode()).hexdigest()
        ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
        response = hashlib.md5(f"{ha1}:{nonce}:{nc}:abcdef:auth:{ha2}".encode()).hexdigest()
        return {"Authorization": f'Digest username="tnv@example.org", realm="{REALM}", nonce="{nonce}", uri="{uri}", '
                                 f'response="{response}", qop=auth, nc={nc}, cnonce="abcdef"'}

    listed = client.get(base + "/formList", headers={**OR, **authorization("GET", base + "/formList")})
    assert listed.status_code == 200 and "<formID>ho_gia_dinh</formID>" in listed.get_data(as_text=True)
    wrong = client.get(base + "/formList", headers={**OR, **authorization("GET", base + "/formList", "wrong password")})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Digest ")
    replayed = client.get(base + "/formList", headers={**OR, **authorization("GET", base + "/formList")})
    assert replayed.status_code == 401 and "stale=true" in replayed.headers["WWW-Authenticate"]
    posted = post_submission(client, base, submission_body(), files=[("anh.jpg", b"x")], query="",
                             headers={**OR, **authorization("POST", base + "/submission", nc="00000002")})
    assert posted.status_code == 201
    # Digest is for Collect's endpoints: the REST API refuses it
    rest = client.get("/v1/users/current", headers=authorization("GET", "/v1/users/current", nc="00000003"))
    assert rest.status_code == 401
    secure = client.get(base + "/formList", headers=OR, base_url="https://localhost")
    assert any(value.startswith("Basic ") for value in secure.headers.getlist("WWW-Authenticate"))


def test_submission_without_instance_id_gets_a_generated_one_as_central_does(client, collect, database):
    xml = b'<data id="ho_gia_dinh" version="1"><chu_ho>An</chu_ho><so_nguoi>1</so_nguoi></data>'
    assert post_submission(client, collect, xml).status_code == 201
    instance_id = database.session.execute(db.select(Submission.instance_id)).scalar_one()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", instance_id)
