"""Registries as ODK Central entity lists over HTTP: datasets, properties, entities (single, bulk, PATCH with
versions, DELETE), CSV/XLSX import, and the per-app-user CSV attachments."""

import csv
import io
import uuid as uuid_module

import pytest
from pyodk._endpoints.entities import Entity as PyodkEntity
from pyodk._endpoints.entity_lists import EntityList

from server.areas.service import app_user_scope
from server.extensions import db
from server.registries.attachments import registry_csv, registry_csv_for_actor
from server.registries.models import Entity
from tests.factories import assign, create_user, login
from tests.factories_registry import (
    MEBIBYTE,
    XLSX,
    create_dataset,
    create_entity,
    import_areas,
    xlsx_from_rows,
    xlsx_zip_bomb,
)

HOUSEHOLD = {"thon": "00004-01", "chu_ho": "Nguyễn Văn An", "so_thanh_vien": "4"}


def url(project, suffix=""):
    return f"/v1/projects/{project.id}/datasets{suffix}"


def problem(response, code):
    assert response.status_code == int(code), response.get_json()
    body = response.get_json()
    assert body["code"] == code, body
    return body


@pytest.fixture
def households(client, project):
    import_areas()
    return create_dataset(project)


@pytest.fixture
def viewer(client, project):
    user = create_user("xem@example.org")
    assign(user, "viewer", project)
    return login(client, "xem@example.org")


def test_datasets_in_centrals_shapes(client, admin, project):
    created = client.post(url(project), json={"name": "ho_gia_dinh", "approvalRequired": False}, headers=admin)
    assert created.status_code == 200, created.get_json()
    body = created.get_json()
    assert list(body) == ["name", "createdAt", "projectId", "approvalRequired", "ownerOnly", "lastUpdate",
                          "linkedForms", "sourceForms", "draftLinkedForms", "draftSourceForms", "properties"]
    assert (body["name"], body["projectId"], body["properties"]) == ("ho_gia_dinh", project.id, [])
    assert client.post(url(project, "/ho_gia_dinh/properties"), json={"name": "thon"},
                       headers=admin).get_json() == {"success": True}
    client.post(url(project, "/ho_gia_dinh/properties"), json={"name": "chu_ho"}, headers=admin)
    got = client.get(url(project, "/ho_gia_dinh"), headers=admin).get_json()
    assert [(prop["name"], prop["odataName"], prop["forms"]) for prop in got["properties"]] == [
        ("thon", "thon", []), ("chu_ho", "chu_ho", [])]
    assert EntityList(**got).properties[0].name == "thon"  # pyodk's own model
    listed = client.get(url(project), headers=admin).get_json()
    assert [EntityList(**item).name for item in listed] == ["ho_gia_dinh"]
    extended = client.get(url(project), headers={**admin, "X-Extended-Metadata": "true"}).get_json()
    assert (extended[0]["entities"], extended[0]["lastEntity"], extended[0]["conflicts"]) == (0, None, 0)


def test_dataset_and_property_errors(client, admin, project, viewer):
    client.post(url(project), json={"name": "ho_gia_dinh"}, headers=admin)
    problem(client.post(url(project), json={"name": "ho_gia_dinh"}, headers=admin), 409.3)
    problem(client.post(url(project), json={"name": "Ho_Gia_Dinh"}, headers=admin), 409.16)
    for name in ("__he_thong", "1ho", "ho gia dinh", "ho.gia", None, 5):
        problem(client.post(url(project), json={"name": name}, headers=admin), 400.8)
    problem(client.post(url(project), json={"name": "x", "approvalRequired": "yes"}, headers=admin), 400.11)
    problem(client.post(url(project), data=b"{", headers={**admin, "Content-Type": "application/json"}), 400.1)
    for name in ("name", "Label", "__x", "1a", "có dấu cách"):
        problem(client.post(url(project, "/ho_gia_dinh/properties"), json={"name": name}, headers=admin), 400.8)
    client.post(url(project, "/ho_gia_dinh/properties"), json={"name": "thon"}, headers=admin)
    problem(client.post(url(project, "/ho_gia_dinh/properties"), json={"name": "thon"}, headers=admin), 409.3)
    problem(client.get(url(project, "/khong_co"), headers=admin), 404.1)
    problem(client.get("/v1/projects/999999/datasets", headers=admin), 404.1)
    # Viewers read entity lists; only managers (and administrators) change them.
    assert client.get(url(project, "/ho_gia_dinh"), headers=viewer).status_code == 200
    problem(client.post(url(project), json={"name": "dong_ho"}, headers=viewer), 403.1)
    problem(client.post(url(project, "/ho_gia_dinh/entities"), json={"label": "x", "data": {}}, headers=viewer), 403.1)
    problem(client.get(url(project)), 401.2)


def test_create_read_update_delete_an_entity(client, admin, project, households):
    response = client.post(url(project, "/ho_gia_dinh/entities"),
                           json={"uuid": "uuid:12345678-1234-4123-8123-1234567890AB", "label": "Hộ An",
                                 "data": HOUSEHOLD},
                           headers=admin)
    assert response.status_code == 200, response.get_json()
    entity = response.get_json()
    assert entity["uuid"] == "12345678-1234-4123-8123-1234567890ab"
    assert list(entity) == ["uuid", "creatorId", "conflict", "createdAt", "updatedAt", "deletedAt", "currentVersion"]
    version = entity["currentVersion"]
    assert (version["label"], version["version"], version["baseVersion"], version["data"]) == (
        "Hộ An", 1, None, HOUSEHOLD)
    assert version["dataReceived"] == {**HOUSEHOLD, "label": "Hộ An"}
    assert PyodkEntity(**entity).currentVersion.version == 1
    entity_url = url(project, f"/ho_gia_dinh/entities/{entity['uuid']}")

    patched = client.patch(f"{entity_url}?baseVersion=1", json={"data": {"so_thanh_vien": "5"}}, headers=admin)
    assert patched.status_code == 200, patched.get_json()
    version = patched.get_json()["currentVersion"]
    assert (version["version"], version["baseVersion"], version["data"]["so_thanh_vien"],
            version["data"]["chu_ho"]) == (
        2, 1, "5", "Nguyễn Văn An")
    assert version["dataReceived"] == {"so_thanh_vien": "5"}
    conflict = problem(client.patch(f"{entity_url}?baseVersion=1", json={"label": "Hộ Bình"}, headers=admin), 409.15)
    assert conflict["message"].startswith("Current version of the Entity is '2' and you provided '1'.")
    problem(client.patch(entity_url, json={"label": "Hộ Bình"}, headers=admin), 409.15)
    forced = client.patch(f"{entity_url}?force=true", json={"label": "Hộ Bình"}, headers=admin).get_json()
    assert (forced["currentVersion"]["label"], forced["currentVersion"]["version"]) == ("Hộ Bình", 3)
    assert client.get(entity_url, headers=admin).get_json()["currentVersion"]["data"]["so_thanh_vien"] == "5"

    listed = client.get(url(project, "/ho_gia_dinh/entities"), headers=admin).get_json()
    assert [item["uuid"] for item in listed] == [entity["uuid"]] and "data" not in listed[0]["currentVersion"]
    assert PyodkEntity(**listed[0]).currentVersion.label == "Hộ Bình"
    extended = client.get(url(project, "/ho_gia_dinh/entities"), headers={**admin, "X-Extended-Metadata": "true"})
    assert extended.get_json()[0]["creator"]["displayName"] == "admin@example.org"

    assert client.delete(entity_url, headers=admin).get_json() == {"success": True}
    problem(client.get(entity_url, headers=admin), 404.1)
    assert client.get(url(project, "/ho_gia_dinh/entities"), headers=admin).get_json() == []
    deleted = client.get(url(project, "/ho_gia_dinh/entities?deleted=true"), headers=admin).get_json()
    assert deleted[0]["deletedAt"] is not None
    actions = [item["action"] for item in client.get("/v1/audits?action=entity", headers=admin).get_json()]
    assert actions == ["entity.delete", "entity.update.version", "entity.update.version", "entity.create"]


@pytest.mark.parametrize("body, code", [
    ({"label": "x", "data": {"chu_ho": 5}}, 400.11),                      # values are strings
    ({"label": "x", "data": {"khong_co": "1"}}, 400.28),                  # no such property
    ({"label": "x", "data": {}, "ghi_chu": "?"}, 400.31),                 # unexpected key
    ({"label": "   ", "data": {}}, 400.8),                                # blank label
    ({"data": {}}, 400.2),                                                # no label
    ({"label": "x"}, 400.28),                                             # no data
    ({"label": 5, "data": {}}, 400.11),
    ({"uuid": "not-a-uuid", "label": "x", "data": {}}, 400.11),
    ({"uuid": "12345678-1234-1234-8123-1234567890ab", "label": "x", "data": {}}, 400.11),  # not version 4
    ({"label": "x", "data": {"thon": "99999-99"}}, 400.28),               # no such hamlet
    ({"label": "x", "data": ["thon"]}, 400.28),
    (["label"], 400.28),
    ({"entities": [], "source": {"name": "a.csv"}}, 400.31),
    ({"entities": {"label": "x"}, "source": {"name": "a.csv"}}, 400.31),
    ({"entities": [{"label": "x", "data": {}}]}, 400.2),                  # no source
    ({"entities": [{"label": "x", "data": {}}], "source": {}}, 400.2),
    ({"entities": [{"label": "x", "data": {}}], "source": {"name": "a", "size": "1"}}, 400.11),
    ({"entities": [{"label": "x", "data": {}}, {"label": "y", "data": {"thon": "00009-09"}}],
      "source": {"name": "a.csv"}}, 400.28),                              # all or nothing
])
def test_bad_entity_bodies(client, admin, project, households, body, code):
    problem(client.post(url(project, "/ho_gia_dinh/entities"), json=body, headers=admin), code)
    assert db.session.query(Entity).count() == 0


def test_bulk_create_as_pyodk_sends_it(client, admin, project, households):
    items = [{"label": f"Hộ {number}", "data": {**HOUSEHOLD, "chu_ho": f"Chủ hộ {number}"}} for number in range(50)]
    response = client.post(url(project, "/ho_gia_dinh/entities"),
                           json={"entities": items, "source": {"name": "pyodk v1.3.0", "size": 50}}, headers=admin)
    assert response.status_code == 200 and response.get_json() == {"success": True}
    listed = client.get(url(project, "/ho_gia_dinh/entities"), headers=admin).get_json()
    assert len(listed) == 50 and all(item["currentVersion"]["version"] == 1 for item in listed)
    metadata = client.get(url(project, "/ho_gia_dinh"), headers=admin).get_json()
    assert metadata["lastUpdate"] >= listed[-1]["createdAt"]
    extended = client.get(url(project), headers={**admin, "X-Extended-Metadata": "true"}).get_json()[0]
    assert (extended["entities"], extended["lastEntity"]) == (50, listed[-1]["createdAt"])
    taken = listed[0]["uuid"]
    again = {"entities": [{"uuid": taken, "label": "x", "data": {}}], "source": {"name": "again"}}
    problem(client.post(url(project, "/ho_gia_dinh/entities"), json=again, headers=admin), 409.3)
    twice = str(uuid_module.uuid4())
    repeat = {"entities": [{"uuid": twice, "label": "x", "data": {}}] * 2, "source": {"name": "twice"}}
    problem(client.post(url(project, "/ho_gia_dinh/entities"), json=repeat, headers=admin), 409.3)


def test_entities_are_tied_to_their_hamlet_or_commune(client, admin, project, households):
    import_areas()
    def area_of(data):
        response = client.post(url(project, "/ho_gia_dinh/entities"), json={"label": "x", "data": data}, headers=admin)
        assert response.status_code == 200, response.get_json()
        entity = db.session.query(Entity).filter_by(uuid=response.get_json()["uuid"]).one()
        return entity.area_id, entity.data

    ids = {code: entry for code, entry in db.session.execute(db.text("SELECT code, id FROM areas")).all()}
    assert area_of({"thon": "00004-02"}) == (ids["00004-02"], {"thon": "00004-02"})
    assert area_of({"chu_ho": "không thôn"}) == (None, {"chu_ho": "không thôn"})
    client.post(url(project, "/ho_gia_dinh/properties"), json={"name": "xa"}, headers=admin)
    assert area_of({"xa": "4"}) == (ids["00004"], {"xa": "00004"})  # leading zeros restored
    problem(client.post(url(project, "/ho_gia_dinh/entities"),
                        json={"label": "x", "data": {"thon": "00007-01", "xa": "00004"}},
                        headers=admin), 400.28)


# Import from CSV / XLSX ----------------------------------------------------------------------------

def post_import(client, headers, project, body, query="", content_type="text/csv", name="ho_gia_dinh"):
    return client.post(url(project, f"/{name}/entities/import{query}"), data=body,
                       headers={**headers, "Content-Type": content_type})


REGISTRY_CSV = """ma_ho,label,thon,chu_ho,so_thanh_vien
HGD-001,Hộ Nguyễn Văn An – TDP 1,00004-01,Nguyễn Văn An,4
HGD-002,Hộ Trần Thị Bình – TDP 2,00004-02,Trần Thị Bình,3
HGD-003,"=HYPERLINK(""http://evil.example"",""Bấm"")",00007-01,@SUM(1+1),-2
"""


def test_import_by_natural_key_is_idempotent_and_audited(client, admin, project, households):
    refused = problem(post_import(client, admin, project, REGISTRY_CSV.encode(), "?key=ma_ho"), 400.54)
    message = refused["details"]["errors"][0]["message"]
    assert "ma_ho" in message and "addProperties=true" in message
    first = post_import(client, admin, project, REGISTRY_CSV.encode(), "?key=ma_ho&addProperties=true")
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"created": 3, "updated": 0, "unchanged": 0, "propertiesAdded": ["ma_ho"]}
    again = post_import(client, admin, project, REGISTRY_CSV.encode(), "?key=ma_ho").get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    changed = REGISTRY_CSV.replace("Trần Thị Bình,3", "Trần Thị Bình,5")
    assert post_import(client, admin, project, changed.encode(), "?key=ma_ho").get_json()["updated"] == 1
    entities = {entity.data["ma_ho"]: entity for entity in db.session.query(Entity)}
    assert (entities["HGD-002"].version, entities["HGD-002"].data["so_thanh_vien"]) == (2, "5")
    # Formula-looking cells are data: stored exactly, served to Collect exactly.
    assert entities["HGD-003"].label == '=HYPERLINK("http://evil.example","Bấm")'
    assert entities["HGD-003"].data["chu_ho"] == "@SUM(1+1)"
    audits = client.get("/v1/audits?action=entity", headers=admin).get_json()
    assert sorted(item["action"] for item in audits) == ["entity.create"] * 3 + ["entity.update.version"]
    update = next(item for item in audits if item["action"] == "entity.update.version")
    assert update["details"]["data"] == {"so_thanh_vien": "5"} and update["actorId"] is not None


def test_import_by_uuid_round_trips_centrals_csv(client, admin, project, households):
    entity = create_entity(households, "Hộ An", HOUSEHOLD)
    exported = registry_csv(project.id, "ho_gia_dinh.csv")
    assert exported.decode().splitlines() == ["name,label,__version,thon,chu_ho,so_thanh_vien",
                                              f"{entity.uuid},Hộ An,1,00004-01,Nguyễn Văn An,4"]
    edited = exported.replace(b"Nguy\xe1\xbb\x85n V\xc4\x83n An,4", "Nguyễn Văn An,6".encode())
    response = post_import(client, admin, project, edited)
    assert response.get_json() == {"created": 0, "updated": 1, "unchanged": 0, "propertiesAdded": []}
    assert client.get(url(project, f"/ho_gia_dinh/entities/{entity.uuid}"), headers=admin).get_json()[
        "currentVersion"]["data"]["so_thanh_vien"] == "6"


def test_import_problems_have_row_numbers_and_nothing_is_written(client, admin, project, households):
    bad = ("name,label,thon,chu_ho\n"
           "not-a-uuid,Hộ Một,00004-01,A\n"          # row 2
           ",,00004-01,B\n"                          # row 3: no label
           ",Hộ Ba,99999-01,C\n"                     # row 4: unknown hamlet
           f"{'1' * 8}-1111-4111-8111-{'1' * 12},Hộ Bốn,00004-02,D\n"
           f"{'1' * 8}-1111-4111-8111-{'1' * 12},Hộ Năm,00004-02,E\n")  # row 6: the same UUID again
    body = problem(post_import(client, admin, project, bad.encode()), 400.54)
    assert [item["row"] for item in body["details"]["errors"]] == [2, 3, 4, 6]
    assert "99999-01" in body["details"]["errors"][2]["message"]
    problem(post_import(client, admin, project, b"thon,chu_ho\n00004-01,A\n"), 400.54)  # no label column
    problem(post_import(client, admin, project, b"label,thon\nX,00004-01\n", "?key=ma_ho"), 400.54)
    problem(post_import(client, admin, project, b"label,so thanh vien!\nX,1\n", "?addProperties=true"), 400.54)
    assert db.session.query(Entity).count() == 0


def test_import_xlsx_with_numbers_and_hostile_files(client, admin, project, households, app, monkeypatch):
    workbook = xlsx_from_rows([["label", "thon", "chu_ho", "so_thanh_vien"],
                               ["Hộ Số", "00004-01", "Lê Văn C", 7],
                               ["Hộ Thực", "00004-02", "Lê Văn D", 2.5]])
    response = post_import(client, admin, project, workbook, content_type=XLSX)
    assert response.status_code == 200, response.get_json()
    assert sorted(entity.data["so_thanh_vien"] for entity in db.session.query(Entity)) == ["2.5", "7"]
    problem(post_import(client, admin, project, xlsx_zip_bomb(200 * MEBIBYTE), content_type=XLSX), 400.54)
    problem(post_import(client, admin, project, b'{"label": "x"}', content_type="application/json"), 415.1)
    monkeypatch.setitem(app.config, "MAX_FORM_BYTES", 100)
    problem(post_import(client, admin, project, REGISTRY_CSV.encode()), 413.1)
    problem(post_import(client, admin, project, REGISTRY_CSV.encode(), name="khong_co"), 404.1)


# CSV attachments per app user ----------------------------------------------------------------------

def test_registry_csvs_are_cut_to_an_app_users_areas(client, admin, project, households):
    for thon, name in (("00004-01", "An"), ("00004-02", "Bình"), ("00007-01", "Cúc")):
        create_entity(households, f"Hộ {name}", {**HOUSEHOLD, "thon": thon, "chu_ho": name})
    create_entity(households, "Hộ không thôn", {"chu_ho": "Dũng"})
    actor_id = client.post(f"/v1/projects/{project.id}/app-users", json={"displayName": "TNV"},
                           headers=admin).get_json()["id"]
    from server.auth.models import Actor
    actor = db.session.get(Actor, actor_id)

    def labels(file_name, within):
        rows = list(csv.DictReader(io.StringIO(registry_csv(project.id, file_name, within).decode())))
        return [row["label"] for row in rows]

    assert labels("ho_gia_dinh.csv", None) == ["Hộ An", "Hộ Bình", "Hộ Cúc", "Hộ không thôn"]
    assert app_user_scope(actor_id) is None  # no areas set: everything, as Central without a filter
    assert registry_csv_for_actor(project.id, "ho_gia_dinh.csv", actor) == registry_csv(project.id, "ho_gia_dinh.csv")

    scope_url = f"/v1/projects/{project.id}/app-users/{actor_id}/areas"
    for areas, households_seen, hamlets_seen in (
            (["00004"], ["Hộ An", "Hộ Bình"], ["Tổ dân phố 1", "Tổ dân phố 2"]),        # a commune covers its hamlets
            (["00004-02"], ["Hộ Bình"], ["Tổ dân phố 2"]),
            (["001"], ["Hộ An", "Hộ Bình", "Hộ Cúc"], ["Tổ dân phố 1", "Tổ dân phố 2", "Thôn Đông"]),  # legacy district
            (["01"], ["Hộ An", "Hộ Bình", "Hộ Cúc"], ["Tổ dân phố 1", "Tổ dân phố 2", "Thôn Đông"])):
        assert client.put(scope_url, json={"areas": areas}, headers=admin).status_code == 200
        assert labels("ho_gia_dinh.csv", app_user_scope(actor_id)) == households_seen
        assert labels("thon.csv", app_user_scope(actor_id)) == hamlets_seen
        assert registry_csv_for_actor(project.id, "ho_gia_dinh.csv", actor) == registry_csv(
            project.id, "ho_gia_dinh.csv", app_user_scope(actor_id))

    hamlets = registry_csv(project.id, "thon.csv").decode().splitlines()
    assert hamlets == ["name,label,xa,huyen", "00004-01,Tổ dân phố 1,00004,001", "00004-02,Tổ dân phố 2,00004,001",
                       "00007-01,Thôn Đông,00007,001"]
    assert registry_csv(project.id, "khong_co.csv") is None and registry_csv(project.id, "anh.jpg") is None


def test_a_bulk_body_over_the_size_limit_is_413_and_nothing_is_created(client, admin, project, households, app,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10_000)
    items = [{"label": f"Hộ {number}", "data": {"chu_ho": "x" * 100}} for number in range(200)]
    response = client.post(url(project, "/ho_gia_dinh/entities"), json={"entities": items, "source": {"name": "big"}},
                           headers=admin)
    problem(response, 413.1)
    assert db.session.query(Entity).count() == 0


def test_export_is_spreadsheet_safe_and_imports_back_unchanged(client, admin, project):
    import_areas()
    create_dataset(project, "Hộ_gia_đình", ("thon", "chu_ho"))
    content = '\ufefflabel,thon,chu_ho\n"=1+1",00004-01,@An\nHộ Bình,00004-02,-Bình\n'.encode()
    assert post_import(client, admin, project, content,
                       name="Hộ_gia_đình").get_json()["created"] == 2
    exported = client.get(url(project, "/Hộ_gia_đình/entities.csv"), headers=admin)
    assert exported.status_code == 200 and exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''H%E1%BB%99_gia_%C4%91%C3%ACnh.csv" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0] == ["__id", "label", "thon", "chu_ho", "__createdAt", "__creatorId", "__creatorName", "__updates",
                       "__updatedAt", "__version"]
    assert [row[1:4] for row in rows[1:]] == [["'=1+1", "00004-01", "'@An"], ["Hộ Bình", "00004-02", "'-Bình"]]
    assert rows[1][6:] == ["admin@example.org", "0", "", "1"]
    again = post_import(client, admin, project, exported.data, name="Hộ_gia_đình").get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_hamlets_no_longer_valid_leave_thon_csv_and_keys_match_headers(client, admin, project, households):
    import_areas("ma,ten,cap,ma_cha,hieu_luc_den\n00004-09,Thôn đã nhập,thon,00004,2025-06-30\n")
    assert "00004-09" not in registry_csv(project.id, "thon.csv").decode()
    assert "00004-01" in registry_csv(project.id, "thon.csv").decode()
    response = post_import(client, admin, project, "Mã hộ,Label,Thôn\nH1,Hộ 1,00004-01\n".encode(),
                           "?key=Mã hộ&addProperties=true")
    assert response.status_code == 200 and response.get_json()["propertiesAdded"] == ["ma_ho"]
