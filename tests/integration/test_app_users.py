"""App users as a project manager drives them through Central's API, and as ODK Collect then uses their token."""

import re

import pytest
import requests
from pyodk._endpoints.project_app_users import ProjectAppUser
from pyodk.client import Client

from server.appusers.qr import decode_payload
from tests.factories import PASSWORD, assign, create_project, create_user, login, simple_form, upload_form
from tests.integration.test_live_server import run_cli


def app_users_url(project, suffix=""):
    return f"/v1/projects/{project.id}/app-users{suffix}"


def create_app_user(client, headers, project, name="Tình nguyện viên thôn Một"):
    response = client.post(app_users_url(project), json={"displayName": name}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def assignment_url(project, form_id, role, actor_id):
    return f"/v1/projects/{project.id}/forms/{form_id}/assignments/{role}/{actor_id}"


def key_url(token, project, suffix):
    return f"/v1/key/{token}/projects/{project.id}{suffix}"


@pytest.fixture
def forms(client, admin, project):
    """Two published forms in the project."""
    for form_id in ("ho_gia_dinh", "dong_ho"):
        assert upload_form(client, admin, project.id, simple_form(form_id), publish=True).status_code == 200
    return ("ho_gia_dinh", "dong_ho")


@pytest.fixture
def manager(client, project):
    """Headers of a manager of `project` (not an administrator)."""
    user = create_user("quanly@example.org")
    assign(user, "manager", project)
    return login(client, "quanly@example.org")


def test_create_and_list_with_every_key_pyodk_needs(client, manager, project):
    created = create_app_user(client, manager, project)
    assert ProjectAppUser(**created)  # pyodk's own model accepts it
    assert {"projectId", "id", "displayName", "createdAt", "type", "token", "updatedAt", "deletedAt"} <= set(created)
    identity = (created["projectId"], created["type"], created["displayName"])
    assert identity == (project.id, "field_key", "Tình nguyện viên thôn Một")
    assert re.fullmatch(r"[A-Za-z0-9_-]{64}", created["token"])

    second = create_app_user(client, manager, project, "Thôn Hai")
    listed = client.get(app_users_url(project), headers=manager).get_json()
    assert [item["id"] for item in listed] == [second["id"], created["id"]]  # newest first, as Central lists
    assert listed[1] == created
    assert all(ProjectAppUser(**item) for item in listed)


def test_extended_listing_says_who_created_it_and_when_it_was_used(client, manager, project):
    created = create_app_user(client, manager, project)
    extended = client.get(app_users_url(project), headers={**manager, "X-Extended-Metadata": "true"}).get_json()
    me = client.get("/v1/users/current", headers=manager).get_json()
    assert extended[0]["createdBy"]["id"] == me["id"] and extended[0]["createdBy"]["displayName"] == me["displayName"]
    assert extended[0]["lastUsed"] is None
    assert "createdBy" not in client.get(app_users_url(project), headers=manager).get_json()[0]
    # lastUsed is its latest audited action (Central's definition); an app user may revoke itself
    assert client.delete(f"/v1/key/{created['token']}/sessions/current").status_code == 200
    extended = client.get(app_users_url(project), headers={**manager, "X-Extended-Metadata": "true"}).get_json()
    assert extended[0]["token"] is None and extended[0]["lastUsed"].endswith("Z")


def test_display_name_is_required(client, manager, project):
    missing = client.post(app_users_url(project), json={}, headers=manager)
    assert missing.status_code == 400 and missing.get_json()["code"] == 400.2
    blank = client.post(app_users_url(project), json={"displayName": "   "}, headers=manager)
    assert blank.status_code == 400


def test_only_managers_of_the_project_manage_its_app_users(client, admin, project):
    created = create_app_user(client, admin, project)
    other = create_project("Xã Khác")
    outsider = create_user("khac@example.org")
    assign(outsider, "manager", other)
    viewer = create_user("xem@example.org")
    assign(viewer, "viewer", project)
    for headers in (login(client, "khac@example.org"), login(client, "xem@example.org")):
        assert client.get(app_users_url(project), headers=headers).status_code == 403
        assert client.post(app_users_url(project), json={"displayName": "x"}, headers=headers).status_code == 403
        assert client.get(app_users_url(project, f"/{created['id']}/qr.json"), headers=headers).status_code == 403
        assert client.delete(app_users_url(project, f"/{created['id']}"), headers=headers).status_code == 403
        assert client.delete(f"/v1/sessions/{created['token']}", headers=headers).status_code == 403
    assert client.get(app_users_url(project)).status_code == 401
    assert client.get(app_users_url(other), headers=admin).get_json() == []
    assert client.get(f"/v1/projects/{other.id}/app-users/{created['id']}/qr.json", headers=admin).status_code == 404


def test_token_reads_only_assigned_forms(client, manager, project, forms):
    app_user = create_app_user(client, manager, project)
    token = app_user["token"]
    assert client.get(key_url(token, project, "/forms/ho_gia_dinh.xml")).status_code == 403
    assigned = client.post(assignment_url(project, "ho_gia_dinh", 2, app_user["id"]), headers=manager)
    assert assigned.get_json() == {"success": True}
    xml = client.get(key_url(token, project, "/forms/ho_gia_dinh.xml"))
    assert xml.status_code == 200 and b"chu_ho" in xml.data
    assert client.get(key_url(token, project, "/forms/dong_ho.xml")).status_code == 403
    assert client.get(f"/v1/projects/{project.id}/forms/ho_gia_dinh.xml?st={token}").status_code == 200
    # an app user manages nothing
    assert client.get(key_url(token, project, "/app-users")).status_code == 403
    assert client.post(key_url(token, project, f"/forms/dong_ho/assignments/2/{app_user['id']}")).status_code == 403

    assert client.post(assignment_url(project, "dong_ho", "app-user", app_user["id"]),
                       headers=manager).status_code == 200
    assert client.get(key_url(token, project, "/forms/dong_ho.xml")).status_code == 200
    assert client.delete(assignment_url(project, "dong_ho", "app-user", app_user["id"]),
                         headers=manager).status_code == 200
    assert client.get(key_url(token, project, "/forms/dong_ho.xml")).status_code == 403


def test_form_assignments_list_and_are_idempotent(client, manager, project, forms):
    first = create_app_user(client, manager, project)
    second = create_app_user(client, manager, project, "Thôn Hai")
    for role in (2, "app-user"):
        assert client.post(assignment_url(project, "ho_gia_dinh", role, first["id"]),
                           headers=manager).status_code == 200
    client.post(assignment_url(project, "dong_ho", 2, second["id"]), headers=manager)
    on_form = client.get(f"/v1/projects/{project.id}/forms/ho_gia_dinh/assignments", headers=manager).get_json()
    assert on_form == [{"actorId": first["id"], "roleId": 2}]
    by_role = client.get(f"/v1/projects/{project.id}/forms/ho_gia_dinh/assignments/app-user", headers=manager)
    assert by_role.get_json() == on_form
    everywhere = client.get(f"/v1/projects/{project.id}/assignments/forms", headers=manager).get_json()
    assert everywhere == [{"actorId": first["id"], "roleId": 2, "xmlFormId": "ho_gia_dinh"},
                          {"actorId": second["id"], "roleId": 2, "xmlFormId": "dong_ho"}]
    assert client.get(f"/v1/projects/{project.id}/assignments/forms/2", headers=manager).get_json() == everywhere
    assert client.get(f"/v1/projects/{project.id}/assignments/forms/manager", headers=manager).get_json() == []

    removed = client.delete(assignment_url(project, "ho_gia_dinh", 2, first["id"]), headers=manager)
    assert removed.get_json() == {"success": True}
    assert client.delete(assignment_url(project, "ho_gia_dinh", 2, first["id"]), headers=manager).status_code == 404
    assert client.get(f"/v1/projects/{project.id}/forms/ho_gia_dinh/assignments", headers=manager).get_json() == []


def test_assignment_refuses_unknown_and_foreign_actors(client, admin, project, forms):
    other = create_project("Xã Khác")
    foreign = create_app_user(client, admin, other)
    mine = create_app_user(client, admin, project)
    for url in (assignment_url(project, "ho_gia_dinh", 2, 99999), assignment_url(project, "khong_co", 2, mine["id"]),
                assignment_url(project, "ho_gia_dinh", "no-such-role", mine["id"]),
                assignment_url(project, "ho_gia_dinh", 2, foreign["id"])):
        response = client.post(url, headers=admin)
        assert response.status_code == 404 and response.get_json()["code"] == 404.1, url
    as_manager = client.post(assignment_url(project, "ho_gia_dinh", "manager", mine["id"]), headers=admin)
    assert as_manager.status_code == 400
    user = create_user("thu@example.org")
    assert client.post(assignment_url(project, "ho_gia_dinh", 2, user.actor_id), headers=admin).status_code == 200
    assert client.post(assignment_url(project, "ho_gia_dinh", "admin", user.actor_id), headers=admin).status_code == 400


def test_project_manager_revokes_a_token(client, manager, project, forms):
    app_user = create_app_user(client, manager, project)
    client.post(assignment_url(project, "ho_gia_dinh", 2, app_user["id"]), headers=manager)
    assert client.get(key_url(app_user["token"], project, "/forms/ho_gia_dinh.xml")).status_code == 200

    assert client.delete(f"/v1/sessions/{app_user['token']}", headers=manager).get_json() == {"success": True}
    assert client.get(key_url(app_user["token"], project, "/forms/ho_gia_dinh.xml")).status_code == 401
    assert client.get(f"/v1/projects/{project.id}/forms/ho_gia_dinh.xml?st={app_user['token']}").status_code == 401
    listed = client.get(app_users_url(project), headers=manager).get_json()
    assert [(item["id"], item["token"]) for item in listed] == [(app_user["id"], None)]
    assert client.delete(f"/v1/sessions/{app_user['token']}", headers=manager).status_code == 404
    qr = client.get(app_users_url(project, f"/{app_user['id']}/qr.png"), headers=manager)
    assert qr.status_code == 404 and "revoked" in qr.get_json()["message"]


def test_revoked_app_users_list_after_active_ones(client, admin, project):
    old = create_app_user(client, admin, project, "Cũ")
    revoked = create_app_user(client, admin, project, "Thu hồi")
    newest = create_app_user(client, admin, project, "Mới")
    client.delete(f"/v1/sessions/{revoked['token']}", headers=admin)
    listed = client.get(app_users_url(project), headers=admin).get_json()
    assert [item["id"] for item in listed] == [newest["id"], old["id"], revoked["id"]]


def test_delete_app_user(client, manager, project, forms):
    app_user = create_app_user(client, manager, project)
    client.post(assignment_url(project, "ho_gia_dinh", 2, app_user["id"]), headers=manager)
    assert client.delete(app_users_url(project, f"/{app_user['id']}"), headers=manager).get_json() == {"success": True}
    assert client.get(app_users_url(project), headers=manager).get_json() == []
    assert client.get(key_url(app_user["token"], project, "/forms/ho_gia_dinh.xml")).status_code == 401
    assert client.get(f"/v1/projects/{project.id}/assignments/forms", headers=manager).get_json() == []
    assert client.delete(app_users_url(project, f"/{app_user['id']}"), headers=manager).status_code == 404
    assert client.post(assignment_url(project, "ho_gia_dinh", 2, app_user["id"]), headers=manager).status_code == 404


def test_qr_json_is_centrals_collect_payload(client, manager, project):
    app_user = create_app_user(client, manager, project)
    response = client.get(app_users_url(project, f"/{app_user['id']}/qr.json"), headers=manager)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    server_url = f"http://localhost/v1/key/{app_user['token']}/projects/{project.id}"
    expected = {"general": {"server_url": server_url}, "project": {"name": "Xã Thử Nghiệm"}, "admin": {}}
    assert body["serverUrl"] == server_url and body["settings"] == expected
    assert body["payload"].startswith("eJ") and decode_payload(body["payload"]) == expected

    managed = client.get(app_users_url(project, f"/{app_user['id']}/qr.json?managed=true"), headers=manager).get_json()
    assert decode_payload(managed["payload"])["general"] == {
        "server_url": server_url, "form_update_mode": "match_exactly", "autosend": "wifi_and_cellular"}


def test_qr_server_url_follows_proxy_headers_and_configuration(client, manager, project, app, monkeypatch):
    app_user = create_app_user(client, manager, project)
    url = app_users_url(project, f"/{app_user['id']}/qr.json")
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)  # one proxy in front, as MINHCHUNG_TRUSTED_PROXIES=1
    proxied = client.get(url, headers={**manager, "X-Forwarded-Proto": "https",
                                       "X-Forwarded-Host": "minhchung.example.vn"})
    assert proxied.get_json()["serverUrl"].startswith("https://minhchung.example.vn/v1/key/")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://evidence.example.vn/odk")
    configured = client.get(url, headers=manager).get_json()["serverUrl"]
    assert configured == f"https://evidence.example.vn/odk/v1/key/{app_user['token']}/projects/{project.id}"


def test_qr_png_and_svg(client, manager, project):
    app_user = create_app_user(client, manager, project)
    png = client.get(app_users_url(project, f"/{app_user['id']}/qr.png"), headers=manager)
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    assert png.data.startswith(b"\x89PNG\r\n\x1a\n") and png.headers["Cache-Control"] == "no-store"
    svg = client.get(app_users_url(project, f"/{app_user['id']}/qr.svg"), headers=manager)
    assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg+xml")
    assert svg.data.lstrip().startswith(b"<svg") and svg.data.rstrip().endswith(b"</svg>")
    assert client.get(app_users_url(project, "/99999/qr.svg"), headers=manager).status_code == 404


def test_every_change_is_audited(client, admin, project, forms):
    app_user = create_app_user(client, admin, project)
    client.post(assignment_url(project, "ho_gia_dinh", 2, app_user["id"]), headers=admin)
    client.delete(assignment_url(project, "ho_gia_dinh", 2, app_user["id"]), headers=admin)
    client.delete(f"/v1/sessions/{app_user['token']}", headers=admin)
    client.delete(app_users_url(project, f"/{app_user['id']}"), headers=admin)
    entries = client.get("/v1/audits?action=field_key", headers=admin).get_json()
    assert [entry["action"] for entry in reversed(entries)] == [
        "field_key.create", "field_key.assignment.create", "field_key.assignment.delete", "field_key.session.end",
        "field_key.delete"]
    assert {entry["acteeId"] for entry in entries} == {str(app_user["id"])}
    assert entries[3]["details"]["xmlFormId"] == "ho_gia_dinh" and entries[3]["details"]["roleId"] == 2


def test_logging_out_a_user_is_unchanged(client, manager):
    """Ending a web user's session stays as it was: one's own, or an administrator's doing."""
    other = create_user("khac@example.org")
    token = client.post("/v1/sessions", json={"email": other.email, "password": PASSWORD}).get_json()["token"]
    assert client.delete(f"/v1/sessions/{token}", headers=manager).status_code == 403
    assert client.delete(f"/v1/sessions/{token}", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_cli_creates_an_app_user_and_prints_its_qr_code(tmp_path):
    assert run_cli(["project-create", "Xã Một"], {}, tmp_path).returncode == 0
    created = run_cli(["app-user-create", "1", "Thôn Một", "--base-url", "http://192.168.1.10:8383/"], {}, tmp_path)
    assert created.returncode == 0, created.stderr
    url = re.search(r"Server URL: (\S+)", created.stdout).group(1)
    token = re.search(r"Token: (\S+)", created.stdout).group(1)
    assert url == f"http://192.168.1.10:8383/v1/key/{token}/projects/1"
    assert "▀" in created.stdout and "▄" in created.stdout  # the QR code, drawn with half blocks

    no_form = run_cli(["app-user-create", "1", "Thôn Hai", "--form", "khong_co", "--base-url", "http://x"],
                      {}, tmp_path)
    assert no_form.returncode == 1 and "no form khong_co" in no_form.stderr
    no_url = run_cli(["app-user-create", "1", "Thôn Hai"], {"MINHCHUNG_BASE_URL": ""}, tmp_path)
    assert no_url.returncode == 1 and "--base-url" in no_url.stderr and "Traceback" not in no_url.stderr
    assert "app-user-create" in run_cli(["--help"], {}, tmp_path).stdout


@pytest.mark.slow
def test_pyodk_creates_app_users_with_forms_and_collect_reads_with_the_token(live_server, tmp_path):
    headers = live_server.login()
    project = requests.post(f"{live_server.url}/v1/projects", json={"name": "pyodk app users"}, headers=headers,
                            timeout=10).json()
    form = requests.post(f"{live_server.url}/v1/projects/{project['id']}/forms?publish=true", data=simple_form(),
                         headers={**headers,
                                  "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
                         timeout=60)
    assert form.status_code == 200, form.text
    config = tmp_path / "pyodk_config.toml"
    config.write_text(f'[central]\nbase_url = "{live_server.url}"\nusername = "admin@minhchung.local"\n'
                      f'password = "{live_server.admin_password}"\ndefault_project_id = {project["id"]}\n')
    with Client(config_path=str(config), cache_path=str(tmp_path / "cache.toml")) as pyodk:
        users = pyodk.projects.create_app_users(display_names=["Thôn Một", "Thôn Hai"], forms=["ho_gia_dinh"])
        assert [user.displayName for user in users] == ["Thôn Một", "Thôn Hai"]
        # pyodk skips names that already have a live token
        assert list(pyodk.projects.create_app_users(display_names=["Thôn Một"])) == []
    for user in users:
        xml = requests.get(f"{live_server.url}/v1/key/{user.token}/projects/{project['id']}/forms/ho_gia_dinh.xml",
                           timeout=10)
        assert xml.status_code == 200 and b"chu_ho" in xml.content
