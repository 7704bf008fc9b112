"""The form lifecycle as a designer drives it through Central's API: upload, draft, attach, publish, download."""

import hashlib

from tests.factories import XLSX, create_project, create_user, login, simple_form, upload_form, xlsx_from_markdown

MEDIA_FORM = """
| survey   |                               |           |                      |             |
|          | type                          | name      | label                | image       |
|          | select_one_from_file thon.csv | thon      | Thôn                 |             |
|          | note                          | logo_note | Logo                 | logo.png    |
| settings |                               |           |                      |             |
|          | form_id                       | version   | form_title           |             |
|          | co_so                         | {version} | Cơ sở                |             |
"""


def forms_url(project, suffix=""):
    return f"/v1/projects/{project.id}/forms{suffix}"


def test_upload_xlsform_as_draft_then_publish(client, admin, project):
    created = upload_form(client, admin, project.id, simple_form(version="2026.1"))
    assert created.status_code == 200
    body = created.get_json()
    pyodk_keys = {"projectId", "xmlFormId", "version", "hash", "state", "createdAt", "name", "enketoId", "keyId",
                  "updatedAt", "publishedAt"}
    assert pyodk_keys <= set(body)
    identity = (body["xmlFormId"], body["version"], body["name"], body["publishedAt"])
    assert identity == ("ho_gia_dinh", "2026.1", "Hộ gia đình", None)
    assert client.get(forms_url(project, "/ho_gia_dinh.xml"), headers=admin).status_code == 404  # not published yet
    draft_xml = client.get(forms_url(project, "/ho_gia_dinh/draft.xml"), headers=admin)
    assert hashlib.md5(draft_xml.data).hexdigest() == body["hash"]

    assert client.post(forms_url(project, "/ho_gia_dinh/draft/publish"), headers=admin).get_json() == {"success": True}
    published = client.get(forms_url(project, "/ho_gia_dinh"), headers=admin).get_json()
    assert published["publishedAt"] is not None and published["version"] == "2026.1"
    xml = client.get(forms_url(project, "/ho_gia_dinh.xml"), headers=admin)
    assert xml.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert hashlib.md5(xml.data).hexdigest() == published["hash"]
    assert "Họ tên chủ hộ".encode() in xml.data


def test_publish_true_and_list(client, admin, project):
    assert upload_form(client, admin, project.id, simple_form("a_form"), publish=True).status_code == 200
    assert upload_form(client, admin, project.id, simple_form("b_form")).status_code == 200
    listed = client.get(forms_url(project), headers=admin).get_json()
    is_published = [(form["xmlFormId"], form["publishedAt"] is not None) for form in listed]
    assert is_published == [("a_form", True), ("b_form", False)]


def test_original_spreadsheet_is_kept_and_downloadable(client, admin, project):
    original = simple_form()
    upload_form(client, admin, project.id, original, publish=True)
    download = client.get(forms_url(project, "/ho_gia_dinh.xlsx"), headers=admin)
    assert download.status_code == 200 and download.data == original
    assert download.headers["Content-Type"] == XLSX
    assert 'filename=ho_gia_dinh.xlsx' in download.headers["Content-Disposition"]


def test_xform_xml_upload_has_no_spreadsheet(client, admin, project):
    upload_form(client, admin, project.id, simple_form("from_xlsx"), publish=True)
    published_xml = client.get(forms_url(project, "/from_xlsx.xml"), headers=admin).data
    xml = published_xml.replace(b'id="from_xlsx"', b'id="from_xml"')
    created = upload_form(client, admin, project.id, xml, publish=True, content_type="application/xml")
    assert created.status_code == 200 and created.get_json()["xmlFormId"] == "from_xml"
    assert client.get(forms_url(project, "/from_xml.xml"), headers=admin).data == xml
    assert client.get(forms_url(project, "/from_xml.xlsx"), headers=admin).status_code == 404


def test_new_version_as_draft_keeps_serving_the_published_one(client, admin, project):
    first = simple_form(version="1")
    upload_form(client, admin, project.id, first, publish=True)
    new = simple_form(version="2", extra_rows="| | text | ghi_chu | Ghi chú |")
    draft = client.post(forms_url(project, "/ho_gia_dinh/draft"), data=new, headers={**admin, "Content-Type": XLSX})
    assert draft.status_code == 200
    assert b"ghi_chu" not in client.get(forms_url(project, "/ho_gia_dinh.xml"), headers=admin).data
    assert client.get(forms_url(project, "/ho_gia_dinh/draft"), headers=admin).get_json()["version"] == "2"
    client.post(forms_url(project, "/ho_gia_dinh/draft/publish"), headers=admin)
    assert b"ghi_chu" in client.get(forms_url(project, "/ho_gia_dinh.xml"), headers=admin).data

    versions = client.get(forms_url(project, "/ho_gia_dinh/versions"), headers=admin).get_json()
    assert [version["version"] for version in versions] == ["2", "1"]
    old = client.get(forms_url(project, "/ho_gia_dinh/versions/1.xml"), headers=admin)
    assert old.status_code == 200 and b"ghi_chu" not in old.data
    assert client.get(forms_url(project, "/ho_gia_dinh/versions/1.xlsx"), headers=admin).data == first
    assert client.get(forms_url(project, "/ho_gia_dinh/versions/9.xml"), headers=admin).status_code == 404


def test_draft_must_keep_the_form_id(client, admin, project):
    upload_form(client, admin, project.id, simple_form(), publish=True)
    other = client.post(forms_url(project, "/ho_gia_dinh/draft"), data=simple_form("khac", "2"),
                        headers={**admin, "Content-Type": XLSX})
    assert other.status_code == 400 and "khac" in other.get_json()["message"]


def test_publish_with_version_rewrites_the_xml(client, admin, project):
    upload_form(client, admin, project.id, simple_form(version="1"), publish=True)
    client.post(forms_url(project, "/ho_gia_dinh/draft"), headers=admin)  # empty body: copy of the published one
    conflict = client.post(forms_url(project, "/ho_gia_dinh/draft/publish"), headers=admin)
    assert conflict.status_code == 409 and conflict.get_json()["code"] == 409.6
    assert client.post(forms_url(project, "/ho_gia_dinh/draft/publish?version=2026-11-22"),
                       headers=admin).status_code == 200
    form = client.get(forms_url(project, "/ho_gia_dinh"), headers=admin).get_json()
    xml = client.get(forms_url(project, "/ho_gia_dinh.xml"), headers=admin).data
    assert form["version"] == "2026-11-22" and b'version="2026-11-22"' in xml
    assert hashlib.md5(xml).hexdigest() == form["hash"]


def test_media_attachments_upload_and_carry_over_to_the_next_draft(client, admin, project):
    upload_form(client, admin, project.id, xlsx_from_markdown(MEDIA_FORM.format(version="1")))
    expected = client.get(forms_url(project, "/co_so/draft/attachments"), headers=admin).get_json()
    attachments = {(item["name"], item["type"], item["exists"]) for item in expected}
    assert attachments == {("thon.csv", "file", False), ("logo.png", "image", False)}
    assert {"name", "type", "hash", "exists", "blobExists", "datasetExists", "updatedAt"} <= set(expected[0])
    csv = "name,label\nthon_1,Thôn Một\n".encode()
    uploaded = client.post(forms_url(project, "/co_so/draft/attachments/thon.csv"), data=csv,
                           headers={**admin, "Content-Type": "text/csv"})
    assert uploaded.get_json() == {"success": True}
    client.post(forms_url(project, "/co_so/draft/publish"), headers=admin)
    media = client.get(forms_url(project, "/co_so/attachments/thon.csv"), headers=admin)
    assert media.data == csv and media.headers["ETag"].strip('"') == hashlib.md5(csv).hexdigest()

    client.post(forms_url(project, "/co_so/draft"), data=xlsx_from_markdown(MEDIA_FORM.format(version="2")),
                headers={**admin, "Content-Type": XLSX})
    carried = {item["name"]: item
               for item in client.get(forms_url(project, "/co_so/draft/attachments"), headers=admin).get_json()}
    assert carried["thon.csv"]["exists"] and carried["thon.csv"]["hash"] == hashlib.md5(csv).hexdigest()
    assert not carried["logo.png"]["exists"]
    assert client.delete(forms_url(project, "/co_so/draft/attachments/thon.csv"), headers=admin).status_code == 200
    assert client.get(forms_url(project, "/co_so/draft/attachments/thon.csv"), headers=admin).status_code == 404
    assert client.get(forms_url(project, "/co_so/attachments/thon.csv"),
                      headers=admin).data == csv  # published one untouched


def test_form_state_open_closing_closed(client, admin, project):
    upload_form(client, admin, project.id, simple_form(), publish=True)
    for state in ("closing", "closed", "open"):
        response = client.patch(forms_url(project, "/ho_gia_dinh"), json={"state": state}, headers=admin)
        assert response.status_code == 200 and response.get_json()["state"] == state
    bad = client.patch(forms_url(project, "/ho_gia_dinh"), json={"state": "paused"}, headers=admin)
    assert bad.status_code == 400 and bad.get_json()["code"] == 400.8


def test_abandon_draft_and_delete_form(client, admin, project):
    upload_form(client, admin, project.id, simple_form())
    assert client.delete(forms_url(project, "/ho_gia_dinh/draft"), headers=admin).get_json()["code"] == 409.7
    assert client.delete(forms_url(project, "/ho_gia_dinh"), headers=admin).status_code == 200
    assert client.get(forms_url(project, "/ho_gia_dinh"), headers=admin).status_code == 404
    assert upload_form(client, admin, project.id, simple_form()).status_code == 200  # the id is free again


def test_viewer_reads_but_cannot_change_forms(client, admin, project):
    viewer = create_user("viewer@example.org")
    client.post(f"/v1/projects/{project.id}/assignments/viewer/{viewer.actor_id}", headers=admin)
    upload_form(client, admin, project.id, simple_form(), publish=True)
    headers = login(client, "viewer@example.org")
    assert client.get(forms_url(project, "/ho_gia_dinh.xml"), headers=headers).status_code == 200
    assert client.patch(forms_url(project, "/ho_gia_dinh"), json={"state": "closed"},
                        headers=headers).status_code == 403
    assert client.post(forms_url(project, "/ho_gia_dinh/draft"), headers=headers).status_code == 403
    assert client.get(forms_url(project, "/ho_gia_dinh/draft"), headers=headers).status_code == 403


def test_project_manager_publishes_in_own_project_only(client, admin, project):
    other = create_project("Xã Khác")
    manager = create_user("manager@example.org")
    client.post(f"/v1/projects/{project.id}/assignments/manager/{manager.actor_id}", headers=admin)
    headers = login(client, "manager@example.org")
    assert upload_form(client, headers, project.id, simple_form(), publish=True).status_code == 200
    assert upload_form(client, headers, other.id, simple_form()).status_code == 403


def test_every_change_is_audited_with_actor_and_notes(client, admin, project):
    upload_form(client, admin, project.id, simple_form())
    client.post(forms_url(project, "/ho_gia_dinh/draft/publish"), headers={**admin, "X-Action-Notes": "Đợt 2026"})
    client.patch(forms_url(project, "/ho_gia_dinh"), json={"state": "closed"}, headers=admin)
    audits = client.get("/v1/audits?action=form", headers=admin).get_json()
    assert [entry["action"] for entry in audits] == ["form.update", "form.update.publish", "form.create"]
    assert all(entry["actorId"] is not None and entry["loggedAt"].endswith("Z") for entry in audits)
    assert audits[1]["notes"] == "Đợt 2026" and audits[1]["details"] == {"version": "1"}
    assert client.get("/v1/audits", headers=login(client, "admin@example.org")).status_code == 200


def test_audits_are_for_administrators_only(client, admin, project):
    create_user("an@example.org")
    assert client.get("/v1/audits", headers=login(client, "an@example.org")).status_code == 403


def test_failed_request_leaves_no_trace(client, admin, project):
    upload_form(client, admin, project.id, simple_form(), publish=True)
    before = client.get("/v1/audits", headers=admin).get_json()
    assert upload_form(client, admin, project.id, simple_form()).status_code == 409
    assert client.get("/v1/audits", headers=admin).get_json() == before


def test_without_java_the_upload_fails_with_a_clear_message(client, admin, project, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on PATH
    response = upload_form(client, admin, project.id, simple_form())
    assert response.status_code == 500 and response.get_json()["code"] == 500.51
    assert "Java" in response.get_json()["message"] and "Traceback" not in response.get_data(as_text=True)
    monkeypatch.undo()
    assert client.get(f"/v1/projects/{project.id}/forms", headers=admin).get_json() == []


def test_boolean_flags_ignore_case_as_pyodk_sends_them(client, admin, project):
    with_warning = xlsx_from_markdown("""
    | survey   |         |         |            |
    |          | type    | name    | label      |
    |          | image   | anh     | Ảnh        |
    | settings |         |         |            |
    |          | form_id | version | form_title |
    |          | co_canh_bao | 1   | Cảnh báo   |
    """)
    response = client.post(f"/v1/projects/{project.id}/forms?ignoreWarnings=True&publish=True", data=with_warning,
                           headers={**admin, "Content-Type": XLSX})
    assert response.status_code == 200 and response.get_json()["publishedAt"] is not None
    extended = client.get(f"/v1/projects/{project.id}", headers={**admin, "X-Extended-Metadata": "TRUE"}).get_json()
    assert extended["forms"] == 1
