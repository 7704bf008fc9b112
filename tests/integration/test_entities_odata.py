"""An entity list's OData feed over HTTP (…/datasets/{name}.svc): the service document, $metadata, the Entities
table with Central's options, paging by $skiptoken, the caller's areas, and what it refuses."""

import base64
import json

import pytest
from lxml import etree

from tests.factories import assign, create_project, create_user, login
from tests.factories_registry import AREAS_CSV


@pytest.fixture
def households(client, admin):
    project = create_project()
    assert client.post("/v1/areas/import", data=AREAS_CSV.encode(),
                       headers={**admin, "Content-Type": "text/csv"}).status_code == 200
    base = f"/v1/projects/{project.id}/datasets"
    assert client.post(base, json={"name": "ho_gia_dinh"}, headers=admin).status_code == 200
    for name in ("thon", "chu_ho", "so_nguoi"):
        assert client.post(f"{base}/ho_gia_dinh/properties", json={"name": name}, headers=admin).status_code == 200
    entities = [{"label": f"Hộ {number}", "data": {"thon": thon, "chu_ho": f"Chủ hộ {number}", "so_nguoi": str(number)}}
                for number, thon in enumerate(["00004-01"] * 4 + ["00004-02"] * 2, 1)]
    response = client.post(f"{base}/ho_gia_dinh/entities", json={"entities": entities, "source": {"name": "t"}},
                           headers=admin)
    assert response.status_code == 200, response.get_json()
    return project, f"{base}/ho_gia_dinh.svc"


def test_the_service_document_and_metadata_name_the_entities_table(client, admin, households):
    _, svc = households
    service = client.get(svc, headers=admin)
    assert service.status_code == 200 and service.headers["OData-Version"] == "4.0"
    assert service.get_json()["value"] == [{"name": "Entities", "kind": "EntitySet", "url": "Entities"}]
    document = etree.fromstring(client.get(f"{svc}/$metadata", headers=admin).data)
    edm = "{http://docs.oasis-open.org/odata/ns/edm}"
    [entity_type] = document.iter(f"{edm}EntityType")
    assert [prop.get("Name") for prop in entity_type.iter(f"{edm}Property")] == [
        "__id", "label", "__system", "thon", "chu_ho", "so_nguoi"]


def test_entities_rows_with_count_paging_filter_select_and_search(client, admin, households):
    _, svc = households
    table = client.get(f"{svc}/Entities", headers=admin, query_string={"$count": "true"}).get_json()
    assert table["@odata.count"] == 6 and [row["label"] for row in table["value"]] == [
        f"Hộ {number}" for number in range(6, 0, -1)]  # newest first
    row = table["value"][-1]
    assert (row["thon"], row["chu_ho"], row["so_nguoi"]) == ("00004-01", "Chủ hộ 1", "1")
    assert set(row["__system"]) == {"createdAt", "creatorId", "creatorName", "updates", "updatedAt", "deletedAt",
                                    "version", "conflict"}
    first = client.get(f"{svc}/Entities", headers=admin, query_string={"$top": "4"}).get_json()
    assert len(first["value"]) == 4 and "%24skiptoken=" in first["@odata.nextLink"]
    rest = client.get(first["@odata.nextLink"].split("/v1/", 1)[1].join(["/v1/", ""]), headers=admin).get_json()
    assert [item["label"] for item in first["value"] + rest["value"]] == [item["label"] for item in table["value"]]
    assert "@odata.nextLink" not in rest
    found = client.get(f"{svc}/Entities", headers=admin, query_string={
        "$filter": f"__id eq '{row['__id']}'", "$select": "label,__system/version"}).get_json()["value"]
    assert found == [{"__id": row["__id"], "label": "Hộ 1", "__system": {"version": 1}}]
    later = client.get(f"{svc}/Entities", headers=admin, query_string={
        "$filter": f"__system/createdAt ge {row['__system']['createdAt']} and __system/conflict eq null",
        "$orderby": "__system/createdAt asc"}).get_json()["value"]
    assert len(later) == 6
    searched = client.get(f"{svc}/Entities", headers=admin, query_string={"$search": "hộ 5"}).get_json()["value"]
    assert [item["label"] for item in searched] == ["Hộ 5"]


def test_a_caller_limited_to_a_hamlet_reads_only_its_entities(client, admin, households):
    project, svc = households
    officer = create_user("can-bo@example.org")
    assign(officer, "viewer", project)
    assert client.put(f"/v1/projects/{project.id}/users/{officer.actor_id}/areas", json={"areas": ["00004-02"]},
                      headers=admin).status_code == 200
    rows = client.get(f"{svc}/Entities", headers=login(client, "can-bo@example.org"),
                      query_string={"$count": "true"}).get_json()
    assert rows["@odata.count"] == 2 and {row["thon"] for row in rows["value"]} == {"00004-02"}
    assert client.get(f"{svc}/Entities").status_code == 401


@pytest.mark.parametrize("params, status, code", [
    ({"$filter": "label eq 'Hộ 1'"}, 400, 400.18),
    ({"$filter": "__id eq"}, 400, 400.18),
    ({"$orderby": "label"}, 400, 400.18),
    ({"$select": "khong_co"}, 400, 400.23),
    ({"$top": "-1"}, 400, 400.8),
    ({"$skiptoken": "01" + base64.b64encode(json.dumps({"uuid": "khong-co"}).encode()).decode()}, 400, 400.35),
    ({"$skiptoken": "rác"}, 400, 400.35),
    ({"$expand": "*"}, 501, 501.1),
    ({"$apply": "groupby((thon))"}, 501, 501.1),
])
def test_the_entities_feed_refuses_what_it_cannot_answer(client, admin, households, params, status, code):
    _, svc = households
    response = client.get(f"{svc}/Entities", headers=admin, query_string=params)
    assert response.status_code == status and response.get_json()["code"] == code, response.get_json()


def test_an_unknown_entity_list_is_404(client, admin, households):
    project, _ = households
    assert client.get(f"/v1/projects/{project.id}/datasets/khong_co.svc/Entities", headers=admin).status_code == 404
