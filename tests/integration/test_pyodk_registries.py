"""pyodk 1.3.0, unchanged, managing registries (entity lists) on a real server, as ODK's docs show it."""

import pytest
import requests
from pyodk.client import Client
from pyodk.errors import PyODKError

from tests.factories_registry import AREAS_CSV

pytestmark = pytest.mark.slow


@pytest.fixture
def pyodk_client(live_server, tmp_path):
    """pyodk configured for the live server's administrator, with a new project as its default."""
    headers = live_server.login()
    project = requests.post(f"{live_server.url}/v1/projects", json={"name": "pyodk registries"}, headers=headers,
                            timeout=10).json()
    config = tmp_path / "pyodk_config.toml"
    config.write_text(f'[central]\nbase_url = "{live_server.url}"\nusername = "admin@minhchung.local"\n'
                      f'password = "{live_server.admin_password}"\ndefault_project_id = {project["id"]}\n')
    with Client(config_path=str(config), cache_path=str(tmp_path / "cache.toml")) as client:
        yield client, project["id"]


@pytest.fixture
def areas(live_server):
    """The sample administrative tree on the live server (idempotent: the server lives for the whole run)."""
    response = requests.post(f"{live_server.url}/v1/areas/import", data=AREAS_CSV.encode(), timeout=30,
                             headers={**live_server.login(), "Content-Type": "text/csv"})
    assert response.status_code == 200, response.text


def test_pyodk_creates_fills_updates_and_empties_an_entity_list(pyodk_client, areas):
    client, project_id = pyodk_client
    created = client.entity_lists.create(entity_list_name="ho_gia_dinh")
    assert (created.name, created.projectId, created.approvalRequired) == ("ho_gia_dinh", project_id, False)
    for name in ("thon", "chu_ho", "so_thanh_vien"):
        assert client.entity_lists.add_property(name, entity_list_name="ho_gia_dinh") is True
    properties = [prop.name for prop in client.entity_lists.get("ho_gia_dinh").properties]
    assert properties == ["thon", "chu_ho", "so_thanh_vien"]
    assert [entity_list.name for entity_list in client.entity_lists.list()] == ["ho_gia_dinh"]

    one = client.entities.create(label="Hộ Nguyễn Văn An", data={"thon": "00004-01", "chu_ho": "Nguyễn Văn An",
                                                                 "so_thanh_vien": "4"}, entity_list_name="ho_gia_dinh")
    assert one.currentVersion.version == 1 and one.currentVersion.data["thon"] == "00004-01"
    many = [{"label": f"Hộ {number}", "thon": "00004-02", "chu_ho": f"Chủ hộ {number}", "so_thanh_vien": str(number)}
            for number in range(1, 21)]
    assert client.entities.create_many(many, entity_list_name="ho_gia_dinh", create_source="ho_gia_dinh.csv") is True
    listed = client.entities.list(entity_list_name="ho_gia_dinh")
    assert len(listed) == 21 and listed[0].uuid == one.uuid

    updated = client.entities.update(one.uuid, entity_list_name="ho_gia_dinh", data={"so_thanh_vien": "5"},
                                     base_version=1)
    assert (updated.currentVersion.version, updated.currentVersion.data["so_thanh_vien"]) == (2, "5")
    with pytest.raises(PyODKError) as raised:
        client.entities.update(one.uuid, entity_list_name="ho_gia_dinh", label="Hộ cũ", base_version=1)
    assert raised.value.is_central_error(409.15)
    forced = client.entities.update(one.uuid, entity_list_name="ho_gia_dinh", label="Hộ An", force=True)
    assert (forced.currentVersion.label, forced.currentVersion.version) == ("Hộ An", 3)

    with pytest.raises(PyODKError) as raised:
        client.entities.create(label="Sai thôn", data={"thon": "99999-99"}, entity_list_name="ho_gia_dinh")
    assert raised.value.is_central_error(400.28)
    with pytest.raises(PyODKError) as raised:
        client.entity_lists.create(entity_list_name="ho_gia_dinh")
    assert raised.value.is_central_error(409.3)

    assert client.entities.delete(one.uuid, entity_list_name="ho_gia_dinh") is True
    assert len(client.entities.list(entity_list_name="ho_gia_dinh")) == 20


def test_pyodk_reads_an_entity_list_as_an_odata_table(pyodk_client, areas):
    """entities.get_table() as pyodk sends it: all rows, a count, a page, a filter and a selection."""
    client, _ = pyodk_client
    client.entity_lists.create(entity_list_name="ho_bang")
    for name in ("thon", "chu_ho"):
        client.entity_lists.add_property(name, entity_list_name="ho_bang")
    rows = [{"label": f"Hộ {number}", "thon": "00004-01", "chu_ho": f"Chủ hộ {number}"} for number in range(1, 8)]
    assert client.entities.create_many(rows, entity_list_name="ho_bang") is True
    table = client.entities.get_table(entity_list_name="ho_bang", count=True)
    assert table["@odata.count"] == 7 and len(table["value"]) == 7
    assert {row["label"] for row in table["value"]} == {f"Hộ {number}" for number in range(1, 8)}
    first = table["value"][0]
    assert first["chu_ho"].startswith("Chủ hộ ") and first["thon"] == "00004-01"
    assert first["__system"]["version"] == 1 and first["__system"]["creatorName"]
    page = client.entities.get_table(entity_list_name="ho_bang", top=3, skip=1)
    assert [row["__id"] for row in page["value"]] == [row["__id"] for row in table["value"][1:4]]
    one = client.entities.get_table(entity_list_name="ho_bang", filter=f"__id eq '{first['__id']}'",
                                    select="__id,label")
    assert one["value"] == [{"__id": first["__id"], "label": first["label"]}]
