"""The results exports of a project over HTTP: results.csv, results.xlsx and the results OData feed (Results and
Criteria), with the filters of …/results, the caller's areas, the officer's decisions, points per criterion
(also of a result rolled up over its members), the audit, and bad query options refused."""

import csv
import io

import openpyxl
import pytest
from lxml import etree

from tests.factories import assign, create_user, login, upload_form, xlsx_from_markdown
from tests.integration.test_scores import (  # noqa: F401  (criteria_form is a fixture)
    HAMLET_FORM,
    HOUSEHOLD_FORM,
    add_areas,
    criteria_form,
    submit_hamlets,
)


@pytest.fixture
def decided(client, admin, project, criteria_form):  # noqa: F811
    """Three hamlets of one commune and one of another, scored under example A; one proposal confirmed, one
    overridden."""
    add_areas(("99", "Tỉnh Thử", "province", None), ("99001", "Xã Một", "commune", "99"),
              ("99002", "Xã Hai", "commune", "99"), ("99001-01", "=Thôn Đông", "hamlet", "99001"),
              ("99001-02", "Thôn Tây", "hamlet", "99001"), ("99001-03", "Thôn Bắc", "hamlet", "99001"),
              ("99002-01", "Thôn Nam", "hamlet", "99002"))
    submit_hamlets(client, criteria_form[1], [("uuid:d1", "99001-01", 9), ("uuid:d2", "99001-02", 8),
                                              ("uuid:d3", "99001-03", 10), ("uuid:d4", "99002-01", 9)])
    base = f"/v1/projects/{project.id}"
    assert client.put(f"{base}/recognition/cong_dong/2026/99001-01", json={"recognised": True},
                      headers=admin).status_code == 200
    assert client.put(f"{base}/recognition/cong_dong/2026/99001-03", headers=admin,
                      json={"recognised": False, "reason": "Ảnh không khớp địa điểm"}).status_code == 200
    return base


def csv_rows(response):
    assert response.status_code == 200, response.get_json()
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_results_csv_has_a_row_per_result_with_areas_points_per_criterion_and_decisions(client, admin, decided):
    response = client.get(f"{decided}/results.csv", headers=admin)
    assert response.mimetype == "text/csv" and 'filename="ket-qua.csv"' in response.headers["Content-Disposition"]
    assert not response.data.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(response)
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8"))))
    assert header[:5] == ["model", "subject", "subjectLabel", "period", "areaCode"]
    assert header[-2:] == ["cong_dong.TC1", "cong_dong.TC2"]
    by_subject = {row["subject"]: row for row in rows}
    assert sorted(by_subject) == ["99001-01", "99001-02", "99001-03", "99002-01"]
    first = by_subject["99001-01"]
    assert (first["province"], first["commune"], first["hamlet"], first["subjectLabel"]) == (
        "Tỉnh Thử", "Xã Một", "'=Thôn Đông", "'=Thôn Đông")  # a name Excel would run is written as text
    assert (first["total"], first["maxTotal"], first["result"], first["resultLabel"]) == ("100", "100", "tot", "Tốt")
    assert (first["cong_dong.TC1"], first["cong_dong.TC2"]) == ("60", "40")
    assert (first["proposal"], first["decision"], first["outcome"]) == ("true", "true", "true")
    second = by_subject["99001-02"]  # 8 of 10 adults read: the mandatory 1.1 fails
    assert (second["total"], second["cong_dong.TC1"], second["unmet"], second["proposal"], second["decision"]) == (
        "60", "20", "1.1", "false", "")
    third = by_subject["99001-03"]
    assert (third["proposal"], third["decision"], third["outcome"], third["decisionReason"]) == (
        "true", "false", "false", "Ảnh không khớp địa điểm")
    assert third["decidedAt"].endswith("Z") and third["instanceId"] == "uuid:d3"
    assert third["xmlFormId"] == "vi_du_diem"


def test_results_csv_takes_the_filters_of_the_results_and_a_bom(client, admin, decided):
    def subjects(**params):
        return sorted(row["subject"] for row in csv_rows(client.get(f"{decided}/results.csv", headers=admin,
                                                                     query_string=params)))
    assert subjects(area="99002") == ["99002-01"]
    assert subjects(model="cong_dong", period="2026") == ["99001-01", "99001-02", "99001-03", "99002-01"]
    assert subjects(period="2025") == [] and subjects(model="gia_dinh") == []
    named = client.get(f"{decided}/results.csv", headers=admin, query_string={"model": "cong_dong", "period": 2026})
    assert 'filename="ket-qua-cong_dong-2026.csv"' in named.headers["Content-Disposition"]
    with_bom = client.get(f"{decided}/results.csv", headers=admin, query_string={"bom": "true"})
    assert with_bom.data.startswith("\ufeffmodel,".encode("utf-8"))
    for params, code in (({"model": "ho"}, 400.8), ({"period": "năm nay"}, 400.8), ({"bom": "có"}, 400.8),
                         ({"lang": "fr"}, 400.8)):
        refused = client.get(f"{decided}/results.csv", headers=admin, query_string=params)
        assert refused.status_code == 400 and refused.get_json()["code"] == code, params


def test_results_xlsx_has_a_sheet_per_model_with_labels_above_the_names(client, admin, decided):
    response = client.get(f"{decided}/results.xlsx", headers=admin)
    assert response.status_code == 200 and response.mimetype.startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["cong_dong"]
    rows = list(workbook["cong_dong"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Mô hình", "Đối tượng", "Tên đối tượng", "Kỳ đánh giá")
    assert rows[0][-2:] == ("Học tập của người dân", "Điều kiện học tập")
    assert rows[1][:2] == ("model", "subject") and rows[1][-2:] == ("TC1", "TC2")
    names = rows[1]
    data = {row[names.index("subject")]: dict(zip(names, row)) for row in rows[2:]}
    assert data["99001-01"]["total"] == 100 and data["99001-01"]["TC1"] == 60  # numbers as numbers
    assert data["99001-03"]["outcome"] == "không" and data["99001-03"]["proposal"] == "có"
    english = openpyxl.load_workbook(io.BytesIO(client.get(f"{decided}/results.xlsx", headers=admin,
                                                           query_string={"lang": "en"}).data))
    first = next(english["cong_dong"].iter_rows(values_only=True))
    assert first[:2] == ("Model", "Subject") and first[-1] == "Learning conditions"


def test_results_downloads_start_with_their_header_before_the_results_are_counted(client, admin, decided):
    streamed = client.get(f"{decided}/results.csv", headers=admin, buffered=False)
    chunks = iter(streamed.response)
    header = next(chunks)  # its own chunk: it leaves before the results are counted
    assert header.decode("utf-8").startswith("model,subject,") and header.endswith(b"\r\n")
    assert header.count(b"\r\n") == 1
    rest = b"".join(chunks)
    streamed.close()
    assert rest.count(b"\r\n") == 4  # then the four results
    workbook = client.get(f"{decided}/results.xlsx", headers=admin, buffered=False)
    chunks = iter(workbook.response)
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04")  # the zip's first member begins at once
    data = first + b"".join(chunks)
    workbook.close()
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["cong_dong"]


def test_results_exports_are_limited_to_the_callers_areas_and_audited(client, admin, project, decided):
    officer = create_user("can-bo@example.org")
    assign(officer, "manager", project)
    assert client.put(f"{decided}/users/{officer.actor_id}/areas", json={"areas": ["99002"]},
                      headers=admin).status_code == 200
    headers = login(client, "can-bo@example.org")
    assert [row["subject"] for row in csv_rows(client.get(f"{decided}/results.csv", headers=headers))] == [
        "99002-01"]
    rows = list(openpyxl.load_workbook(io.BytesIO(client.get(f"{decided}/results.xlsx", headers=headers).data))
                ["cong_dong"].iter_rows(values_only=True))
    assert [row[1] for row in rows[2:]] == ["99002-01"]
    feed = client.get(f"{decided}/results.svc/Results", headers=headers).get_json()
    assert [row["subject"] for row in feed["value"]] == ["99002-01"]
    assert client.get(f"{decided}/results.csv").status_code == 401
    assert client.get("/v1/projects/999/results.csv", headers=admin).status_code == 404
    audits = client.get("/v1/audits", headers=admin, query_string={"action": "results.export"}).get_json()
    assert sorted(entry["details"]["format"] for entry in audits if entry["action"] == "results.export") == [
        "csv", "xlsx"]


def test_the_results_odata_feed_serves_results_and_criteria(client, admin, decided):
    service = client.get(f"{decided}/results.svc", headers=admin)
    assert service.status_code == 200 and service.headers["OData-Version"] == "4.0"
    assert [item["name"] for item in service.get_json()["value"]] == ["Results", "Criteria"]
    metadata = client.get(f"{decided}/results.svc/$metadata", headers=admin)
    assert metadata.mimetype == "application/xml"
    edm = "{http://docs.oasis-open.org/odata/ns/edm}"
    document = etree.fromstring(metadata.data)
    types = {item.get("Name"): {prop.get("Name"): prop.get("Type") for prop in item.iter(f"{edm}Property")}
             for item in document.iter(f"{edm}EntityType")}
    assert types["Results"]["total"] == "Edm.Decimal" and types["Results"]["outcome"] == "Edm.Boolean"
    assert types["Criteria"]["__Results-id"] == "Edm.String"
    results = client.get(f"{decided}/results.svc/Results", headers=admin,
                         query_string={"$count": "True", "$top": "2", "$skip": "1"}).get_json()
    assert results["@odata.count"] == 4 and len(results["value"]) == 2
    assert results["@odata.context"].endswith("/results.svc/$metadata#Results")
    kept = client.get(f"{decided}/results.svc/Results", headers=admin, query_string={
        "$filter": "outcome eq true and areaCode eq '99001-01'", "$select": "subject,total"}).get_json()["value"]
    assert kept == [{"__id": "cong_dong:99001-01:2026", "subject": "99001-01", "total": 100}]
    criteria = client.get(f"{decided}/results.svc/Criteria", headers=admin,
                          query_string={"$filter": "model eq 'cong_dong'"}).get_json()["value"]
    assert len(criteria) == 8
    assert [(row["criterion"], row["points"], row["maxPoints"]) for row in criteria
            if row["__Results-id"] == "cong_dong:99001-02:2026"] == [("TC1", 20, 60), ("TC2", 40, 40)]


@pytest.mark.parametrize("table, params, status, code", [
    ("Results", {"$filter": "total gt 50"}, 400, 400.18),
    ("Results", {"$filter": "subject eq"}, 400, 400.18),
    ("Results", {"$filter": "period eq 'năm nay'"}, 400, 400.18),
    ("Results", {"$select": "khong_co"}, 400, 400.23),
    ("Results", {"$top": "-1"}, 400, 400.8),
    ("Results", {"$orderby": "total"}, 501, 501.1),
    ("Results", {"$expand": "*"}, 501, 501.1),
    ("Nothing", {}, 404, 404.1),
])
def test_the_results_feed_refuses_what_it_cannot_answer(client, admin, decided, table, params, status, code):
    response = client.get(f"{decided}/results.svc/{table}", headers=admin, query_string=params)
    assert response.status_code == status and response.get_json()["code"] == code


def test_a_rolled_up_hamlet_exports_the_points_it_was_scored_with(client, admin, project):
    add_areas(("T", "Xã Thử", "commune", None), ("T1", "Thôn Một", "hamlet", "T"))
    for form in (HOUSEHOLD_FORM, HAMLET_FORM):
        assert upload_form(client, admin, project.id, xlsx_from_markdown(form), publish=True).status_code == 200
    xml = {**admin, "Content-Type": "application/xml"}
    from tests.factories import instance_xml
    for number, literate in enumerate(("co", "co", "co", "khong"), 1):
        body = f"<ho>H{number}</ho><thon>T1</thon><nam>2026</nam><biet_chu>{literate}</biet_chu>"
        assert client.post(f"/v1/projects/{project.id}/forms/ho_thu/submissions", headers=xml,
                           data=instance_xml("ho_thu", "1", f"uuid:h{number}", body)).status_code == 200
    body = "<thon>T1</thon><nam>2026</nam><nha_van_hoa>co</nha_van_hoa>"
    assert client.post(f"/v1/projects/{project.id}/forms/thon_thu/submissions", headers=xml,
                       data=instance_xml("thon_thu", "1", "uuid:t1", body)).status_code == 200
    rows = {row["subject"]: row for row in csv_rows(client.get(f"/v1/projects/{project.id}/results.csv",
                                                               headers=admin))}
    hamlet = rows["T1"]  # 3 of 4 households recognised: 75% ≥ 70%
    assert (hamlet["model"], hamlet["total"], hamlet["cong_dong.TC1"], hamlet["outcome"]) == (
        "cong_dong", "100", "100", "true")
    assert (rows["H4"]["gia_dinh.TC1"], rows["H4"]["cong_dong.TC1"]) == ("0", "")


def test_the_desks_project_page_offers_her_results_and_the_odata_feeds(client, admin, project, decided):
    import re

    from tests.integration.test_desk import desk_login
    officer = create_user("can-bo@example.org")
    assign(officer, "manager", project)
    assert client.put(f"{decided}/users/{officer.actor_id}/areas", json={"areas": ["99002"]},
                      headers=admin).status_code == 200
    desk_login(client, "can-bo@example.org")
    page = client.get(f"/projects/{project.id}").text
    links = [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+/download/results\.[^"]+)"', page)]
    assert len(links) == 2
    assert f"/v1/projects/{project.id}/results.svc</code>" in page and "/forms/vi_du_diem.svc</code>" in page
    response = client.get(next(link for link in links if "results.csv" in link))
    assert response.data.startswith("\ufeff".encode())
    assert [row["subject"] for row in csv_rows(response)] == ["99002-01"]  # only her areas' results
    xlsx = client.get(next(link for link in links if "results.xlsx" in link))
    assert xlsx.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.data))["cong_dong"].iter_rows(values_only=True))
    assert [row[1] for row in rows[2:]] == ["99002-01"]
