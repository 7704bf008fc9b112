from tests.factories import create_project, create_user, login


def test_admin_creates_updates_archives_and_deletes_projects(client):
    create_user("admin@example.org", admin=True)
    admin = login(client, "admin@example.org")
    created = client.post("/v1/projects", json={"name": "Tỉnh Thái Bình", "description": "Kế hoạch 2022–2025"},
                          headers=admin)
    assert created.status_code == 200
    body = created.get_json()
    assert {"id", "name", "description", "archived", "keyId", "createdAt", "updatedAt", "deletedAt"} <= set(body)
    updated = client.patch(f"/v1/projects/{body['id']}", json={"name": "Thái Bình", "archived": True}, headers=admin)
    assert updated.get_json()["name"] == "Thái Bình" and updated.get_json()["archived"] is True
    extended = client.get(f"/v1/projects/{body['id']}", headers={**admin, "X-Extended-Metadata": "true"}).get_json()
    assert extended["forms"] == 0 and "form.create" in extended["verbs"]
    assert client.delete(f"/v1/projects/{body['id']}", headers=admin).status_code == 200
    assert client.get(f"/v1/projects/{body['id']}", headers=admin).status_code == 404


def test_project_errors(client):
    create_user("admin@example.org", admin=True)
    create_user("an@example.org")
    admin = login(client, "admin@example.org")
    assert client.post("/v1/projects", json={}, headers=admin).get_json()["code"] == 400.2
    assert client.post("/v1/projects", json={"name": 5}, headers=admin).status_code == 400
    assert client.post("/v1/projects", json={"name": "x"},
                       headers=login(client, "an@example.org")).get_json()["code"] == 403.1
    assert client.get("/v1/projects/9999", headers=admin).get_json()["code"] == 404.1
    assert client.get("/v1/nowhere", headers=admin).get_json()["code"] == 404.1


def test_admin_role_cannot_be_given_on_one_project(client):
    create_user("admin@example.org", admin=True)
    an = create_user("an@example.org")
    project = create_project()
    response = client.post(f"/v1/projects/{project.id}/assignments/admin/{an.actor_id}",
                           headers=login(client, "admin@example.org"))
    assert response.status_code == 400
    assert client.get("/v1/users", headers=login(client, "an@example.org")).status_code == 403


def test_nul_characters_are_refused_not_a_server_error(client):
    create_user("admin@example.org", admin=True)
    admin = login(client, "admin@example.org")
    assert client.post("/v1/sessions",
                       json={"email": "a\x00@example.org", "password": "x" * 12}).get_json()["code"] == 400.8
    project = create_project()
    renamed = client.patch(f"/v1/projects/{project.id}", json={"name": "Xã\x00"}, headers=admin)
    assert renamed.status_code == 400 and renamed.get_json()["code"] == 400.8
    assert client.get(f"/v1/projects/{project.id}", headers=admin).get_json()["name"] == project.name
    assert client.post(f"/v1/projects/{project.id}/forms/x/draft/publish?version=1%00",
                       headers=admin).status_code == 400
