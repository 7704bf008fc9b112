"""Central's CSV exports over HTTP: submissions.csv.zip (root, repeats, media/), submissions.csv, the draft
variants, the options, the desk's filters, the caller's areas, the audit, and bad options refused."""

import csv
import io
import zipfile

import pytest
import sqlalchemy as sa

from server.audit.models import Audit
from server.extensions import db
from server.tables import FORMULA_STARTS
from tests.factories import XLSX, create_project, create_user, instance_xml, login, upload_form, xlsx_from_markdown
from tests.integration.test_authorisation_matrix import IN_AREA, world  # noqa: F401  (a fixture)
from tests.integration.test_scores import criteria_form  # noqa: F401  (a fixture)

FORM = """
| survey   |                       |          |          |
|          | type                  | name     | label    |
|          | text                  | ten      | Tên      |
|          | begin group           | grp      | Nhóm     |
|          | integer               | tuoi     | Tuổi     |
|          | select_multiple fruit | fruits   | Trái cây |
|          | begin repeat          | con      | Con      |
|          | text                  | ten_con  | Tên con  |
|          | end repeat            |          |          |
|          | end group             |          |          |
|          | geopoint              | vi_tri   | Vị trí   |
|          | image                 | anh      | Ảnh      |
| choices  |                       |          |          |
|          | list_name             | name     | label    |
|          | fruit                 | tao      | Táo      |
|          | fruit                 | cam      | Cam      |
| settings |                       |          |          |
|          | form_id               | version  |          |
|          | thu_xuat              | 3        |          |
"""
JPEG = b"\xff\xd8\xff\xe0" + b"photo bytes" * 50 + b"\xff\xd9"


def body(name, children, photo=""):
    kids = "".join(f"<con><ten_con>{child}</ten_con></con>" for child in children)
    return (f"<ten>{name}</ten><grp><tuoi>40</tuoi><fruits>cam</fruits>{kids}</grp>"
            f"<vi_tri>21.03 105.85 10 5</vi_tri><anh>{photo}</anh>")


@pytest.fixture
def exported(client):
    create_user("admin@example.org", admin=True)
    admin = login(client, "admin@example.org")
    project = create_project()
    assert upload_form(client, admin, project.id, xlsx_from_markdown(FORM), publish=True,
                       ignoreWarnings="true").status_code == 200
    rest = f"/v1/projects/{project.id}/forms/thu_xuat/submissions"
    xml = {**admin, "Content-Type": "application/xml"}
    for number, (name, children, photo) in enumerate((("An", ["Bé", "Út"], "1.jpg"), ("=cmd|' /C calc'!A0", [], ""),
                                                      ("Bình, \"Hà\"", ["Tí"], "")), 1):
        response = client.post(rest, data=instance_xml("thu_xuat", "3", f"uuid:s{number}", body(name, children, photo)),
                               headers=xml)
        assert response.status_code == 200, response.get_json()
    assert client.post(f"{rest}/uuid:s1/attachments/1.jpg", data=JPEG,
                       headers={**admin, "Content-Type": "image/jpeg"}).status_code == 200
    assert client.patch(f"{rest}/uuid:s3", json={"reviewState": "approved"}, headers=admin).status_code == 200
    return {"admin": admin, "base": f"/v1/projects/{project.id}/forms/thu_xuat", "project": project}


def rows_of(data: bytes):
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_the_csv_zip_holds_centrals_root_table_repeat_tables_and_media(client, exported):
    response = client.get(f"{exported['base']}/submissions.csv.zip", headers=exported["admin"])
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'filename="thu_xuat.zip"' in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    assert archive.namelist() == ["thu_xuat.csv", "thu_xuat-con.csv", "media/1.jpg"]
    assert archive.read("media/1.jpg") == JPEG
    root = rows_of(archive.read("thu_xuat.csv"))
    assert root[0] == ["SubmissionDate", "ten", "grp-tuoi", "grp-fruits", "vi_tri-Latitude", "vi_tri-Longitude",
                       "vi_tri-Altitude", "vi_tri-Accuracy", "anh", "meta-instanceID", "KEY", "SubmitterID",
                       "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState",
                       "DeviceID", "Edits", "FormVersion"]
    table = [dict(zip(root[0], row)) for row in root[1:]]
    assert [row["KEY"] for row in table] == ["uuid:s3", "uuid:s2", "uuid:s1"]  # newest first, as Central
    assert table[0]["ten"] == 'Bình, "Hà"' and table[0]["ReviewState"] == "approved"
    assert table[1]["ten"] == "'=cmd|' /C calc'!A0"  # a formula is written as text
    assert all(not value.startswith(FORMULA_STARTS) for row in table for value in row.values()
               if not value.lstrip("+-").replace(".", "", 1).isdigit())
    assert table[2] | {"SubmissionDate": ""} == {
        "SubmissionDate": "", "ten": "An", "grp-tuoi": "40", "grp-fruits": "cam", "vi_tri-Latitude": "21.03",
        "vi_tri-Longitude": "105.85", "vi_tri-Altitude": "10", "vi_tri-Accuracy": "5", "anh": "1.jpg",
        "meta-instanceID": "uuid:s1", "KEY": "uuid:s1", "SubmitterID": table[2]["SubmitterID"],
        "SubmitterName": table[2]["SubmitterName"], "AttachmentsPresent": "1", "AttachmentsExpected": "1",
        "Status": "", "ReviewState": "", "DeviceID": "", "Edits": "0", "FormVersion": "3"}
    assert table[2]["SubmissionDate"].endswith("Z") and len(table[2]["SubmissionDate"]) == 24
    assert rows_of(archive.read("thu_xuat-con.csv")) == [
        ["ten_con", "PARENT_KEY", "KEY"], ["Tí", "uuid:s3", "uuid:s3/grp/con[1]"],
        ["Bé", "uuid:s1", "uuid:s1/grp/con[1]"], ["Út", "uuid:s1", "uuid:s1/grp/con[2]"]]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Audit)
                              .where(Audit.action == "form.submission.export")).scalar() == 1


def test_the_options_change_what_central_says_they_change(client, exported):
    base, admin = exported["base"], exported["admin"]
    response = client.post(f"{base}/submissions.csv.zip", data={"attachments": "FALSE", "groupPaths": "false",
                                                                "splitSelectMultiples": "True"}, headers=admin)
    assert response.status_code == 200 and 'filename="thu_xuat.csv.zip"' in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == ["thu_xuat.csv", "thu_xuat-con.csv"]
    header, *rows = rows_of(archive.read("thu_xuat.csv"))
    assert header[:6] == ["SubmissionDate", "ten", "tuoi", "fruits", "fruits/tao", "fruits/cam"]
    assert [row[4:6] for row in rows] == [["0", "1"]] * 3
    plain = client.get(f"{base}/submissions.csv?bom=true", headers=admin)
    assert plain.status_code == 200 and plain.mimetype == "text/csv"
    assert plain.data.startswith("\ufeff".encode()) and plain.data.count(b"\n") == 4
    assert rows_of(plain.data[3:])[0][:2] == ["SubmissionDate", "ten"]
    since = client.get(f"{base}/submissions.csv?state=approved", headers=admin)
    assert [row[-10] for row in rows_of(since.data)[1:]] == ["uuid:s3"]
    filtered = client.get(f"{base}/submissions.csv", query_string={"$filter": "__system/reviewState eq null"},
                          headers=admin)
    assert [row[-10] for row in rows_of(filtered.data)[1:]] == ["uuid:s2", "uuid:s1"]


def test_since_and_until_are_days_in_vietnam(client, exported):
    """01:30 on 1 December in Hà Nội is 18:30 UTC on 30 November: it belongs to 1 December."""
    import datetime as dt

    from server.submissions.models import Submission
    base, admin = exported["base"], exported["admin"]
    moments = {"uuid:s1": "2026-11-30T16:59:00+00:00", "uuid:s2": "2026-11-30T18:30:00+00:00",
               "uuid:s3": "2026-12-01T16:59:00+00:00"}  # 23:59 30/11, 01:30 1/12, 23:59 1/12 in Vietnam
    for instance_id, moment in moments.items():
        submission = db.session.execute(sa.select(Submission).where(Submission.instance_id == instance_id)).scalar_one()
        submission.created_at = dt.datetime.fromisoformat(moment)
    db.session.commit()

    def exported_ids(**days):
        response = client.get(f"{base}/submissions.csv", query_string=days, headers=admin)
        assert response.status_code == 200
        return sorted(row[-10] for row in rows_of(response.data)[1:])
    assert exported_ids(since="2026-12-01") == ["uuid:s2", "uuid:s3"]
    assert exported_ids(until="2026-11-30") == ["uuid:s1"]
    assert exported_ids(since="2026-12-01", until="2026-12-01") == ["uuid:s2", "uuid:s3"]
    assert exported_ids(since="2026-12-02") == []

def test_the_draft_export_has_the_drafts_columns_and_no_rows(client, exported):
    base, admin = exported["base"], exported["admin"]
    assert client.get(f"{base}/draft/submissions.csv", headers=admin).status_code == 404  # no draft yet
    draft = FORM.replace("| choices ", "|          | text                  | ghi_chu  | Ghi chú  |\n| choices ")
    response = client.post(f"{base}/draft?ignoreWarnings=true", data=xlsx_from_markdown(draft.replace("| 3 ", "| 4 ")),
                           headers={**admin, "Content-Type": XLSX})
    assert response.status_code == 200, response.get_json()
    header = client.get(f"{base}/draft/submissions.csv", headers=admin)
    assert header.status_code == 200 and rows_of(header.data)[1:] == []
    assert rows_of(header.data)[0][8:10] == ["anh", "ghi_chu"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/draft/submissions.csv.zip", headers=admin).data))
    assert archive.namelist() == ["thu_xuat.csv", "thu_xuat-con.csv"]


@pytest.mark.parametrize("query, status, code", [("attachments=maybe", 400, 400.8),
                                                 ("$filter=__system/x eq 1", 400, 400.18),
                                                 ("since=hôm qua", 400, 400.8), ("until=2026-13-01", 400, 400.8),
                                                 ("state=pending", 400, 400.8), ("submitter=-1", 400, 400.8),
                                                 ("period=20266", 400, 400.8), ("period=١٠", 400, 400.8)])
def test_bad_options_are_refused_and_change_nothing(client, exported, query, status, code):
    response = client.get(f"{exported['base']}/submissions.csv.zip?{query}", headers=exported["admin"])
    assert response.status_code == status and response.get_json()["code"] == code
    assert db.session.execute(sa.select(sa.func.count()).select_from(Audit)
                              .where(Audit.action == "form.submission.export")).scalar() == 0


def test_an_unknown_form_is_404_and_a_stranger_is_refused(client, exported):
    assert client.get(exported["base"].replace("thu_xuat", "khong_co") + "/submissions.csv",
                      headers=exported["admin"]).status_code == 404
    assert client.get(f"{exported['base']}/submissions.csv").status_code in (401, 403)


def test_a_manager_limited_to_a_commune_exports_only_its_submissions(client, world):  # noqa: F811
    base = f"/v1/projects/{world['project'].id}/forms/vi_du_diem"
    limited = client.get(f"{base}/submissions.csv", headers=world["users"]["manager_a"])
    assert limited.status_code == 200
    assert sorted(row[-10] for row in rows_of(limited.data)[1:]) == sorted(f"uuid:{i}" for i in IN_AREA)
    located = client.get(f"{base}/submissions.geojson", headers=world["users"]["manager_a"]).get_json()["features"]
    assert located and {feature["id"] for feature in located} <= {f"uuid:{i}" for i in IN_AREA}
    everything = client.get(f"{base}/submissions.csv.zip", headers=world["users"]["admin"])
    root = rows_of(zipfile.ZipFile(io.BytesIO(everything.data)).read("vi_du_diem.csv"))
    assert len(root) == 5


def test_the_xlsx_has_a_sheet_per_table_labels_above_centrals_names_and_real_numbers(client, exported):
    from openpyxl import load_workbook
    response = client.get(f"{exported['base']}/submissions.xlsx", headers=exported["admin"])
    assert response.status_code == 200 and 'filename="thu_xuat.xlsx"' in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    assert workbook.sheetnames == ["thu_xuat", "thu_xuat-con"]
    rows = list(workbook["thu_xuat"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Ngày gửi", "Tên", "Tuổi") and rows[0][4] == "Vị trí (vĩ độ)"
    assert rows[1][:3] == ("SubmissionDate", "ten", "grp-tuoi")
    newest, oldest = dict(zip(rows[1], rows[2])), dict(zip(rows[1], rows[4]))
    assert oldest["grp-tuoi"] == 40 and oldest["vi_tri-Latitude"] == 21.03 and oldest["AttachmentsPresent"] == 1
    assert newest["ten"] == 'Bình, "Hà"' and dict(zip(rows[1], rows[3]))["ten"] == "'=cmd|' /C calc'!A0"
    assert oldest["SubmissionDate"].year >= 2026  # a date and time, in Vietnam's time
    repeat = list(workbook["thu_xuat-con"].iter_rows(values_only=True))
    assert repeat[0] == ("Tên con", "Khoá cha", "Khoá") and repeat[3] == ("Bé", "uuid:s1", "uuid:s1/grp/con[1]")
    english = load_workbook(io.BytesIO(client.get(f"{exported['base']}/submissions.xlsx?lang=en",
                                                  headers=exported["admin"]).data), read_only=True)
    assert next(english["thu_xuat"].iter_rows(values_only=True))[0] == "Submission date"
    assert client.get(f"{exported['base']}/submissions.xlsx?lang=fr", headers=exported["admin"]).status_code == 400


def test_the_geojson_is_centrals_and_properties_all_adds_what_a_map_needs(client, exported):
    base, admin = exported["base"], exported["admin"]
    response = client.get(f"{base}/submissions.geojson", headers=admin)
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    collection = response.get_json()
    assert collection["type"] == "FeatureCollection"
    assert [feature["id"] for feature in collection["features"]] == ["uuid:s3", "uuid:s2", "uuid:s1"]
    assert collection["features"][2] == {"type": "Feature", "id": "uuid:s1", "properties": {"fieldpath": "/vi_tri"},
                                         "geometry": {"type": "Point", "coordinates": [105.85, 21.03, 10]}}
    asked = client.get(f"{base}/submissions.geojson?fieldpath=/vi_tri&limit=1", headers=admin).get_json()
    assert len(asked["features"]) == 1 and asked["features"][0]["properties"] is None
    rich = client.get(f"{base}/submissions.geojson?properties=all&state=approved", headers=admin).get_json()
    assert [feature["id"] for feature in rich["features"]] == ["uuid:s3"]
    assert rich["features"][0]["properties"]["reviewState"] == "approved"
    photos = client.get(f"{base}/submissions.geojson?properties=all", headers=admin).get_json()["features"][2]
    assert photos["properties"]["photos"] == [f"http://localhost{base}/submissions/uuid%3As1/attachments/1.jpg"]
    assert client.get(photos["properties"]["photos"][0], headers=admin).data == JPEG
    assert client.get(f"{base}/submissions.geojson?fieldpath=/ten", headers=admin).status_code == 400
    two = client.get(f"{base}/submissions.geojson?fieldpath=/vi_tri&fieldpath=/anh", headers=admin)
    assert two.status_code == 400 and two.get_json()["code"] == 400.41


def test_the_kml_folders_placemarks_by_commune_and_hamlet(client, world):  # noqa: F811
    from lxml import etree
    base = f"/v1/projects/{world['project'].id}/forms/vi_du_diem"
    response = client.get(f"{base}/submissions.kml", headers=world["users"]["admin"])
    assert response.status_code == 200 and response.mimetype == "application/vnd.google-earth.kml+xml"
    kml = {"k": "http://www.opengis.net/kml/2.2"}
    document = etree.fromstring(response.data)
    communes = document.findall("k:Document/k:Folder", kml)
    placemarks = document.findall(".//k:Placemark", kml)
    assert len(communes) == 3 and len(placemarks) == 4  # two communes, and s_none's point outside every hamlet
    assert communes[-1].findtext("k:name", namespaces=kml) == "Chưa có địa bàn"
    for commune in communes:
        for hamlet in commune.findall("k:Folder", kml):
            assert hamlet.findall("k:Placemark", kml)
    coordinates = placemarks[0].find("k:Point/k:coordinates", kml).text
    assert len(coordinates.split(",")) >= 2 and "Trạng thái duyệt" in placemarks[0].find("k:description", kml).text
    limited = client.get(f"{base}/submissions.kml", headers=world["users"]["manager_a"])
    ids = etree.fromstring(limited.data).findall(".//k:Data[@name='instanceId']/k:value", kml)
    assert {node.text for node in ids} <= {f"uuid:{i}" for i in IN_AREA}


def test_the_media_zip_is_organised_by_commune_hamlet_subject_and_question(client, exported):
    response = client.get(f"{exported['base']}/media.zip", headers=exported["admin"])
    assert response.status_code == 200 and "thu_xuat-media.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    path = "Chưa có địa bàn/Chưa có địa bàn/uuid_s1/anh-1.jpg"  # no area, no subject: the instance id
    assert archive.namelist() == [path, "index.csv"] and archive.read(path) == JPEG
    index = list(csv.reader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))
    assert index == [["path", "instanceId", "instanceName", "subject", "hamlet", "commune", "question", "fileName",
                      "reviewState"], [path, "uuid:s1", "", "", "", "", "anh", "1.jpg", ""]]
    nothing = zipfile.ZipFile(io.BytesIO(client.get(f"{exported['base']}/media.zip?state=approved",
                                                    headers=exported["admin"]).data))
    assert nothing.namelist() == ["index.csv"]


def test_exports_filter_by_evaluation_period_and_form_version(client, admin, project, criteria_form):  # noqa: F811
    from tests.integration.test_openrosa import post_submission
    from tests.integration.test_scores import EXAMPLE_A, hamlet
    rest, collect = criteria_form
    for instance_id, year in (("uuid:p1", "2025"), ("uuid:p2", "2026")):
        assert post_submission(client, collect, hamlet(instance_id, 10, 9, 4, "co", year=year)).status_code == 201
    base = f"/v1/projects/{project.id}/forms/vi_du_diem"
    assert client.post(f"{base}/draft", data=xlsx_from_markdown(EXAMPLE_A.replace("| | vi_du_diem | 1 |",
                                                                                   "| | vi_du_diem | 2 |")),
                       headers={**admin, "Content-Type": XLSX}).status_code == 200
    assert client.post(f"{base}/draft/publish", headers=admin).status_code == 200
    assert post_submission(client, collect, hamlet("uuid:p3", 10, 9, 4, "co", version="2")).status_code == 201

    def exported_ids(**params):
        response = client.get(f"{base}/submissions.csv", headers=admin, query_string=params)
        assert response.status_code == 200, response.get_json()
        rows = rows_of(response.data)
        return sorted(row[rows[0].index("KEY")] for row in rows[1:])
    assert exported_ids() == ["uuid:p1", "uuid:p2", "uuid:p3"]
    assert exported_ids(period="2026") == ["uuid:p2", "uuid:p3"]
    assert exported_ids(period="2025") == ["uuid:p1"]
    assert exported_ids(version="2") == ["uuid:p3"]
    assert exported_ids(version="1", period="2026") == ["uuid:p2"]
    assert exported_ids(version="9") == []
    located = client.get(f"{base}/submissions.geojson", headers=admin, query_string={"period": "2025"})
    assert located.status_code == 200
