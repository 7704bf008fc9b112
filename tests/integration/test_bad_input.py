"""Bad input to the form endpoints: each gets a clear Central-shaped JSON error and changes nothing.

"Changes nothing" is checked the way an administrator would: the project's form list and the audit log.
"""

import hashlib
import io
import resource
import time
import zipfile

import pytest

from server.blobs.store import LocalBlobStore
from server.forms.xlsform import OLE2_MAGIC
from tests.factories import (
    PASSWORD as PASSWORD_OF_TESTS,
)
from tests.factories import (
    XLSX,
    assign,
    basic,
    create_project,
    create_user,
    login,
    simple_form,
    upload_form,
    xlsx_from_markdown,
)

XLS = "application/vnd.ms-excel"
MEBIBYTE = 1024 * 1024

# A hand-written XForm that ODK Validate accepts; variants below break it one way at a time.
XFORM = """<?xml version="1.0"?>
{doctype}<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
        xmlns:jr="http://openrosa.org/javarosa">
  <h:head>
    <h:title>{title}</h:title>
    <model>
      <instance>
        <data {id_attribute} version="1"><ten/><meta><instanceID/></meta></data>
      </instance>
      <bind nodeset="/data/ten" type="string"/>
      <bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>
    </model>
  </h:head>
  <h:body>
    <input ref="/data/ten"><label>Họ và tên</label></input>
  </h:body>
</h:html>
"""


def xform(title="Biểu mẫu XML", doctype="", id_attribute='id="bieu_mau_xml"'):
    return XFORM.format(title=title, doctype=doctype, id_attribute=id_attribute).encode("utf-8")


BILLION_LAUGHS = """<!DOCTYPE h:html [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""
EXTERNAL_ENTITY = '<!DOCTYPE h:html [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'

FRUITS_FORM = """
| survey   |                                 |            |              |
|          | type                            | name       | label        |
|          | select_one_from_file fruits.csv | trai_cay   | Trái cây     |
| settings |                                 |            |              |
|          | form_id                         | version    | form_title   |
|          | trai_cay                        | {version}  | Trái cây     |
"""


def fruits_form(version="1"):
    return xlsx_from_markdown(FRUITS_FORM.format(version=version))


def form_ids(client, headers, project_id):
    response = client.get(f"/v1/projects/{project_id}/forms", headers=headers)
    assert response.status_code == 200
    return [form["xmlFormId"] for form in response.get_json()]


def form_actions(client, admin_headers):
    """Every form-related audit entry (the log holds only this test's entries: its transaction rolls back)."""
    response = client.get("/v1/audits?action=form", headers=admin_headers)
    assert response.status_code == 200
    return [entry["action"] for entry in response.get_json()]


def assert_problem(response, code, status=None):
    """A Central-shaped JSON problem with this code, and no Python internals leaking out."""
    body = response.get_json()
    assert response.status_code == (status or int(code)), (response.status_code, body)
    assert body is not None and body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def assert_nothing_created(client, admin_headers, project_id):
    assert form_ids(client, admin_headers, project_id) == []
    assert form_actions(client, admin_headers) == []


# Not a spreadsheet --------------------------------------------------------------------------------


def test_text_sent_as_xlsx_is_400_15_not_a_workbook(client, admin, project):
    body = assert_problem(upload_form(client, admin, project.id, b"hello", publish=True), 400.15)
    assert "not an Excel (.xlsx) workbook" in body["details"]["error"]
    assert_nothing_created(client, admin, project.id)


def test_pdf_sent_as_xls_is_400_15_not_a_workbook(client, admin, project):
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    body = assert_problem(upload_form(client, admin, project.id, pdf, publish=True, content_type=XLS), 400.15)
    assert "not an Excel 97-2003 (.xls) workbook" in body["details"]["error"]
    assert_nothing_created(client, admin, project.id)


def test_an_xlsx_sent_as_xls_is_refused_and_nothing_created(client, admin, project):
    body = assert_problem(upload_form(client, admin, project.id, simple_form(), content_type=XLS), 400.15)
    assert ".xls" in body["details"]["error"]
    assert_nothing_created(client, admin, project.id)


def test_corrupt_xls_with_the_ole2_signature_is_400_15(client, admin, project):
    corrupt = OLE2_MAGIC + bytes(2040)
    response = upload_form(client, admin, project.id, corrupt, content_type=XLS)
    assert_problem(response, 400.15)
    assert_nothing_created(client, admin, project.id)


def replace_member(xlsx, name, data):
    """The same .xlsx with one member's bytes replaced."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, data if info.filename == name else source.read(info.filename))
    return buffer.getvalue()


def test_xlsx_with_a_broken_worksheet_is_400_15(client, admin, project):
    broken = replace_member(simple_form(), "xl/worksheets/sheet1.xml", b"<<< not xml")
    response = upload_form(client, admin, project.id, broken)
    assert_problem(response, 400.15)
    assert_nothing_created(client, admin, project.id)


def test_zip_that_is_not_a_workbook_is_400_15(client, admin, project):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8\xff not really")
    body = assert_problem(upload_form(client, admin, project.id, buffer.getvalue()), 400.15)
    assert "xl/workbook.xml" in body["details"]["error"]
    assert_nothing_created(client, admin, project.id)


# Zip bombs ----------------------------------------------------------------------------------------


def zip_bomb(inflated_bytes):
    """An .xlsx-shaped zip whose worksheet inflates to `inflated_bytes` of zeros, built in 1 MiB steps."""
    buffer = io.BytesIO()
    chunk = bytes(MEBIBYTE)
    # compresslevel 1 deflates zeros ~3x faster than the default; 2 GiB still shrinks to ~9 MiB (< MAX_FORM_BYTES).
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(inflated_bytes // MEBIBYTE):
                member.write(chunk)
    return buffer.getvalue()


def max_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def test_zip_bomb_is_refused_quickly_without_inflating(app, client, admin, project):
    bomb = zip_bomb(2048 * MEBIBYTE)
    assert len(bomb) < app.config["MAX_FORM_BYTES"]  # it reaches the spreadsheet check, not the body limit
    assert zipfile.ZipFile(io.BytesIO(bomb)).getinfo("xl/worksheets/sheet1.xml").file_size == 2048 * MEBIBYTE
    before = max_rss_bytes()
    started = time.monotonic()
    response = upload_form(client, admin, project.id, bomb, publish=True)
    elapsed = time.monotonic() - started
    grown = max_rss_bytes() - before
    body = assert_problem(response, 400.15)
    assert f"the limit is {app.config['MAX_XLSX_UNZIPPED_BYTES']} bytes" in body["details"]["error"]
    assert elapsed < 5, f"the zip bomb took {elapsed:.1f} s to refuse"
    assert grown < 200 * MEBIBYTE, f"the server's memory grew by {grown // MEBIBYTE} MiB"
    assert_nothing_created(client, admin, project.id)


def lie_about_size(data, name, declared):
    """Rewrite a (non-zip64) member's uncompressed size in its local header and its central directory entry."""
    data = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
    assert data[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
    data[info.header_offset + 22:info.header_offset + 26] = declared.to_bytes(4, "little")
    entry = data.find(b"PK\x01\x02", info.header_offset + info.compress_size)
    while data[entry + 46:entry + 46 + len(name)] != name.encode():
        entry = data.find(b"PK\x01\x02", entry + 4)
    data[entry + 24:entry + 28] = declared.to_bytes(4, "little")
    return bytes(data)


def test_zip_member_that_inflates_past_its_declared_size_is_refused(client, admin, project):
    """A bomb that lies: the directory says 10 bytes, the data inflates to 256 MiB of zeros."""
    source = zipfile.ZipFile(io.BytesIO(simple_form()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info.filename, source.read(info.filename))
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(256):
                member.write(bytes(MEBIBYTE))
    lying = lie_about_size(buffer.getvalue(), "xl/worksheets/sheet1.xml", 10)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("xl/worksheets/sheet1.xml").file_size == 10
    before = max_rss_bytes()
    started = time.monotonic()
    response = upload_form(client, admin, project.id, lying)
    assert time.monotonic() - started < 5
    assert max_rss_bytes() - before < 200 * MEBIBYTE
    assert_problem(response, 400.15)
    assert_nothing_created(client, admin, project.id)


def test_zip_with_too_many_members_is_400_15(client, admin, project):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for number in range(2001):
            archive.writestr(f"xl/media/{number}.bin", b"")
    body = assert_problem(upload_form(client, admin, project.id, buffer.getvalue()), 400.15)
    assert "2002 parts" in body["details"]["error"]
    assert_nothing_created(client, admin, project.id)


# Hostile and invalid XML --------------------------------------------------------------------------


def upload_xml(client, headers, project_id, body, content_type="application/xml"):
    return upload_form(client, headers, project_id, body, publish=True, content_type=content_type)


def test_a_valid_xform_is_accepted_as_xml(client, admin, project):
    """The control for the XML refusals below: the unbroken XForm goes in."""
    response = upload_xml(client, admin, project.id, xform())
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["xmlFormId"] == "bieu_mau_xml"
    assert response.get_json()["hash"] == hashlib.md5(xform()).hexdigest()


def test_billion_laughs_is_400_51(client, admin, project):
    body = assert_problem(upload_xml(client, admin, project.id, xform(title="&lol9;", doctype=BILLION_LAUGHS)), 400.51)
    assert "DOCTYPE" in body["message"]
    assert_nothing_created(client, admin, project.id)


def test_billion_laughs_in_utf16_is_400_51(client, admin, project):
    document = xform(title="&lol9;", doctype=BILLION_LAUGHS).decode("utf-8").replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16")
    assert_problem(upload_xml(client, admin, project.id, document), 400.51)
    assert_nothing_created(client, admin, project.id)


def test_external_entity_is_400_51_and_never_read(client, admin, project):
    document = xform(title="&xxe;", doctype=EXTERNAL_ENTITY)
    responses = [upload_xml(client, admin, project.id, document),
                 upload_xml(client, admin, project.id, document, content_type="text/xml")]
    for response in responses:
        assert_problem(response, 400.51)
    responses.append(client.get(f"/v1/projects/{project.id}/forms", headers=admin))
    responses.append(client.get("/v1/audits", headers=admin))
    for response in responses:
        assert "root:" not in response.get_data(as_text=True)
    assert_nothing_created(client, admin, project.id)


@pytest.mark.parametrize("document", [
    b"<h:html xmlns:h='http://www.w3.org/1999/xhtml'><h:head>",
    b"<a></b>",
    b"",
    xform().replace(b"</h:html>", b"</h:html><h:html/>"),
], ids=["unclosed", "mismatched", "empty", "two-roots"])
def test_malformed_xml_is_400_51_not_well_formed(client, admin, project, document):
    body = assert_problem(upload_xml(client, admin, project.id, document), 400.51)
    assert "not well-formed" in body["message"]
    assert_nothing_created(client, admin, project.id)


@pytest.mark.parametrize("document, reason", [
    (b"<a/>", "<h:html>"),
    (xform(id_attribute=""), "no id attribute"),
    (xform(id_attribute='id="../../etc/passwd"'), "cannot appear in a URL path"),
    (xform(id_attribute='id="form.xml"'), "must not end in"),
], ids=["not-an-xform", "no-form-id", "slash-in-form-id", "xml-suffix"])
def test_xml_that_is_not_a_usable_xform_is_400_50(client, admin, project, document, reason):
    body = assert_problem(upload_xml(client, admin, project.id, document), 400.56)
    assert reason in body["message"]
    assert_nothing_created(client, admin, project.id)


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "application/octet-stream"])
def test_unsupported_content_type_is_415_1(client, admin, project, content_type):
    body = assert_problem(upload_form(client, admin, project.id, simple_form(), content_type=content_type), 415.1)
    assert content_type in body["message"] and "application/xml" in body["message"]
    assert_nothing_created(client, admin, project.id)


# Oversize bodies ----------------------------------------------------------------------------------


def test_form_body_above_max_form_bytes_is_413_1(app, client, admin, project):
    assert app.config["MAX_FORM_BYTES"] == 20 * MEBIBYTE
    body = assert_problem(upload_form(client, admin, project.id, bytes(21 * MEBIBYTE)), 413.1)
    assert str(20 * MEBIBYTE) in body["message"]
    assert_nothing_created(client, admin, project.id)


def test_form_body_streamed_without_length_past_the_limit_is_413_1(app, client, admin, project, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_FORM_BYTES", MEBIBYTE)
    response = client.post(f"/v1/projects/{project.id}/forms", input_stream=io.BytesIO(bytes(2 * MEBIBYTE)),
                           headers={**admin, "Content-Type": XLSX, "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert_problem(response, 413.1)
    assert_nothing_created(client, admin, project.id)


def blob_files(app):
    return sorted(path for path in app.config["BLOB_DIR"].rglob("*") if path.is_file())


def test_draft_attachment_above_max_content_length_is_413(app, client, admin, project, monkeypatch):
    assert upload_form(client, admin, project.id, fruits_form()).status_code == 200
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", MEBIBYTE)
    too_big = b"ten,nhan\n" + b"x" * MEBIBYTE
    url = f"/v1/projects/{project.id}/forms/trai_cay/draft/attachments/fruits.csv"
    declared = client.post(url, data=too_big, headers={**admin, "Content-Type": "text/csv"})
    assert_problem(declared, 413.1)
    streamed = client.post(url, input_stream=io.BytesIO(too_big),
                           headers={**admin, "Content-Type": "text/csv", "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert_problem(streamed, 413.1)
    assert not LocalBlobStore(app.config["BLOB_DIR"]).exists(hashlib.sha256(too_big).hexdigest())
    assert not [path for path in blob_files(app) if "incoming" in path.parts]
    listed = client.get(f"/v1/projects/{project.id}/forms/trai_cay/draft/attachments", headers=admin).get_json()
    assert listed[0]["name"] == "fruits.csv" and listed[0]["exists"] is False
    assert "form.attachment.update" not in form_actions(client, admin)


# Conflicts ----------------------------------------------------------------------------------------


def test_duplicate_form_id_in_a_project_is_409_3_but_fine_in_another(client, admin, project):
    other = create_project("Xã Khác")
    assert upload_form(client, admin, project.id, simple_form(), publish=True).status_code == 200
    duplicate = upload_form(client, admin, project.id, simple_form(version="2"), publish=True)
    body = assert_problem(duplicate, 409.3)
    assert "ho_gia_dinh" in body["message"]
    assert form_ids(client, admin, project.id) == ["ho_gia_dinh"]
    assert client.get(f"/v1/projects/{project.id}/forms/ho_gia_dinh", headers=admin).get_json()["version"] == "1"
    elsewhere = upload_form(client, admin, other.id, simple_form(), publish=True)
    assert elsewhere.status_code == 200 and elsewhere.get_json()["projectId"] == other.id
    assert form_actions(client, admin).count("form.create") == 2


def test_publishing_a_version_used_before_is_409_6_until_renamed(client, admin, project):
    forms = f"/v1/projects/{project.id}/forms"
    assert upload_form(client, admin, project.id, simple_form(version="1"), publish=True).status_code == 200
    draft = client.post(f"{forms}/ho_gia_dinh/draft", data=simple_form(version="1"),
                        headers={**admin, "Content-Type": XLSX})
    assert draft.status_code == 200, draft.get_json()
    body = assert_problem(client.post(f"{forms}/ho_gia_dinh/draft/publish", headers=admin), 409.6)
    assert "'1'" in body["message"] and "?version=" in body["message"]
    versions = client.get(f"{forms}/ho_gia_dinh/versions", headers=admin).get_json()
    assert [version["version"] for version in versions] == ["1"]
    renamed = client.post(f"{forms}/ho_gia_dinh/draft/publish?version=2", headers=admin)
    assert renamed.status_code == 200, renamed.get_json()
    form = client.get(f"{forms}/ho_gia_dinh", headers=admin).get_json()
    assert form["version"] == "2"
    xml = client.get(f"{forms}/ho_gia_dinh.xml", headers=admin).data
    assert b'version="2"' in xml and hashlib.md5(xml).hexdigest() == form["hash"]
    versions = client.get(f"{forms}/ho_gia_dinh/versions", headers=admin).get_json()
    assert sorted(version["version"] for version in versions) == ["1", "2"]


def test_closed_form_refuses_new_versions_and_files_with_409_50(client, admin, project):
    forms = f"/v1/projects/{project.id}/forms"
    assert upload_form(client, admin, project.id, fruits_form("1"), publish=True).status_code == 200
    assert client.patch(f"{forms}/trai_cay", json={"state": "closed"}, headers=admin).get_json()["state"] == "closed"
    draft = client.post(f"{forms}/trai_cay/draft", data=fruits_form("2"), headers={**admin, "Content-Type": XLSX})
    assert "trai_cay" in assert_problem(draft, 409.52)["message"]
    attachment = client.post(f"{forms}/trai_cay/draft/attachments/fruits.csv", data=b"name,label\na,A\n",
                             headers={**admin, "Content-Type": "text/csv"})
    assert_problem(attachment, 409.52)
    assert client.get(f"{forms}/trai_cay/draft", headers=admin).status_code == 404
    assert "form.update.draft.set" not in form_actions(client, admin)
    # Reopened, the same upload is accepted.
    assert client.patch(f"{forms}/trai_cay", json={"state": "open"}, headers=admin).status_code == 200
    again = client.post(f"{forms}/trai_cay/draft", data=fruits_form("2"), headers={**admin, "Content-Type": XLSX})
    assert again.status_code == 200, again.get_json()
    assert client.get(f"{forms}/trai_cay/draft", headers=admin).get_json()["version"] == "2"


# Who may upload -----------------------------------------------------------------------------------


def test_unknown_project_and_unknown_form_are_404_1(client, admin, project):
    assert_problem(upload_form(client, admin, 999999, simple_form(), publish=True), 404.1)
    assert_problem(client.get(f"/v1/projects/{project.id}/forms/khong_co", headers=admin), 404.1)
    assert_problem(client.post(f"/v1/projects/{project.id}/forms/khong_co/draft", data=simple_form(),
                               headers={**admin, "Content-Type": XLSX}), 404.1)
    assert_problem(client.post(f"/v1/projects/{project.id}/forms/khong_co/draft/attachments/fruits.csv",
                               data=b"a", headers=admin), 404.1)
    assert_nothing_created(client, admin, project.id)


def test_no_credentials_is_401_2(client, admin, project):
    assert_problem(upload_form(client, {}, project.id, simple_form(), publish=True), 401.2)
    assert_problem(upload_form(client, {"Authorization": "Bearer not-a-token"}, project.id, simple_form()), 401.2)
    assert_nothing_created(client, admin, project.id)


@pytest.mark.parametrize("role", ["viewer", "formfill"])
def test_viewers_and_data_collectors_cannot_create_forms(client, admin, project, role):
    user = create_user(f"{role}@example.org")
    assign(user, role, project)
    headers = login(client, f"{role}@example.org")
    assert client.get(f"/v1/projects/{project.id}", headers=headers).status_code == 200  # they can see the project
    assert_problem(upload_form(client, headers, project.id, simple_form(), publish=True), 403.1)
    assert_nothing_created(client, admin, project.id)


def test_a_project_manager_can_create_forms(client, admin, project):
    """The control for the 403s above: the same upload by a manager of the project works."""
    user = create_user("manager@example.org")
    assign(user, "manager", project)
    response = upload_form(client, login(client, "manager@example.org"), project.id, simple_form(), publish=True)
    assert response.status_code == 200, response.get_json()
    assert form_ids(client, admin, project.id) == ["ho_gia_dinh"]


def test_a_viewer_cannot_change_another_projects_form(client, admin, project):
    other = create_project("Xã Khác")
    assert upload_form(client, admin, other.id, simple_form(), publish=True).status_code == 200
    user = create_user("viewer@example.org")
    assign(user, "viewer", project)
    headers = login(client, "viewer@example.org")
    assert_problem(client.post(f"/v1/projects/{other.id}/forms/ho_gia_dinh/draft", data=simple_form(version="2"),
                               headers={**headers, "Content-Type": XLSX}), 403.1)
    assert_problem(client.patch(f"/v1/projects/{other.id}/forms/ho_gia_dinh", json={"state": "closed"},
                                headers=headers), 403.1)
    assert client.get(f"/v1/projects/{other.id}/forms/ho_gia_dinh", headers=admin).get_json()["state"] == "open"


# Attachment names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "..%2F..%2Fetc%2Fpasswd",
    "..%5C..%5Cfruits.csv",
    "other.csv",
    "FRUITS.CSV",
])
def test_attachment_names_the_form_does_not_expect_are_404_and_write_nothing(app, client, admin, project, name):
    assert upload_form(client, admin, project.id, fruits_form()).status_code == 200
    content = f"name,label\nunsafe,{name}\n".encode()
    response = client.post(f"/v1/projects/{project.id}/forms/trai_cay/draft/attachments/{name}", data=content,
                           headers={**admin, "Content-Type": "text/csv"})
    assert_problem(response, 404.1)
    assert not LocalBlobStore(app.config["BLOB_DIR"]).exists(hashlib.sha256(content).hexdigest())
    listed = client.get(f"/v1/projects/{project.id}/forms/trai_cay/draft/attachments", headers=admin).get_json()
    assert [(item["name"], item["exists"]) for item in listed] == [("fruits.csv", False)]
    assert "form.attachment.update" not in form_actions(client, admin)


def test_the_expected_attachment_uploads_and_reads_back_with_its_md5_etag(client, admin, project):
    assert upload_form(client, admin, project.id, fruits_form()).status_code == 200
    content = "name,label\ncam,Cam\nxoai,Xoài\n".encode()
    draft = f"/v1/projects/{project.id}/forms/trai_cay/draft"
    uploaded = client.post(f"{draft}/attachments/fruits.csv", data=content,
                           headers={**admin, "Content-Type": "text/csv"})
    assert uploaded.status_code == 200 and uploaded.get_json() == {"success": True}
    fetched = client.get(f"{draft}/attachments/fruits.csv", headers=admin)
    assert fetched.status_code == 200 and fetched.data == content
    assert fetched.headers["ETag"].strip('"') == hashlib.md5(content).hexdigest()
    listed = client.get(f"{draft}/attachments", headers=admin).get_json()
    assert [(item["name"], item["exists"], item["hash"]) for item in listed] == [
        ("fruits.csv", True, hashlib.md5(content).hexdigest())]


def test_a_nul_byte_in_a_name_is_404_not_a_server_error(request, app, client, admin, project):
    assert upload_form(client, admin, project.id, fruits_form()).status_code == 200
    forms = f"/v1/projects/{project.id}/forms"
    content = b"name,label\nnul,NUL\n"
    assert_problem(client.post(f"{forms}/trai_cay/draft/attachments/fruits.csv%00.png", data=content,
                               headers={**admin, "Content-Type": "text/csv"}), 404.1)
    assert_problem(client.get(f"{forms}/trai_cay%00", headers=admin), 404.1)
    assert not LocalBlobStore(app.config["BLOB_DIR"]).exists(hashlib.sha256(content).hexdigest())


# One bad submission never breaks a project's results ------------------------------------------------

def scoring_form_with_typed_fields():
    """Example A of the designer guide, with a decimal, a date and a geopoint beside its integers."""
    from tests.integration.test_scores import EXAMPLE_A
    extra = ("| | decimal | dien_tich | Diện tích | |\n| | date | ngay | Ngày | |\n"
             "| | geopoint | vi_tri | Vị trí | |\n")
    marker = "| | image | anh_tu_sach | Ảnh tủ sách | max-pixels=1024 |\n"
    assert marker in EXAMPLE_A
    return xlsx_from_markdown(EXAMPLE_A.replace(marker, marker + extra))


def typed_hamlet(instance_id, thon, year="2026", adults="10", readers="9", classes="4", area="12.5",
                 day="2026-11-20", point="21.03 105.85 10 5"):
    from tests.factories import instance_xml
    body = (f"<thon>{thon}</thon><nam_danh_gia>{year}</nam_danh_gia><so_nguoi_lon>{adults}</so_nguoi_lon>"
            f"<so_biet_chu>{readers}</so_biet_chu><so_lop_hoc>{classes}</so_lop_hoc><tu_sach>co</tu_sach>"
            f"<anh_tu_sach/><dien_tich>{area}</dien_tich><ngay>{day}</ngay><vi_tri>{point}</vi_tri>")
    return instance_xml(form_id="vi_du_diem", instance_id=instance_id, body=body)


BAD_VALUES = [  # (what, field values): one of each kind of value an instance may carry wrongly
    ("a superscript year", {"year": "²⁰²⁶"}),
    ("a 5,000-digit year", {"year": "2" * 5000}),
    ("a year out of range", {"year": "9999"}),
    ("Arabic-Indic digits in an integer", {"adults": "١٠"}),
    ("a 5,000-digit integer", {"classes": "9" * 5000}),
    ("an exponent in an integer", {"readers": "1e3"}),
    ("an infinite decimal", {"area": "1e400"}),
    ("NaN as a decimal", {"area": "NaN"}),
    ("a date that is not one", {"day": "2026-13-45"}),
    ("full-width digits in a date", {"day": "２０２６-11-20"}),
    ("a geopoint of NaNs", {"point": "nan nan"}),
    ("a geopoint out of range", {"point": "123 456"}),
]


def test_one_bad_value_of_each_kind_never_breaks_results_summaries_or_the_annex(client, admin, project):
    assert upload_form(client, admin, project.id, scoring_form_with_typed_fields(), publish=True).status_code == 200
    rest = f"/v1/projects/{project.id}/forms/vi_du_diem/submissions"
    xml_headers = {**admin, "Content-Type": "application/xml"}
    good = [("uuid:good-1", "Thôn Đông", "9"), ("uuid:good-2", "Thôn Tây", "5")]
    for instance_id, thon, readers in good:
        assert client.post(rest, data=typed_hamlet(instance_id, thon, readers=readers),
                           headers=xml_headers).status_code == 200
    for index, (what, values) in enumerate(BAD_VALUES):
        response = client.post(rest, data=typed_hamlet(f"uuid:bad-{index}", f"Thôn Xấu {index}", **values),
                               headers=xml_headers)
        assert response.status_code == 200, (what, response.get_json())
    client.patch(f"{rest}/uuid:bad-0", json={"reviewState": "rejected"}, headers=admin)

    base = f"/v1/projects/{project.id}"
    listed = client.get(f"{base}/results", headers=admin)
    assert listed.status_code == 200, listed.get_json()
    by_subject = {row["subject"]: row for row in listed.get_json()}
    assert by_subject["Thôn Đông"]["recognised"] is True and by_subject["Thôn Đông"]["scoringError"] is None
    assert by_subject["Thôn Tây"]["recognised"] is False and by_subject["Thôn Tây"]["scoringError"] is None
    for index, (what, _) in enumerate(BAD_VALUES[1:], start=1):
        row = by_subject[f"Thôn Xấu {index}"]
        assert row["recognised"] is False and row["total"] is None, what
        assert row["scoringError"]["vi"].startswith("không chấm được: "), what
        assert row["scoringError"]["en"].startswith("cannot score: "), what

    summary = client.get(f"{base}/results/summary?level=province", headers=admin)
    assert summary.status_code == 200, summary.get_json()
    assert summary.get_json()["total"]["models"]["cong_dong"] == {"evaluated": 2, "recognised": 1, "rate": 0.5}
    for path in ("/results?period=2026", "/recognition", "/recognition?model=cong_dong&period=2026",
                 "/recognition.xlsx?model=cong_dong&period=2026", "/targets/progress"):
        response = client.get(base + path, headers=admin)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])

    score = client.get(f"{rest}/uuid:bad-3/score", headers=admin)
    assert score.status_code == 200
    assert score.get_json()["error"]["en"] == "cannot score: field so_nguoi_lon: '١٠' is not an integer (digits 0–9, "\
                                              "at most 18)"
    assert score.get_json()["recognised"] is False and score.get_json()["indicators"] == []


# The input contract: a clear 4xx, nothing changed, never a 500 ------------------------------------------

def test_a_json_body_over_the_limit_is_413_before_it_is_read(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_JSON_BYTES", 1024)
    big = b'{"email": "' + b"a" * 4096 + b'", "password": "x"}'
    response = client.post("/v1/sessions", data=big, content_type="application/json")
    assert_problem(response, 413.1)
    streamed = client.post("/v1/sessions", input_stream=io.BytesIO(big),
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert_problem(streamed, 413.1)


def test_the_default_json_limit_is_one_mebibyte(app):
    assert app.config["MAX_JSON_BYTES"] == MEBIBYTE


def test_deeply_nested_json_is_400_1(client, admin):
    for depth in (100, 100_000):
        body = "[" * depth + "]" * depth
        response = client.post("/v1/projects", data=body, headers={**admin, "Content-Type": "application/json"})
        assert_problem(response, 400.1)


@pytest.mark.parametrize("path, body", [
    ("/v1/sessions", '{"email": "a\\ud800@example.org", "password": "x"}'),
    ("/v1/projects", '{"name": "X\\udfff\\u00e3 Th\\u1eed"}'),
    ("/v1/projects", '{"name": "NUL\\u0000"}'),
])
def test_lone_surrogates_and_nul_in_json_are_400_8_and_change_nothing(client, admin, path, body):
    before = client.get("/v1/projects", headers=admin).get_json()
    response = client.post(path, data=body, headers={**admin, "Content-Type": "application/json"})
    assert_problem(response, 400.8)
    assert client.get("/v1/projects", headers=admin).get_json() == before


def test_a_lone_surrogate_in_an_entity_label_is_400_8(client, admin, project):
    from tests.factories_registry import create_dataset
    create_dataset(project)
    base = f"/v1/projects/{project.id}/datasets/ho_gia_dinh/entities"
    body = '{"uuid": "12345678-1234-4234-8234-123456789abc", "label": "H\\ud83d", "data": {}}'
    assert_problem(client.post(base, data=body, headers={**admin, "Content-Type": "application/json"}), 400.8)
    assert client.get(base, headers=admin).get_json() == []


HUGE = "9" * 30


@pytest.mark.parametrize("path", [
    f"/v1/projects/{HUGE}", f"/v1/projects/{2**31}", f"/v1/users/{HUGE}", f"/v1/projects/1/app-users/{HUGE}/qr.json",
    f"/v1/projects/{HUGE}/forms", f"/v1/projects/{HUGE}/results", "/v1/projects/١/forms",
])
def test_integers_in_paths_beyond_the_database_are_404_1(client, admin, project, path):
    assert_problem(client.get(path, headers=admin), 404.1)


@pytest.mark.parametrize("query", [f"period={HUGE}", "period=²⁰²⁶", "period=٢٠٢٦", "period=-1", "period=20 26"])
def test_bad_periods_are_400_8(client, admin, project, query):
    for path in ("results", "results/summary", "recognition", "recognition.xlsx?model=gia_dinh&"):
        joiner = "" if path.endswith("&") else "?"
        assert_problem(client.get(f"/v1/projects/{project.id}/{path}{joiner}{query}", headers=admin), 400.8)


def test_a_recognition_decision_for_a_huge_period_is_404_1(client, admin, project):
    response = client.put(f"/v1/projects/{project.id}/recognition/gia_dinh/{HUGE}/ho-1",
                          json={"recognised": True}, headers=admin)
    assert_problem(response, 404.1)


@pytest.mark.parametrize("query", [f"limit={HUGE}", "limit=²", "offset=-5", f"offset={HUGE}"])
def test_bad_audit_paging_is_400_8(client, admin, query):
    assert_problem(client.get(f"/v1/audits?{query}", headers=admin), 400.8)


@pytest.mark.parametrize("role", ["²", "١", HUGE])
def test_a_role_that_is_not_one_is_404_1(client, admin, project, role):
    user = create_user("tnv@example.org")
    assert_problem(client.post(f"/v1/projects/{project.id}/assignments/{role}/{user.actor_id}", headers=admin), 404.1)


@pytest.mark.parametrize("method, path", [
    ("PUT", "/submission"), ("DELETE", "/formList"), ("POST", "/formList"), ("PATCH", "/forms/x/manifest"),
])
def test_openrosa_paths_answer_every_error_in_openrosa_xml_405_included(client, project, method, path):
    for base in (f"/v1/projects/{project.id}", f"/v1/key/not-a-token/projects/{project.id}"):
        response = client.open(base + path, method=method, headers={"X-OpenRosa-Version": "1.0"})
        assert response.status_code in (401, 405), (base, path, response.status_code)
        assert response.headers["Content-Type"].startswith("text/xml")
        assert response.headers["X-OpenRosa-Version"] == "1.0"
        assert '<OpenRosaResponse xmlns="http://openrosa.org/http/response"' in response.get_data(as_text=True)
    response = client.open(f"/v1/projects/{project.id}{path}", method=method, headers={"X-OpenRosa-Version": "1.0"})
    assert response.status_code == 405


# Authentication under guessing --------------------------------------------------------------------------

def test_repeated_failed_logins_are_throttled_even_for_the_right_password(app, client):
    create_user("an@example.org")
    allowed = app.config["LOGIN_FAILURES_ALLOWED"]
    for _ in range(allowed):
        wrong = client.post("/v1/sessions", json={"email": "an@example.org", "password": "sai mật khẩu"})
        assert_problem(wrong, 401.2)
    for password in ("sai mật khẩu", PASSWORD_OF_TESTS):
        refused = client.post("/v1/sessions", json={"email": "AN@example.org", "password": password})
        body = assert_problem(refused, 429.51)
        assert 0 < int(refused.headers["Retry-After"]) <= app.config["LOGIN_FAILURE_WINDOW_SECONDS"] + 1
        assert body["details"]["retryAfter"] == int(refused.headers["Retry-After"])
    # Basic is throttled the same way (over HTTPS, where it is accepted)
    basic_refused = client.get("/v1/users/current", headers=basic("an@example.org"), base_url="https://localhost")
    assert_problem(basic_refused, 429.51)
    # another account from the same address is not (an address may fail more: a commune office shares one)
    create_user("other@example.org")
    assert client.post("/v1/sessions", json={"email": "other@example.org", "password": PASSWORD_OF_TESTS}
                       ).status_code == 200


def test_failed_logins_from_one_address_are_throttled_across_accounts(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_ALLOWED", 2)  # an address: 2 × 5 failures
    create_user("an@example.org")
    for index in range(10):
        client.post("/v1/sessions", json={"email": f"guess{index}@example.org", "password": "x"})
    assert_problem(client.post("/v1/sessions", json={"email": "an@example.org", "password": PASSWORD_OF_TESTS}),
                   429.51)


def test_wrong_digest_answers_are_throttled(app, client, project, monkeypatch):
    import hashlib
    import re

    from server.auth.digest import REALM
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_ALLOWED", 3)
    user = create_user("tnv@example.org")
    assign(user, "formfill", project)
    url = f"/v1/projects/{project.id}/formList"
    headers = {"X-OpenRosa-Version": "1.0"}
    nonce = re.search(r'nonce="([^"]+)"', client.get(url, headers=headers).headers["WWW-Authenticate"]).group(1)

    def answer(password, nc):
        ha1 = hashlib.md5(f"tnv@example.org:{REALM}:{password}".encode()).hexdigest()
        ha2 = hashlib.md5(f"GET:{url}".encode()).hexdigest()
        response = hashlib.md5(f"{ha1}:{nonce}:{nc:08x}:c0:auth:{ha2}".encode()).hexdigest()
        return {**headers, "Authorization": f'Digest username="tnv@example.org", realm="{REALM}", nonce="{nonce}", '
                                            f'uri="{url}", response="{response}", qop=auth, nc={nc:08x}, cnonce="c0"'}
    for nc in range(1, 4):
        assert client.get(url, headers=answer("sai", nc)).status_code == 401
    refused = client.get(url, headers=answer(PASSWORD_OF_TESTS, 4))
    assert refused.status_code == 429 and refused.headers["Content-Type"].startswith("text/xml")
    assert "Retry-After" in refused.headers


@pytest.mark.parametrize("email", ["an\x00@example.org", "an\udc80@example.org", "a" * 5000])
def test_basic_and_digest_with_unstorable_names_are_401(client, project, email):
    import base64
    encoded = base64.b64encode(f"{email}:mật khẩu".encode("utf-8", "surrogatepass")).decode()
    response = client.get("/v1/users/current", headers={"Authorization": f"Basic {encoded}"},
                          base_url="https://localhost")
    assert_problem(response, 401.2)
    digest = (f'Digest username="{email}", realm="Minh Chung", nonce="1.x", uri="/v1/projects/{project.id}/formList", '
              'response="0", qop=auth, nc=00000001, cnonce="c"')
    response = client.get(f"/v1/projects/{project.id}/formList",
                          headers={"Authorization": digest.encode("utf-8", "surrogatepass").decode("latin-1"),
                                   "X-OpenRosa-Version": "1.0"})
    assert response.status_code == 401


def test_action_notes_that_cannot_be_stored_are_kept_readable(client, admin):
    response = client.post("/v1/projects", json={"name": "Ghi chú"},
                           headers={**admin, "X-Action-Notes": "L%C3%BD do%00 %ED%A0%80 cu%E1%BB%91i"})
    assert response.status_code == 200
    [entry] = [item for item in client.get("/v1/audits?action=project.create", headers=admin).get_json()]
    assert entry["notes"] == "Lý do\ufffd \ufffd\ufffd\ufffd cuối"


LONG = "x" * 600


@pytest.mark.parametrize("what", ["instanceID", "instanceName", "deviceID", "User-Agent", "file name", "file type"])
def test_overlong_submission_identifiers_are_a_clear_answer_never_a_database_error(client, admin, project, what):
    from server.forms.queries import get_form_by_project_and_xml_form_id
    from tests.factories import create_app_user_directly
    from tests.integration.test_openrosa import OR, photo_form, submission_body
    assert upload_form(client, admin, project.id, photo_form(), publish=True).status_code == 200
    form = get_form_by_project_and_xml_form_id(project.id, "ho_gia_dinh")
    _, token = create_app_user_directly(project, forms=[form.id])
    instance_id = "uuid:" + LONG if what == "instanceID" else "uuid:long-1"
    name = f"<instanceName>{LONG}</instanceName>" if what == "instanceName" else ""
    file_name = (LONG[:250] + ".jpg") if what == "file name" else "anh.jpg"
    xml = submission_body(photo=file_name, instance_id=instance_id, meta_extra=name)
    headers = {**OR, **({"User-Agent": LONG} if what == "User-Agent" else {})}
    query = f"?deviceID={LONG}" if what == "deviceID" else "?deviceID=collect:1"
    content_type = ("image/" + LONG) if what == "file type" else "image/jpeg"
    data = {"xml_submission_file": (io.BytesIO(xml), "instance.xml", "text/xml"),
            file_name: (io.BytesIO(b"\xff\xd8"), file_name, content_type)}
    response = client.post(f"/v1/key/{token}/projects/{project.id}/submission{query}", data=data, headers=headers,
                           content_type="multipart/form-data")
    assert response.status_code in (201, 400), response.get_data(as_text=True)[:300]
    listed = client.get(f"/v1/projects/{project.id}/forms/ho_gia_dinh/submissions", headers=admin).get_json()
    assert len(listed) == (1 if response.status_code == 201 else 0)


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/v1/projects", {"name": "x" * 501}),
    ("POST", "/v1/projects", {"name": "   "}),
    ("PATCH", "/v1/projects/{project}", {"name": "x" * 501}),
    ("PATCH", "/v1/projects/{project}", {"name": ""}),
    ("POST", "/v1/users", {"email": "a" * 400 + "@example.org"}),
    ("POST", "/v1/users", {"email": "dai@example.org", "displayName": "x" * 201}),
    ("POST", "/v1/projects/{project}/datasets", {"name": "d" * 300}),
])
def test_overlong_and_blank_names_are_400_and_change_nothing(client, admin, project, method, path, body):
    before = (client.get("/v1/projects", headers=admin).get_json(), client.get("/v1/users", headers=admin).get_json())
    response = client.open(path.format(project=project.id), method=method, json=body, headers=admin)
    assert response.status_code == 400, response.get_json()
    after = (client.get("/v1/projects", headers=admin).get_json(), client.get("/v1/users", headers=admin).get_json())
    assert after == before
