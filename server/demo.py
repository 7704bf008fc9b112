"""Demo data for `minhchung serve --demo`: an administrator, a project, the forms in xlsforms/, a synthetic
province with its registries, and an app user per hamlet who sees only that hamlet's lists in Collect.

Everything here is synthetic and labelled so (server/demo_data.py). Running it again changes nothing.
"""

import secrets

from .appusers import queries as appuser_queries
from .appusers import service as appuser_service
from .areas import service as area_service
from .auth import queries as auth_queries
from .auth import service as auth_service
from .demo_data import synthetic_province
from .extensions import db
from .forms import queries as form_queries
from .forms import service as form_service
from .forms.build import content_type_of, workbooks
from .projects import queries as project_queries
from .projects import service as project_service
from .registries import queries as registry_queries
from .registries import service as registry_service
from .tables import read_table

DEMO_ADMIN_EMAIL = "admin@minhchung.local"
DEMO_PROJECT_NAME = "Dự án mẫu — dữ liệu tổng hợp (Demo project, synthetic data)"


DEMO_APP_USER_NAME = "Tình nguyện viên mẫu (Demo volunteer)"


def load_demo(config):
    """Create the demo records if missing; return (email, password, project, demo app user)."""
    email, password = DEMO_ADMIN_EMAIL, demo_password(config["DATA_DIR"])
    user = auth_queries.get_user_by_email(email)
    if user is None:
        user = auth_service.create_user(email, password, "Quản trị viên mẫu (Demo admin)")
        auth_service.assign_role(user.actor, "admin")
    project = next((p for p in project_queries.list_projects() if p.name == DEMO_PROJECT_NAME), None)
    if project is None:
        project = project_service.create_project(DEMO_PROJECT_NAME, "Dữ liệu mẫu, không phải số liệu thật. "
                                                 "Synthetic demo data, not real records.", by=user.actor)
    for path in workbooks():
        publish_workbook(project, path, config, user.actor)
    province = synthetic_province()
    load_areas_and_registries(project, province, user.actor)
    volunteer = demo_app_user(project, user.actor)
    hamlet_volunteers = [demo_app_user(project, user.actor, f"TNV {name} (demo)", [code])
                         for code, name in province.hamlets]
    db.session.commit()
    return email, password, project, volunteer, hamlet_volunteers


def load_areas_and_registries(project, province, actor):
    """The synthetic province's areas (upserted by code) and its registries (each made once)."""
    area_service.import_areas(read_table(province.areas_csv.encode(), "text/csv", 1 << 20), by=actor, source="demo")
    for name, (properties, entities) in province.registries.items():
        if registry_queries.get_dataset(project.id, name) is not None:
            continue
        dataset = registry_service.create_dataset(project, name, by=actor)
        registry_service.add_properties(dataset, properties, by=actor)
        registry_service.create_entities(dataset, [(e.uuid, e.label, e.data) for e in entities],
                                         {"name": "minhchung demo (synthetic)"}, by=actor)


def demo_app_user(project, admin, name=DEMO_APP_USER_NAME, area_codes=()):
    """An app user assigned to every demo form, so ODK Collect can be tried at once; with area codes, its
    registry lists are cut to those areas (without, it sees every area, as in Central)."""
    volunteer = next((key for key in appuser_queries.list_field_keys(project.id)
                      if key.actor.display_name == name and key.token), None)
    if volunteer is None:
        volunteer = appuser_service.create_app_user(project, name, by=admin)
        if area_codes:
            area_service.set_app_user_areas(volunteer, list(area_codes), by=admin)
    for form in form_queries.list_forms_by_project(project.id):
        appuser_service.assign_form_role(form, volunteer.actor, "app-user", by=admin)
    return volunteer


def publish_workbook(project, path, config, actor):
    """Publish a workbook unless its form is there (named by the file, as xlsforms/ does: no conversion then)."""
    if form_queries.get_form_by_project_and_xml_form_id(project.id, path.stem) is not None:
        return
    options = form_service.UploadOptions(content_type_of(path), path.stem, ignore_warnings=True,
                                         validate=config["ODK_VALIDATE"],
                                         max_unzipped=config["MAX_XLSX_UNZIPPED_BYTES"])
    definition = form_service.read_definition(path.read_bytes(), options)
    if form_queries.get_form_by_project_and_xml_form_id(project.id, definition.info.xml_form_id) is None:
        form_service.create_form(project, definition, publish=True, by=actor)


def demo_password(data_dir):
    """The demo administrator's password, generated once and kept (mode 0600) in the data directory."""
    path = data_dir / "demo-admin-password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()
