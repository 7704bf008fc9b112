"""Factories for tests: records made through the same services the API uses, and XLSForms from markdown."""

import base64
import io

from openpyxl import Workbook

from server.auth import service as auth_service
from server.extensions import db
from server.projects import service as project_service

PASSWORD = "correct horse battery"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def create_user(email="user@example.org", password=PASSWORD, admin=False):
    user = auth_service.create_user(email, password)
    if admin:
        auth_service.assign_role(user.actor, "admin")
    db.session.commit()
    return user


def create_project(name="Xã Thử Nghiệm"):
    project = project_service.create_project(name)
    db.session.commit()
    return project


def assign(user, role, project):
    auth_service.assign_role(user.actor, role, project.id)
    db.session.commit()


def login(client, email, password=PASSWORD):
    response = client.post("/v1/sessions", json={"email": email, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def basic(email, password=PASSWORD):
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()}


def xlsx_from_markdown(markdown: str) -> bytes:
    """Write an XLSForm given as pyxform-style markdown tables into real .xlsx bytes.

    | survey |      |      |       |
    |        | type | name | label |
    |        | text | q1   | Q1    |
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet = None
    for line in markdown.strip().splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if all(set(cell) <= set("-: ") for cell in cells):
            continue
        if cells[0]:
            sheet = workbook.create_sheet(cells[0])
            continue
        sheet.append(cells[1:])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def simple_form(form_id="ho_gia_dinh", version="1", extra_rows=""):
    return xlsx_from_markdown(f"""
    | survey   |           |          |                  |
    |          | type      | name     | label            |
    |          | text      | chu_ho   | Họ tên chủ hộ    |
    |          | integer   | so_nguoi | Số thành viên    |
    {extra_rows}
    | settings |           |          |                  |
    |          | form_id   | version  | form_title       |
    |          | {form_id} | {version} | Hộ gia đình     |
    """)


def upload_form(client, headers, project_id, body, publish=False, content_type=XLSX, **params):
    query = "&".join([f"publish={'true' if publish else 'false'}"] + [f"{k}={v}" for k, v in params.items()])
    return client.post(f"/v1/projects/{project_id}/forms?{query}", data=body,
                       headers={**headers, "Content-Type": content_type})


def create_app_user_directly(project, name="Tình nguyện viên", forms=()):
    """An app user (token session + form assignments) made from the models, for OpenRosa tests."""
    import secrets
    from datetime import datetime, timezone

    from server.appusers.models import FieldKey, FormAssignment
    from server.auth.models import Actor, Session

    token = secrets.token_urlsafe(48)
    actor = Actor(type="field_key", display_name=name)
    db.session.add(actor)
    db.session.flush()
    db.session.add(FieldKey(actor_id=actor.id, project_id=project.id, token=token))
    db.session.add(Session(token_hash=auth_service.hash_token(token), actor_id=actor.id,
                           expires_at=datetime(9999, 1, 1, tzinfo=timezone.utc)))
    for form_id in forms:
        db.session.add(FormAssignment(actor_id=actor.id, form_id=form_id, role_id=2))
    db.session.commit()
    return actor, token


def instance_xml(form_id="ho_gia_dinh", version="1", instance_id="uuid:00000000-0000-4000-8000-000000000001",
                 body="<chu_ho>Nguyễn Văn An</chu_ho><so_nguoi>4</so_nguoi>", meta_extra=""):
    return (f'<?xml version="1.0" ?><data id="{form_id}" version="{version}" xmlns:orx="http://openrosa.org/xforms">'
            f'{body}<meta><instanceID>{instance_id}</instanceID>{meta_extra}</meta></data>').encode()
