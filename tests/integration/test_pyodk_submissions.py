"""pyodk 1.3.0, unchanged, creating, reading, editing and reviewing submissions on a real server."""

import hashlib
from uuid import uuid4

import pytest
import requests
from pyodk.errors import PyODKError

from tests.factories import xlsx_from_markdown
from tests.integration.test_pyodk import pyodk_client, write  # noqa: F401

pytestmark = pytest.mark.slow

FORM = """
| survey   |             |          |                |                 |
|          | type        | name     | label          | parameters      |
|          | text        | chu_ho   | Họ tên chủ hộ  |                 |
|          | image       | anh      | Ảnh minh chứng | max-pixels=1024 |
| settings |             |          |                |                 |
|          | form_id     | version  | form_title     |                 |
|          | minh_chung  | 1        | Minh chứng     |                 |
"""
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64


def instance(instance_id, name, deprecated_id=None):
    deprecated = f"<deprecatedID>{deprecated_id}</deprecatedID>" if deprecated_id else ""
    return (f'<data id="minh_chung" version="1"><chu_ho>{name}</chu_ho><anh>anh.jpg</anh>'
            f"<meta><instanceID>{instance_id}</instanceID>{deprecated}</meta></data>")


def test_pyodk_creates_edits_reviews_and_comments(pyodk_client, tmp_path):  # noqa: F811
    client, project_id = pyodk_client
    client.forms.create(definition=write(tmp_path, "minh_chung.xlsx", xlsx_from_markdown(FORM)))
    first, second = f"uuid:{uuid4()}", f"uuid:{uuid4()}"

    created = client.submissions.create(xml=instance(first, "Nguyễn Văn An"), form_id="minh_chung", device_id="pyodk:1",
                                        attachments=[write(tmp_path, "anh.jpg", PHOTO)])
    assert (created.instanceId, created.deviceId, created.userAgent) == (first, "pyodk:1", "pyodk v1.3.0")
    assert [(a.name, a.exists) for a in created.attachments] == [("anh.jpg", True)]
    assert [s.instanceId for s in client.submissions.list(form_id="minh_chung")] == [first]
    assert client.submissions.get(first, form_id="minh_chung").submitterId == created.submitterId

    base = f"projects/{project_id}/forms/minh_chung/submissions/{client.session.urlquote(first)}"
    assert client.session.get(f"{base}/attachments").json() == [{"name": "anh.jpg", "exists": True}]
    photo = client.session.get(f"{base}/attachments/anh.jpg")
    assert photo.content == PHOTO and photo.headers["ETag"] == f'"{hashlib.md5(PHOTO).hexdigest()}"'

    client.submissions.edit(first, instance(second, "Nguyễn Văn Ân", deprecated_id=first), form_id="minh_chung",
                            comment="Sửa tên chủ hộ")
    edited = client.submissions.get(first, form_id="minh_chung")
    assert edited.reviewState == "edited" and edited.updatedAt is not None
    assert "Nguyễn Văn Ân" in client.session.get(f"{base}.xml").text
    assert client.session.get(f"{base}/attachments").json() == [{"name": "anh.jpg", "exists": True}]

    client.submissions.review(first, review_state="approved", form_id="minh_chung", comment="Đạt")
    assert client.submissions.get(first, form_id="minh_chung").reviewState == "approved"
    comments = client.submissions.list_comments(first, form_id="minh_chung")
    assert [c.body for c in comments] == ["Sửa tên chủ hộ", "Đạt"]
    assert {c.actorId for c in comments} == {created.submitterId}

    with pytest.raises(PyODKError) as raised:
        client.submissions.create(xml=instance(first, "Lặp lại"), form_id="minh_chung")
    assert raised.value.is_central_error(409.3)
    with pytest.raises(PyODKError) as raised:
        client.submissions.edit(first, instance(f"uuid:{uuid4()}", "Không có deprecatedID"), form_id="minh_chung")
    assert raised.value.is_central_error(400.19)


def test_pyodk_data_collector_creates_with_a_photo(pyodk_client, tmp_path, live_server):  # noqa: F811
    """A Data Collector has only submission.create, yet pyodk uploads and lists the files right after creating."""
    client, project_id = pyodk_client
    client.forms.create(definition=write(tmp_path, "minh_chung.xlsx", xlsx_from_markdown(FORM)))
    email, password = f"thu-thap-{uuid4().hex[:8]}@example.org", "mật khẩu đủ dài 123"
    admin = live_server.login()
    user = requests.post(f"{live_server.url}/v1/users", json={"email": email, "password": password},
                         headers=admin, timeout=10).json()
    assigned = requests.post(f"{live_server.url}/v1/projects/{project_id}/assignments/formfill/{user['id']}",
                             headers=admin, timeout=10)
    assert assigned.status_code == 200
    config = tmp_path / "collector.toml"
    config.write_text(f'[central]\nbase_url = "{live_server.url}"\nusername = "{email}"\n'
                      f'password = "{password}"\ndefault_project_id = {project_id}\n')
    from pyodk.client import Client
    with Client(config_path=str(config), cache_path=str(tmp_path / "collector-cache.toml")) as collector:
        created = collector.submissions.create(xml=instance(f"uuid:{uuid4()}", "Trần Thị Bình"), form_id="minh_chung",
                                               attachments=[write(tmp_path, "anh.jpg", PHOTO)])
        assert [(a.name, a.exists) for a in created.attachments] == [("anh.jpg", True)]
        assert created.submitterId == user["id"]
        with pytest.raises(PyODKError) as raised:
            collector.submissions.list(form_id="minh_chung")
        assert raised.value.is_central_error(403.1)


def test_pyodk_reads_the_odata_tables_and_the_csv_export(pyodk_client, tmp_path):  # noqa: F811
    """submissions.get_table() as pyodk sends it ($count=True, $wkt=True in capitals), paged, filtered, selected,
    expanded; and the CSV zip through pyodk's session."""
    client, project_id = pyodk_client
    client.forms.create(definition=write(tmp_path, "minh_chung.xlsx", xlsx_from_markdown(FORM)))
    ids = [f"uuid:{uuid4()}" for _ in range(3)]
    for number, instance_id in enumerate(ids):
        client.submissions.create(xml=instance(instance_id, f"Hộ số {number}"), form_id="minh_chung")
    client.submissions.review(ids[0], review_state="approved", form_id="minh_chung")
    table = client.submissions.get_table(form_id="minh_chung", count=True, wkt=True)
    assert table["@odata.count"] == 3 and [row["__id"] for row in table["value"]] == ids[::-1]
    assert [row["chu_ho"] for row in table["value"]] == ["Hộ số 2", "Hộ số 1", "Hộ số 0"]
    first = client.submissions.get_table(form_id="minh_chung", top=2)
    following = client.session.get(first["@odata.nextLink"]).json()
    assert [row["__id"] for row in first["value"] + following["value"]] == ids[::-1]
    approved = client.submissions.get_table(form_id="minh_chung", filter="__system/reviewState eq 'approved'",
                                            select="__id,chu_ho")
    assert approved["value"] == [{"__id": ids[0], "chu_ho": "Hộ số 0"}]
    assert len(client.submissions.get_table(form_id="minh_chung", expand="*")["value"]) == 3
    export = client.session.get(f"projects/{project_id}/forms/minh_chung/submissions.csv")
    assert export.status_code == 200 and export.text.splitlines()[0].startswith("SubmissionDate,chu_ho,anh,")
    # the first plain feed and CSV keep their rows (on the server's own thread); the next ones read them
    plain = client.submissions.get_table(form_id="minh_chung")
    assert [row["chu_ho"] for row in plain["value"]] == ["Hộ số 2", "Hộ số 1", "Hộ số 0"]
    assert client.submissions.get_table(form_id="minh_chung") == plain
    assert client.session.get(f"projects/{project_id}/forms/minh_chung/submissions.csv").text == export.text
