"""pyodk 1.3.0, unchanged, against a real server: the client ODK's own docs tell people to use."""

import hashlib

import pytest
import requests
from pyodk.client import Client
from pyodk.errors import PyODKError

from tests.factories import xlsx_from_markdown

pytestmark = pytest.mark.slow

FORM = """
| survey   |                               |         |                  |
|          | type                          | name    | label            |
|          | select_one_from_file thon.csv | thon    | Thôn             |
|          | integer                       | so_ho   | Số hộ            |
{extra}
| settings |                               |         |                  |
|          | form_id                       | version | form_title       |
|          | khao_sat_thon                 | {version} | Khảo sát thôn  |
"""


@pytest.fixture
def pyodk_client(live_server, tmp_path):
    headers = live_server.login()
    project = requests.post(f"{live_server.url}/v1/projects", json={"name": "pyodk"}, headers=headers,
                            timeout=10).json()
    config = tmp_path / "pyodk_config.toml"
    config.write_text(f'[central]\nbase_url = "{live_server.url}"\nusername = "admin@minhchung.local"\n'
                      f'password = "{live_server.admin_password}"\ndefault_project_id = {project["id"]}\n')
    with Client(config_path=str(config), cache_path=str(tmp_path / "cache.toml")) as client:
        yield client, project["id"]


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_pyodk_creates_updates_and_reads_forms(pyodk_client, tmp_path, live_server):
    client, project_id = pyodk_client
    assert project_id in [project.id for project in client.projects.list()]
    assert client.projects.get(project_id).name == "pyodk"

    workbook = write(tmp_path, "khao_sat_thon.xlsx", xlsx_from_markdown(FORM.format(version="1", extra="")))
    villages = write(tmp_path, "thon.csv", "name,label\nthon_1,Thôn Một\n".encode())
    form = client.forms.create(definition=workbook, attachments=[villages])
    assert (form.xmlFormId, form.version) == ("khao_sat_thon", "1")
    listed = client.forms.list()
    assert [f.xmlFormId for f in listed] == ["khao_sat_thon"] and listed[0].publishedAt is not None

    xml = client.session.get(f"projects/{project_id}/forms/khao_sat_thon.xml").content
    assert hashlib.md5(xml).hexdigest() == client.forms.get("khao_sat_thon").hash

    new = write(tmp_path, "khao_sat_thon_v2.xlsx",
                xlsx_from_markdown(FORM.format(version="2", extra="|  | text | ghi_chu | Ghi chú |")))
    client.forms.update("khao_sat_thon", definition=new)
    assert client.forms.get("khao_sat_thon").version == "2"

    villages.write_bytes("name,label\nthon_1,Thôn Một\nthon_2,Thôn Hai\n".encode())
    client.forms.update("khao_sat_thon", attachments=[villages], version_updater=lambda v: f"{v}.1")
    assert client.forms.get("khao_sat_thon").version == "2.1"
    media = client.session.get(f"projects/{project_id}/forms/khao_sat_thon/attachments/thon.csv")
    assert media.content == "name,label\nthon_1,Thôn Một\nthon_2,Thôn Hai\n".encode()


def test_pyodk_sees_central_problem_codes(pyodk_client, tmp_path):
    client, _ = pyodk_client
    workbook = write(tmp_path, "trung.xlsx", xlsx_from_markdown(FORM.format(version="1", extra="")))
    client.forms.create(definition=workbook, form_id="trung")
    with pytest.raises(PyODKError) as raised:
        client.forms.create(definition=workbook, form_id="trung")
    assert raised.value.is_central_error(409.3)
    with pytest.raises(PyODKError) as raised:
        client.forms.get("khong_co")
    assert raised.value.is_central_error(404.1)


def test_pyodk_uses_the_file_stem_when_the_workbook_has_no_form_id(pyodk_client, tmp_path):
    client, _ = pyodk_client
    workbook = write(tmp_path, "khong_co_id.xlsx", xlsx_from_markdown("""
    | survey |      |      |       |
    |        | type | name | label |
    |        | text | q1   | Câu 1 |
    """))
    assert client.forms.create(definition=workbook).xmlFormId == "khong_co_id"
