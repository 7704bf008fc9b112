"""Role × area limit × endpoint, over real HTTP: an area limit limits everything a user reads and writes.

The project has two communes, 00004 (hamlet 00004-01, with a boundary) and 00007 (hamlet 00007-01, with a
boundary). Households are registered in each. Submissions are placed at ingest: by their household's registry
entry, else by the hamlet holding their geopoint, else nowhere. A manager and a viewer are limited to commune
00004; an administrator and a second manager are not.
"""

import json

import pytest

from server.extensions import db
from tests.factories import assign, create_project, create_user, login
from tests.factories_registry import create_dataset, create_entity, feature_collection, import_areas, square
from tests.integration.test_bad_input import scoring_form_with_typed_fields, typed_hamlet
from tests.integration.test_openrosa import post_submission

FORM = "vi_du_diem"
IN_A = "21.005 105.805"  # inside hamlet 00004-01
IN_B = "21.105 105.905"  # inside hamlet 00007-01
NOWHERE = "10.0 106.0"


@pytest.fixture
def world(client):
    """Everything the matrix walks: ids, paths and each caller's headers."""
    create_user("admin@example.org", admin=True)
    admin = login(client, "admin@example.org")
    project = create_project("Tỉnh Thử")
    other_project = create_project("Tỉnh Khác")
    import_areas()
    boundaries = feature_collection(({"code": "00004-01"}, square(105.80, 21.00)),
                                    ({"code": "00007-01"}, square(105.90, 21.10)))
    response = client.post("/v1/areas/boundaries", data=json.dumps(boundaries),
                           headers={**admin, "Content-Type": "application/geo+json"})
    assert response.status_code == 200, response.get_json()
    dataset = create_dataset(project)
    household_a = create_entity(dataset, "Hộ Nguyễn Văn An", {"thon": "00004-01", "chu_ho": "Nguyễn Văn An"})
    household_b = create_entity(dataset, "Hộ Trần Thị Bình", {"thon": "00007-01", "chu_ho": "Trần Thị Bình"})
    assert client.post(f"/v1/projects/{project.id}/forms?publish=true", data=scoring_form_with_typed_fields(),
                       headers={**admin, "Content-Type": "application/vnd.openxmlformats-officedocument."
                                                         "spreadsheetml.sheet"}).status_code == 200
    users = {}
    for name, role, areas in (("manager_a", "manager", ["00004"]), ("viewer_a", "viewer", ["00004"]),
                              ("manager_all", "manager", [])):
        user = create_user(f"{name}@example.org")
        assign(user, role, project)
        if areas:
            response = client.put(f"/v1/projects/{project.id}/users/{user.actor_id}/areas", json={"areas": areas},
                                  headers=admin)
            assert response.status_code == 200, response.get_json()
        users[name] = login(client, f"{name}@example.org")
    users["admin"] = admin
    rest = f"/v1/projects/{project.id}/forms/{FORM}/submissions"
    xml_headers = {**admin, "Content-Type": "application/xml"}
    submissions = {"s_a": (household_a.uuid, IN_B), "s_gps": ("chua-dang-ky", IN_A),
                   "s_b": (household_b.uuid, IN_A), "s_none": ("chua-dang-ky-2", NOWHERE)}
    for instance_id, (subject, point) in submissions.items():
        response = client.post(rest, data=typed_hamlet(f"uuid:{instance_id}", subject, point=point),
                               headers=xml_headers)
        assert response.status_code == 200, response.get_json()
    return {"project": project, "other_project": other_project, "users": users, "rest": rest,
            "households": (household_a, household_b)}


SUBMISSION_READS = ["", ".xml", "/attachments", "/versions", "/comments", "/score"]
IN_AREA, OUT_OF_AREA = ("s_a", "s_gps"), ("s_b", "s_none")


@pytest.mark.parametrize("caller", ["admin", "manager_all", "manager_a", "viewer_a"])
def test_reading_submissions_is_limited_to_the_callers_areas(client, world, caller):
    headers, rest = world["users"][caller], world["rest"]
    limited = caller.endswith("_a")
    listed = client.get(rest, headers=headers)
    assert listed.status_code == 200
    expected = set(IN_AREA) if limited else set(IN_AREA + OUT_OF_AREA)
    assert {item["instanceId"].removeprefix("uuid:") for item in listed.get_json()} == expected
    for instance_id in IN_AREA + OUT_OF_AREA:
        for suffix in SUBMISSION_READS:
            response = client.get(f"{rest}/uuid:{instance_id}{suffix}", headers=headers)
            allowed = not limited or instance_id in IN_AREA
            assert response.status_code == (200 if allowed else 403), (caller, instance_id, suffix)
            if not allowed:
                assert response.get_json()["code"] == 403.1


@pytest.mark.parametrize("caller", ["admin", "manager_all", "manager_a", "viewer_a"])
def test_reviews_and_comments_are_limited_to_the_callers_areas(client, world, caller):
    headers, rest = world["users"][caller], world["rest"]
    may_update = caller != "viewer_a"
    for instance_id in IN_AREA + OUT_OF_AREA:
        allowed = may_update and (not caller.endswith("_a") or instance_id in IN_AREA)
        review = client.patch(f"{rest}/uuid:{instance_id}", json={"reviewState": "rejected"}, headers=headers)
        comment = client.post(f"{rest}/uuid:{instance_id}/comments", json={"body": "Ảnh mờ"}, headers=headers)
        assert (review.status_code, comment.status_code) == ((200, 200) if allowed else (403, 403)), (caller,
                                                                                                        instance_id)
    # a refused review changed nothing: the out-of-area submission is still counted for the administrator
    state = client.get(f"{rest}/uuid:s_b", headers=world["users"]["admin"]).get_json()["reviewState"]
    assert state == ("rejected" if not caller.endswith("_a") else None)


def test_a_limited_manager_files_over_rest_only_in_her_areas(client, world):
    manager, rest = {**world["users"]["manager_a"], "Content-Type": "application/xml"}, world["rest"]
    household_a, household_b = world["households"]
    outside = client.post(rest, data=typed_hamlet("uuid:rest-b", household_b.uuid, point=IN_B), headers=manager)
    assert outside.status_code == 403 and outside.get_json()["code"] == 403.1
    nowhere = client.post(rest, data=typed_hamlet("uuid:rest-none", "khong-ro", point=NOWHERE), headers=manager)
    assert nowhere.status_code == 403
    inside = client.post(rest, data=typed_hamlet("uuid:rest-a", household_a.uuid, point=IN_B), headers=manager)
    assert inside.status_code == 200
    # an edit that would move a submission out of her areas is refused and not kept
    edit = typed_hamlet("uuid:rest-a2", household_b.uuid, point=IN_B).replace(
        b"<meta>", b"<meta><deprecatedID>uuid:rest-a</deprecatedID>")
    assert client.put(f"{rest}/uuid:rest-a", data=edit, headers=manager).status_code == 403
    versions = client.get(f"{rest}/uuid:rest-a/versions", headers=world["users"]["admin"]).get_json()
    assert len(versions) == 1
    assert {item["instanceId"] for item in client.get(rest, headers=world["users"]["admin"]).get_json()} >= {
        "uuid:rest-a"} and "uuid:rest-b" not in {item["instanceId"] for item in
                                                 client.get(rest, headers=world["users"]["admin"]).get_json()}


def make_app_user(client, world, name, areas=None, headers=None):
    """An app user of the project, assigned to the form, with `areas` set by the administrator."""
    project, admin = world["project"], world["users"]["admin"]
    created = client.post(f"/v1/projects/{project.id}/app-users", json={"displayName": name},
                          headers=headers or admin)
    assert created.status_code == 200, created.get_json()
    body = created.get_json()
    assert client.post(f"/v1/projects/{project.id}/forms/{FORM}/assignments/app-user/{body['id']}",
                       headers=admin).status_code == 200
    if areas is not None:
        assert client.put(f"/v1/projects/{project.id}/app-users/{body['id']}/areas", json={"areas": areas},
                          headers=admin).status_code == 200
    return body["id"], f"/v1/key/{body['token']}/projects/{project.id}"


def test_an_app_user_outside_its_areas_is_answered_201_but_counts_only_once_approved(client, world):
    _, collect = make_app_user(client, world, "Tình nguyện viên thôn 1", ["00004"])
    household_b = world["households"][1]
    xml = typed_hamlet("uuid:collect-b", household_b.uuid, point=IN_B)
    assert post_submission(client, collect, xml).status_code == 201
    admin, project = world["users"]["admin"], world["project"]
    counted = {row["instanceId"] for row in client.get(f"/v1/projects/{project.id}/results",
                                                       headers=admin).get_json()}
    assert "uuid:collect-b" not in counted and "uuid:s_b" in counted
    flags = client.get(f"{world['rest']}/uuid:collect-b/flags", headers=admin).get_json()
    assert [(flag["kind"], flag["severity"], flag["evidence"]) for flag in flags] == [
        ("outside_volunteer_areas", "warning", {"area": "00007-01", "areaName": "Thôn Đông"})]
    assert "00007-01" in flags[0]["message"]["vi"]
    # the supervisor of commune 00004 cannot approve it; one without a limit can, and then it counts
    review = {"reviewState": "approved"}
    manager_a = world["users"]["manager_a"]
    assert client.patch(f"{world['rest']}/uuid:collect-b", json=review, headers=manager_a).status_code == 403
    assert client.patch(f"{world['rest']}/uuid:collect-b", json=review, headers=admin).status_code == 200
    counted = {row["instanceId"] for row in client.get(f"/v1/projects/{project.id}/results",
                                                       headers=admin).get_json()}
    assert "uuid:collect-b" in counted


def test_an_app_user_cannot_replace_anothers_submission_by_its_deprecated_id(client, world):
    _, collect = make_app_user(client, world, "Người lạ")
    household_a = world["households"][0]
    edit = typed_hamlet("uuid:takeover", household_a.uuid, point=IN_A).replace(
        b"<meta>", b"<meta><deprecatedID>uuid:s_a</deprecatedID>")
    response = post_submission(client, collect, edit)
    assert response.status_code == 403
    versions = client.get(f"{world['rest']}/uuid:s_a/versions", headers=world["users"]["admin"]).get_json()
    assert [item["instanceId"] for item in versions] == ["uuid:s_a"]
    # its own submission it may edit
    own = typed_hamlet("uuid:mine", household_a.uuid, point=IN_A)
    assert post_submission(client, collect, own).status_code == 201
    edit = typed_hamlet("uuid:mine-2", household_a.uuid, point=IN_A, adults="12").replace(
        b"<meta>", b"<meta><deprecatedID>uuid:mine</deprecatedID>")
    assert post_submission(client, collect, edit).status_code == 201


def test_registries_hold_only_the_callers_areas(client, world):
    project = world["project"]
    household_a, household_b = world["households"]
    base = f"/v1/projects/{project.id}/datasets/ho_gia_dinh"
    for caller, expected in (("manager_a", {household_a.uuid}), ("viewer_a", {household_a.uuid}),
                             ("manager_all", {household_a.uuid, household_b.uuid})):
        headers = world["users"][caller]
        listed = client.get(f"{base}/entities", headers=headers)
        assert {item["uuid"] for item in listed.get_json()} == expected, caller
        exported = client.get(f"{base}/entities.csv", headers=headers).get_data(as_text=True)
        assert (household_b.uuid in exported) == (household_b.uuid in expected), caller
        assert client.get(f"{base}/entities/{household_b.uuid}", headers=headers).status_code == (
            200 if household_b.uuid in expected else 403), caller


def test_a_limited_manager_manages_only_app_users_within_her_areas(client, world):
    project, manager_a = world["project"], world["users"]["manager_a"]
    everywhere, _ = make_app_user(client, world, "Không giới hạn")
    commune_b, commune_b_url = make_app_user(client, world, "Thôn Đông", ["00007"])
    hers, _ = make_app_user(client, world, "Tổ dân phố 1", ["00004-01"])
    commune_b_token = commune_b_url.split("/")[3]  # /v1/key/{token}/projects/{p}
    assert client.delete(f"/v1/sessions/{commune_b_token}", headers=manager_a).status_code == 403
    base = f"/v1/projects/{project.id}/app-users"
    assert {item["id"] for item in client.get(base, headers=manager_a).get_json()} == {hers}
    for actor_id in (everywhere, commune_b):
        for suffix in ("/qr.json", "/qr.png", "/areas"):
            assert client.get(f"{base}/{actor_id}{suffix}", headers=manager_a).status_code == 403, suffix
        assert client.delete(f"{base}/{actor_id}", headers=manager_a).status_code == 403
    assert client.get(f"{base}/{hers}/qr.json", headers=manager_a).status_code == 200
    assert client.get(f"{commune_b_url}/formList", headers={"X-OpenRosa-Version": "1.0"}).status_code == 200
    assert client.put(f"{base}/{hers}/areas", json={"areas": ["00007"]}, headers=manager_a).status_code == 403
    assert client.put(f"{base}/{hers}/areas", json={"areas": []}, headers=manager_a).status_code == 403
    assert client.put(f"{base}/{hers}/areas", json={"areas": ["00004-02"]}, headers=manager_a).status_code == 200
    created = client.post(base, json={"displayName": "Mới"}, headers=manager_a).get_json()
    areas = client.get(f"{base}/{created['id']}/areas", headers=manager_a).get_json()["areas"]
    assert [area["code"] for area in areas] == ["00004"]
    narrower = client.post(base, json={"displayName": "Hẹp", "areas": ["00004-01"]}, headers=manager_a).get_json()
    areas = client.get(f"{base}/{narrower['id']}/areas", headers=manager_a).get_json()["areas"]
    assert [area["code"] for area in areas] == ["00004-01"]
    wider = client.post(base, json={"displayName": "Rộng", "areas": ["00007"]}, headers=manager_a)
    assert wider.status_code == 403


def test_only_a_manager_without_an_area_limit_publishes_a_criteria_form(client, world):
    project = world["project"]
    draft = f"/v1/projects/{project.id}/forms/{FORM}/draft"
    assert client.post(draft, headers=world["users"]["admin"]).status_code == 200
    assert client.post(f"{draft}/publish?version=2", headers=world["users"]["manager_a"]).status_code == 403
    assert client.post(f"{draft}/publish?version=2", headers=world["users"]["manager_all"]).status_code == 200


def test_a_project_role_cannot_go_to_another_projects_app_user(client, world):
    other = world["other_project"]
    admin = world["users"]["admin"]
    app_user, _ = make_app_user(client, world, "Của dự án khác")
    response = client.post(f"/v1/projects/{other.id}/assignments/viewer/{app_user}", headers=admin)
    assert response.status_code == 404
    assert client.post(f"/v1/assignments/admin/{app_user}", headers=admin).status_code == 400


@pytest.mark.parametrize("caller", ["admin", "manager_a"])
def test_the_area_filter_works_for_limited_officers(client, world, caller):
    project = world["project"]
    for path in ("/results?area=00004", "/recognition?area=00004", "/results?area=01"):
        response = client.get(f"/v1/projects/{project.id}{path}", headers=world["users"][caller])
        assert response.status_code == 200, (path, response.get_json())
    db.session.rollback()


def test_a_limited_manager_writes_entities_only_in_her_areas(client, world):
    project, manager_a = world["project"], world["users"]["manager_a"]
    household_a = world["households"][0]
    base = f"/v1/projects/{project.id}/datasets/ho_gia_dinh/entities"
    outside = client.post(base, json={"label": "Hộ mới", "data": {"thon": "00007-01"}}, headers=manager_a)
    assert outside.status_code == 403
    nowhere = client.post(base, json={"label": "Hộ không thôn", "data": {}}, headers=manager_a)
    assert nowhere.status_code == 403
    inside = client.post(base, json={"label": "Hộ mới", "data": {"thon": "00004-02"}}, headers=manager_a)
    assert inside.status_code == 200
    bulk = {"entities": [{"label": "Hộ 1", "data": {"thon": "00004-01"}},
                         {"label": "Hộ 2", "data": {"thon": "00007-01"}}], "source": {"name": "tay.json"}}
    assert client.post(base, json=bulk, headers=manager_a).status_code == 403
    moved = client.patch(f"{base}/{household_a.uuid}?force=true", json={"data": {"thon": "00007-01"}},
                         headers=manager_a)
    assert moved.status_code == 403
    csv = "label,thon\nHộ nhập 1,00004-01\nHộ nhập 2,00007-01\n".encode()
    imported = client.post(f"{base}/import", data=csv, headers={**manager_a, "Content-Type": "text/csv"})
    assert imported.status_code == 403
    admin = world["users"]["admin"]
    labels = sorted(item["currentVersion"]["label"] for item in client.get(base, headers=admin).get_json())
    assert labels == sorted(["Hộ mới", "Hộ Nguyễn Văn An", "Hộ Trần Thị Bình"])
    thon = client.get(f"{base}/{household_a.uuid}", headers=admin).get_json()["currentVersion"]["data"]["thon"]
    assert thon == "00004-01"


def test_only_its_sender_tops_up_a_submissions_files(client, world):
    _, volunteer = make_app_user(client, world, "Người gửi")
    _, stranger = make_app_user(client, world, "Người lạ")
    household_a = world["households"][0]
    xml = typed_hamlet("uuid:with-photo", household_a.uuid, point=IN_A).replace(
        b"<anh_tu_sach/>", b"<anh_tu_sach>tu_sach.jpg</anh_tu_sach>")
    assert post_submission(client, volunteer, xml, files=[("tu_sach.jpg", b"\xff\xd8 that")]).status_code == 201
    replaced = post_submission(client, stranger, xml, files=[("tu_sach.jpg", b"\xff\xd8 gia mao")])
    assert replaced.status_code == 403
    photo = client.get(f"{world['rest']}/uuid:with-photo/attachments/tu_sach.jpg", headers=world["users"]["admin"])
    assert photo.data == b"\xff\xd8 that"
    assert post_submission(client, volunteer, xml, files=[("tu_sach.jpg", b"\xff\xd8 that")]).status_code == 201
