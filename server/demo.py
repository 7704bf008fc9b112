"""Demo data for `minhchung serve --demo`: an administrator, a project, the forms in xlsforms/, a synthetic
province with its boundaries and registries, an app user per hamlet who sees only that hamlet's lists in Collect,
a supervisor and a viewer each limited to one commune, and three weeks of the volunteers' submissions with their
photos and the supervisors' reviews, so that the desk has something to show on first start.

Everything here is synthetic and labelled so (server/demo_data.py, server/demo_submissions.py). The submissions go
through the same services as Collect's (read_submission_xml, receive_submission, review states, comments); only
their times are set afterwards, to the campaign's. Running it again changes nothing.
"""

import io
import multiprocessing
import os
import secrets
import string
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

import sqlalchemy as sa

from .appusers import queries as appuser_queries
from .appusers import service as appuser_service
from .areas import queries as area_queries
from .areas import service as area_service
from .audit.models import Audit
from .auth import queries as auth_queries
from .auth import service as auth_service
from .demo_data import PROVINCE, boundaries_geojson, synthetic_province
from .demo_submissions import instance_xml, plan_submissions, render_file
from .evidence.service import check_pending
from .extensions import db
from .forms import queries as form_queries
from .forms import service as form_service
from .forms.build import content_type_of, workbooks
from .projects import queries as project_queries
from .projects import service as project_service
from .registries import queries as registry_queries
from .registries import service as registry_service
from .submissions import queries as submission_queries
from .submissions import service as submission_service
from .tables import read_table

DEMO_ADMIN_EMAIL = "admin@minhchung.local"
DEMO_PROJECT_NAME = "Dự án mẫu — dữ liệu tổng hợp (Demo project, synthetic data)"


DEMO_APP_USER_NAME = "Tình nguyện viên mẫu (Demo volunteer)"
# (email, display name, role on the demo project, the one commune its work is limited to)
DEMO_SUPERVISOR = ("giamsat.hoabinh@minhchung.local", "Giám sát Xã Hòa Bình (mẫu)", "manager", "99001")
DEMO_VIEWER = ("xem.tanlap@minhchung.local", "Người xem Xã Tân Lập (mẫu)", "viewer", "99002")
DRAWING_PROCESSES = max(1, min(3, (os.cpu_count() or 2) - 1))  # leave a core to the one filing the submissions
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


class Demo(NamedTuple):
    email: str  # the administrator's; every demo account has the same password
    password: str
    project: object
    volunteer: object  # the app user of every area
    hamlet_volunteers: list
    supervisor: object  # a User, limited to DEMO_SUPERVISOR's commune
    viewer: object


@dataclass(frozen=True)
class Upload:
    """A file part as receive_submission reads it (werkzeug's FileStorage has the same two attributes)."""
    stream: object
    content_type: str


def load_demo(config):
    """Create the demo records if missing (see the module docstring); return a Demo."""
    email, password = DEMO_ADMIN_EMAIL, demo_password(config["DATA_DIR"])
    user = auth_queries.get_user_by_email(email)
    if user is None:
        user = auth_service.create_user(email, password, "Quản trị viên mẫu (Demo admin)")
        auth_service.assign_role(user.actor, "admin")
    project = next((p for p in project_queries.list_projects() if p.name == DEMO_PROJECT_NAME), None)
    if project is None:
        project = project_service.create_project(DEMO_PROJECT_NAME, "Dữ liệu mẫu, không phải số liệu thật. "
                                                 "Synthetic demo data, not real records.", by=user.actor)
    province = synthetic_province()
    planned = [] if has_submissions(project) else plan_submissions(province)
    pool = drawing_pool()
    try:
        photos = draw_ahead(pool, [file for item in planned for file in item.files])  # drawing starts now
        for path in workbooks():
            publish_workbook(project, path, config, user.actor)
        load_areas_and_registries(project, province, user.actor)
        load_boundaries(province, user.actor)
        volunteer = demo_app_user(project, user.actor)
        hamlet_volunteers = [demo_app_user(project, user.actor, f"TNV {name} (demo)", [code])
                             for code, name in province.hamlets]
        supervisor, viewer = (demo_user(project, account, password, user.actor)
                              for account in (DEMO_SUPERVISOR, DEMO_VIEWER))
        senders = {None: volunteer, **{code: key for (code, _), key in zip(province.hamlets, hamlet_volunteers)}}
        file_submissions(project, planned, photos, senders, {"admin": user.actor, "supervisor": supervisor.actor})
    finally:
        pool.shutdown(cancel_futures=True)
    check_pending(project.id)  # scored and checked for evidence before the first page opens
    db.session.commit()
    return Demo(email, password, project, volunteer, hamlet_volunteers, supervisor, viewer)


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


def load_boundaries(province, actor):
    """The province's, communes' and hamlets' boundaries, unless they are there (set once: setting them again
    would stamp every area as changed)."""
    area = area_queries.get_area_by_code(PROVINCE[0])
    if area is not None and area_queries.get_boundary_geojson(area.id) is None:
        area_service.import_boundaries(boundaries_geojson(province), match_property="code", by=actor)


def demo_user(project, account, password, admin):
    """A web user with a role on the demo project, limited to one commune (made once)."""
    email, name, role, commune = account
    user = auth_queries.get_user_by_email(email)
    if user is None:
        user = auth_service.create_user(email, password, name, by=admin)
        auth_service.assign_role(user.actor, role, project.id, by=admin)
        area_service.set_user_areas(project.id, user.actor, [commune], by=admin)
    return user


def has_submissions(project):
    return any(submission_queries.list_submissions_by_form(form.id)
               for form in form_queries.list_forms_by_project(project.id))


def drawing_pool(workers=DRAWING_PROCESSES):
    """Processes to draw the photos in: they need CPU that the thread filing the submissions (which holds the
    GIL) does not use. Forked, so they start at once and import nothing; threads where there is no fork."""
    if "fork" in multiprocessing.get_all_start_methods():
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    return ThreadPoolExecutor(workers)


def draw_ahead(pool, files, ahead=160):
    """The bytes of `files` in order, each drawn on `pool` (demo_submissions.render_file, pure) up to `ahead`
    files before it is asked for; the first ones start at once, while the forms are published, so that a photo
    is mostly ready when its submission is filed (and at most `ahead` of them, some 20 MB, wait in memory)."""
    files = iter(files)
    pending = deque(pool.submit(render_file, file) for file in islice(files, ahead))

    def drawn():
        while pending:
            data = pending.popleft().result()
            pending.extend(pool.submit(render_file, file) for file in islice(files, 1))
            yield data
    return drawn()


def file_submissions(project, planned, photos, senders, reviewers):
    """Send the planned submissions with their photos (`photos`: the files' bytes, in order), each by the app user
    `senders` gives for its hamlet (None: the volunteer of every area), then review them."""
    forms = {form.xml_form_id: form for form in form_queries.list_forms_by_project(project.id)}
    for item in planned:
        files = {file.name: Upload(io.BytesIO(next(photos)), file.content_type) for file in item.files}
        send_submission(project.id, forms[item.xml_form_id], item, files, senders[item.hamlet])
    review_submissions(project.id, forms, planned, reviewers)


def send_submission(project_id, form, item, files, volunteer):
    """One planned submission (demo_submissions.py), sent as Collect sends it by the volunteer's phone."""
    xml = instance_xml(form.current_def.xml.encode(), item.answers, item.instance_id, item.instance_name)
    sender = submission_service.Sender(volunteer.actor_id, item.phone.device_id, item.phone.user_agent, "field_key")
    submission_service.receive_submission(project_id, submission_service.read_submission_xml(xml), xml, files, sender)


def review_submissions(project_id, forms, planned, reviewers):
    """Date the filed submissions as the campaign's phones sent them (not when the demo loaded), then review
    them as the supervisor of their commune (the administrator elsewhere) and make the planned correction."""
    filed = {submission.instance_id: (submission, current) for form in forms.values()
             for submission, current in submission_queries.list_submissions_by_form(form.id)}
    for item in planned:
        submission, current = filed[item.instance_id]
        submission.created_at = current.created_at = item.received_at
        date_audits(submission.id, item.received_at)
        if item.review is None:
            continue
        reviewer = reviewers["supervisor" if item.commune == DEMO_SUPERVISOR[3] else "admin"]
        submission_service.set_review_state(submission, item.review.state, reviewer)
        submission.updated_at = item.review.at
        if item.review.comment:
            submission_service.add_comment(submission, item.review.comment, reviewer).created_at = item.review.at
        date_audits(submission.id, item.review.at)
        if item.edit:
            edit_submission(project_id, forms[item.xml_form_id], item, reviewer)
            submission.updated_at = submission_queries.get_current_def(submission.id).created_at = item.edited_at
            date_audits(submission.id, item.edited_at)


def date_audits(submission_id, at):
    """Give the submission's audit entries written just now (by the demo) the time the campaign made them, so
    that its history reads in order."""
    db.session.flush()
    db.session.execute(sa.update(Audit).where(Audit.actee_type == "submission", Audit.actee_id == str(submission_id),
                                              Audit.logged_at > at).values(logged_at=at))


def edit_submission(project_id, form, item, editor):
    """The correction a supervisor makes in the browser: Enketo's edit sends the whole new version, its
    meta/deprecatedID naming the version it replaces (the photos are carried over by name)."""
    xml = instance_xml(form.current_def.xml.encode(), {**item.answers, **item.edit}, item.edit_instance_id,
                       item.instance_name, deprecated_id=item.instance_id)
    submission_service.receive_submission(project_id, submission_service.read_submission_xml(xml), xml, {},
                                          submission_service.Sender(editor.id, None, BROWSER, "user"))


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
    # No ODK Validate here: these workbooks pass it in tests/unit/test_forms_in_sync.py, and running Java six times
    # would double the time a newcomer waits for `serve --demo`.
    options = form_service.UploadOptions(content_type_of(path), path.stem, ignore_warnings=True, validate=False,
                                         max_unzipped=config["MAX_XLSX_UNZIPPED_BYTES"])
    definition = form_service.read_definition(path.read_bytes(), options)
    if form_queries.get_form_by_project_and_xml_form_id(project.id, definition.info.xml_form_id) is None:
        form_service.create_form(project, definition, publish=True, by=actor)


def demo_password(data_dir):
    """The demo administrator's password, generated once and kept (mode 0600) in the data directory."""
    path = data_dir / "demo-admin-password"
    if not path.exists():
        # letters and digits only: a password that starts with "-" reads as an option to shell tools
        alphabet = string.ascii_letters + string.digits
        path.write_text("".join(secrets.choice(alphabet) for _ in range(16)))
        path.chmod(0o600)
    return path.read_text().strip()
