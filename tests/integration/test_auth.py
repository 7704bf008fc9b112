"""Sessions, users and roles as pyodk and Central's docs use them."""

from tests.factories import PASSWORD, basic, create_project, create_user, login


def test_login_returns_central_session_shape_and_token_works(client):
    create_user("an@example.org")
    response = client.post("/v1/sessions", json={"email": "an@example.org", "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"token", "expiresAt", "createdAt"}
    assert body["expiresAt"].endswith("Z") and len(body["token"]) >= 60
    me = client.get("/v1/users/current", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["email"] == "an@example.org"
    assert {"id", "type", "displayName", "createdAt", "updatedAt", "deletedAt"} <= set(me.get_json())


def test_wrong_password_and_unknown_email_are_the_same_401(client):
    create_user("an@example.org")
    wrong = client.post("/v1/sessions", json={"email": "an@example.org", "password": "nope nope nope"})
    unknown = client.post("/v1/sessions", json={"email": "who@example.org", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json() == {
        "code": 401.2, "message": "Could not authenticate with the provided credentials."}


def test_logout_revokes_the_token(client):
    create_user("an@example.org")
    headers = login(client, "an@example.org")
    token = headers["Authorization"].split()[1]
    assert client.delete(f"/v1/sessions/{token}", headers=headers).get_json() == {"success": True}
    assert client.get("/v1/users/current", headers=headers).status_code == 401


def test_admin_revokes_another_users_token_but_a_user_cannot(client):
    create_user("admin@example.org", admin=True)
    create_user("an@example.org")
    create_user("binh@example.org")
    admin, an, binh = (login(client, email) for email in ("admin@example.org", "an@example.org", "binh@example.org"))
    an_token = an["Authorization"].split()[1]
    assert client.delete(f"/v1/sessions/{an_token}", headers=binh).status_code == 403
    assert client.get("/v1/users/current", headers=an).status_code == 200
    assert client.delete(f"/v1/sessions/{an_token}", headers=admin).status_code == 200
    assert client.get("/v1/users/current", headers=an).status_code == 401


def test_no_credentials_is_401_and_garbage_bearer_is_401(client):
    assert client.get("/v1/projects").get_json()["code"] == 401.2
    assert client.get("/v1/projects", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/v1/projects", headers={"Authorization": "Digest x"}).status_code == 401


def test_basic_auth_only_over_https_honouring_x_forwarded_proto_only_from_trusted_proxies(client, app, monkeypatch):
    create_user("an@example.org")
    plain = client.get("/v1/users/current", headers=basic("an@example.org"))
    assert plain.status_code == 401 and plain.get_json()["code"] == 401.3
    claimed = client.get("/v1/users/current", headers={**basic("an@example.org"), "X-Forwarded-Proto": "https"})
    assert claimed.status_code == 401 and claimed.get_json()["code"] == 401.3  # no proxy is trusted by default
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    proxied = client.get("/v1/users/current", headers={**basic("an@example.org"), "X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200
    secure = client.get("/v1/users/current", headers=basic("an@example.org"), base_url="https://localhost")
    assert secure.status_code == 200
    bad = client.get("/v1/users/current", headers=basic("an@example.org", "wrong password"), base_url="https://localhost")
    assert bad.status_code == 401


def test_only_admins_create_users_and_passwords_are_hashed(client, database):
    create_user("admin@example.org", admin=True)
    create_user("an@example.org")
    body = {"email": "new@example.org", "password": "mật khẩu đủ dài"}
    assert client.post("/v1/users", json=body, headers=login(client, "an@example.org")).status_code == 403
    created = client.post("/v1/users", json=body, headers=login(client, "admin@example.org"))
    assert created.status_code == 200 and created.get_json()["email"] == "new@example.org"
    query = database.text("SELECT password_hash FROM users WHERE email='new@example.org'")
    stored = database.session.execute(query).scalar()
    assert "mật khẩu" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    assert client.post("/v1/sessions", json=body).status_code == 200


def test_user_creation_errors(client):
    create_user("admin@example.org", admin=True)
    admin = login(client, "admin@example.org")
    assert client.post("/v1/users", json={"email": "admin@example.org", "password": "x" * 12},
                       headers=admin).get_json()["code"] == 409.3
    assert client.post("/v1/users", json={"email": "short@example.org", "password": "short"},
                       headers=admin).get_json()["code"] == 400.21
    assert client.post("/v1/users", json={"email": "not an email"}, headers=admin).status_code == 400
    assert client.post("/v1/users", json={"password": "x" * 12}, headers=admin).get_json()["code"] == 400.2
    assert client.post("/v1/users", data="{not json",
                       headers={**admin, "Content-Type": "application/json"}).get_json()["code"] == 400.1


def test_users_see_themselves_admins_see_everyone(client):
    create_user("admin@example.org", admin=True)
    an = create_user("an@example.org")
    binh = create_user("binh@example.org")
    assert client.get(f"/v1/users/{binh.actor_id}", headers=login(client, "an@example.org")).status_code == 403
    assert client.get(f"/v1/users/{an.actor_id}", headers=login(client, "an@example.org")).status_code == 200
    assert client.get("/v1/users", headers=login(client, "an@example.org")).status_code == 403
    listed = client.get("/v1/users", headers=login(client, "admin@example.org")).get_json()
    assert [user["email"] for user in listed] == ["admin@example.org", "an@example.org", "binh@example.org"]


def test_password_change_requires_the_old_password(client):
    an = create_user("an@example.org")
    headers = login(client, "an@example.org")
    wrong = client.put(f"/v1/users/{an.actor_id}/password", json={"old": "wrong wrong", "new": "a new long password"},
                       headers=headers)
    assert wrong.status_code == 401
    ok = client.put(f"/v1/users/{an.actor_id}/password", json={"old": PASSWORD, "new": "a new long password"},
                    headers=headers)
    assert ok.status_code == 200
    assert client.post("/v1/sessions",
                       json={"email": "an@example.org", "password": "a new long password"}).status_code == 200


def test_roles_listed_with_central_ids(client):
    create_user("an@example.org")
    roles = client.get("/v1/roles", headers=login(client, "an@example.org")).get_json()
    assert {role["system"]: role["id"] for role in roles}["app-user"] == 2
    assert {"admin", "manager", "viewer", "formfill"} <= {role["system"] for role in roles}


def test_project_roles_grant_access_to_that_project_only(client):
    create_user("admin@example.org", admin=True)
    an = create_user("an@example.org")
    mine, other = create_project("Xã A"), create_project("Xã B")
    admin = login(client, "admin@example.org")
    assert client.post(f"/v1/projects/{mine.id}/assignments/viewer/{an.actor_id}", headers=admin).status_code == 200
    headers = login(client, "an@example.org")
    assert [p["id"] for p in client.get("/v1/projects", headers=headers).get_json()] == [mine.id]
    assert client.get(f"/v1/projects/{mine.id}", headers=headers).status_code == 200
    assert client.get(f"/v1/projects/{other.id}", headers=headers).status_code == 403
    assert client.patch(f"/v1/projects/{mine.id}", json={"name": "x"}, headers=headers).status_code == 403
    assigned = client.get(f"/v1/projects/{mine.id}/assignments", headers=admin).get_json()
    assert {"actorId": an.actor_id, "roleId": 4} in assigned
    assert client.delete(f"/v1/projects/{mine.id}/assignments/4/{an.actor_id}", headers=admin).status_code == 200
    assert client.get(f"/v1/projects/{mine.id}", headers=headers).status_code == 403
