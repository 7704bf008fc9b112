"""The OData feed of a form over HTTP, as pyodk, Excel's Power Query and generic OData clients read it: the
service document, $metadata, the Submissions table and a repeat's table, paging with $top and $skiptoken,
$count, $filter, $orderby, $select, $expand, $wkt, the caller's areas, and what is refused."""

import hashlib

import pytest
from lxml import etree

from tests.integration.test_authorisation_matrix import IN_AREA, world  # noqa: F401  (a fixture)
from tests.integration.test_exports import exported  # noqa: F401  (a fixture)

EDM = {"edmx": "http://docs.oasis-open.org/odata/ns/edmx", "edm": "http://docs.oasis-open.org/odata/ns/edm"}


def get(client, exported, path, **args):  # noqa: F811
    response = client.get(f"{exported['base']}.svc{path}", query_string=args, headers=exported["admin"])
    assert response.headers.get("OData-Version") == "4.0" or response.status_code >= 400
    return response


def test_the_service_document_and_metadata_name_every_table(client, exported):  # noqa: F811
    service = get(client, exported, "")
    assert service.status_code == 200 and "odata.metadata=minimal" in service.headers["Content-Type"]
    assert service.get_json() == {"@odata.context": f"http://localhost{exported['base']}.svc/$metadata", "value": [
        {"name": "Submissions", "kind": "EntitySet", "url": "Submissions"},
        {"name": "Submissions.grp.con", "kind": "EntitySet", "url": "Submissions.grp.con"}]}
    metadata = get(client, exported, "/$metadata")
    assert metadata.status_code == 200 and metadata.mimetype == "application/xml"
    root = etree.fromstring(metadata.data)
    schema = root.find("edmx:DataServices/edm:Schema[@Namespace='org.opendatakit.user.thu_xuat']", EDM)
    types = {entity.get("Name"): [(node.get("Name"), node.get("Type")) for node in entity
                                  if node.tag.endswith("Property")]
             for entity in schema.iterfind("edm:EntityType", EDM)}
    assert types == {
        "Submissions": [("__id", "Edm.String"), ("__system", "org.opendatakit.submission.metadata"),
                        ("ten", "Edm.String"), ("grp", "org.opendatakit.user.thu_xuat.grp"),
                        ("vi_tri", "Edm.GeographyPoint"), ("anh", "Edm.String"),
                        ("meta", "org.opendatakit.user.thu_xuat.meta")],
        "Submissions.grp.con": [("__id", "Edm.String"), ("__Submissions-id", "Edm.String"),
                                ("ten_con", "Edm.String")]}
    group = schema.find("edm:ComplexType[@Name='grp']", EDM)
    assert [(node.get("Name"), node.get("Type")) for node in group] == [
        ("tuoi", "Edm.Int64"), ("fruits", "Edm.String"),
        ("con", "Collection(org.opendatakit.user.thu_xuat.Submissions.grp.con)")]
    assert [set_.get("Name") for set_ in schema.iterfind("edm:EntityContainer/edm:EntitySet", EDM)] == [
        "Submissions", "Submissions.grp.con"]


def test_submissions_rows_are_centrals(client, exported):  # noqa: F811
    raw = get(client, exported, "/Submissions")
    assert b'"coordinates":[105.85,21.03,10],"properties":{"accuracy":5}' in raw.data  # as JavaScript writes
    body = raw.get_json()
    assert body["@odata.context"].endswith("/thu_xuat.svc/$metadata#Submissions") and "@odata.nextLink" not in body
    rows = {row["__id"]: row for row in body["value"]}
    assert list(rows) == ["uuid:s3", "uuid:s2", "uuid:s1"]
    first = rows["uuid:s1"]
    assert first["ten"] == "An" and first["grp"]["tuoi"] == 40 and first["grp"]["fruits"] == "cam"
    assert first["vi_tri"] == {"type": "Point", "coordinates": [105.85, 21.03, 10], "properties": {"accuracy": 5}}
    assert first["anh"] == "1.jpg" and first["meta"] == {"instanceID": "uuid:s1"}
    assert first["grp"]["con@odata.navigationLink"] == "Submissions('uuid%3As1')/grp/con"
    assert "con" not in first["grp"]
    system = first["__system"]
    assert set(system) == {"submissionDate", "updatedAt", "submitterId", "submitterName", "attachmentsPresent",
                           "attachmentsExpected", "status", "reviewState", "deviceId", "edits", "formVersion",
                           "deletedAt"}
    assert isinstance(system["submitterId"], str) and system["attachmentsPresent"] == 1 and system["edits"] == 0
    assert rows["uuid:s3"]["__system"]["reviewState"] == "approved" and rows["uuid:s2"]["anh"] is None
    wkt = get(client, exported, "/Submissions", **{"$wkt": "True"}).get_json()["value"]
    assert wkt[2]["vi_tri"] == "POINT (105.85 21.03 10)"
    expanded = get(client, exported, "/Submissions", **{"$expand": "*"}).get_json()["value"]
    assert [child["ten_con"] for child in expanded[2]["grp"]["con"]] == ["Bé", "Út"]


def test_a_repeat_table_has_stable_hashed_ids_and_parent_keys(client, exported):  # noqa: F811
    rows = get(client, exported, "/Submissions.grp.con").get_json()["value"]
    assert [(row["ten_con"], row["__Submissions-id"]) for row in rows] == [
        ("Tí", "uuid:s3"), ("Bé", "uuid:s1"), ("Út", "uuid:s1")]
    assert rows[2]["__id"] == hashlib.sha1(b"Submissions#uuid:s1%%grp#%%con#1").hexdigest()
    again = get(client, exported, "/Submissions.grp.con").get_json()["value"]
    assert [row["__id"] for row in again] == [row["__id"] for row in rows]
    first = get(client, exported, "/Submissions.grp.con", **{"$top": "2", "$count": "true"}).get_json()
    assert len(first["value"]) == 2 and first["@odata.count"] == 3
    rest = client.get(first["@odata.nextLink"], headers=exported["admin"]).get_json()
    assert [row["__id"] for row in rest["value"]] == [rows[2]["__id"]] and "@odata.nextLink" not in rest


def test_paging_counting_filtering_ordering_and_selecting(client, exported):  # noqa: F811
    page = get(client, exported, "/Submissions", **{"$top": "2", "$count": "True"}).get_json()
    assert [row["__id"] for row in page["value"]] == ["uuid:s3", "uuid:s2"] and page["@odata.count"] == 3
    assert "%24skiptoken=01" in page["@odata.nextLink"]
    rest = client.get(page["@odata.nextLink"], headers=exported["admin"]).get_json()
    assert [row["__id"] for row in rest["value"]] == ["uuid:s1"] and "@odata.nextLink" not in rest
    skipped = get(client, exported, "/Submissions", **{"$skip": "1", "$top": "1"}).get_json()
    assert [row["__id"] for row in skipped["value"]] == ["uuid:s2"]
    approved = get(client, exported, "/Submissions", **{"$filter": "__system/reviewState eq 'approved'"})
    assert [row["__id"] for row in approved.get_json()["value"]] == ["uuid:s3"]
    received = get(client, exported, "/Submissions", **{
        "$filter": "(__system/reviewState eq null and year(__system/submissionDate) ge 2020) or __id eq 'uuid:s3'",
        "$count": "true"})
    assert received.get_json()["@odata.count"] == 3
    oldest = get(client, exported, "/Submissions", **{"$orderby": "__system/submissionDate asc, __id asc"})
    assert [row["__id"] for row in oldest.get_json()["value"]][0] == "uuid:s1"
    selected = get(client, exported, "/Submissions", **{"$select": "ten,__system/reviewState"}).get_json()["value"]
    assert selected[0] == {"__id": "uuid:s3", "ten": 'Bình, "Hà"', "__system": {"reviewState": "approved"}}
    single = get(client, exported, "/Submissions('uuid:s2')").get_json()["value"]
    assert [row["__id"] for row in single] == ["uuid:s2"]


@pytest.mark.parametrize("args, status, code", [
    ({"$filter": "__system/reviewState eq"}, 400, 400.18), ({"$filter": "ten eq 'An'"}, 400, 400.18),
    ({"$filter": "__id eq 'a' )"}, 400, 400.18), ({"$top": "-1"}, 400, 400.8), ({"$count": "yes"}, 400, 400.8),
    ({"$select": "khong_co"}, 400, 400.23), ({"$select": "grp/tuoi"}, 400, 400.24),
    ({"$skiptoken": "01notbase64!"}, 400, 400.35), ({"$search": "An"}, 501, 501.1),
    ({"$expand": "grp"}, 501, 501.1), ({"$select": "ten", "$expand": "*"}, 501, 501.1)])
def test_what_the_feed_cannot_do_is_refused_clearly(client, exported, args, status, code):  # noqa: F811
    response = get(client, exported, "/Submissions", **args)
    assert response.status_code == status and response.get_json()["code"] == code


def test_unknown_tables_and_forms_are_404(client, exported):  # noqa: F811
    assert get(client, exported, "/Submissions.khong").status_code == 404
    assert client.get(exported["base"].replace("thu_xuat", "khong") + ".svc",
                      headers=exported["admin"]).status_code == 404
    assert client.get(f"{exported['base']}/draft.svc", headers=exported["admin"]).status_code == 404


def test_a_limited_manager_reads_only_her_areas(client, world):  # noqa: F811
    base = f"/v1/projects/{world['project'].id}/forms/vi_du_diem.svc/Submissions"
    limited = client.get(base, query_string={"$count": "true"}, headers=world["users"]["manager_a"]).get_json()
    assert sorted(row["__id"] for row in limited["value"]) == sorted(f"uuid:{i}" for i in IN_AREA)
    assert limited["@odata.count"] == 2
