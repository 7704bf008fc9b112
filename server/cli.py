"""The `minhchung` command: a Flask CLI group, so `flask --app server …` runs the same commands."""

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from .errors import AppError
from .extensions import db


def register_commands(app):
    for command in (serve, user_create, user_promote, user_set_password, project_create, role_assign, app_user_create,
                    forms_build):
        app.cli.add_command(command)
    from .areas.cli import COMMANDS as area_commands
    from .registries.cli import COMMANDS as registry_commands
    from .scoring.cli import COMMANDS as scoring_commands
    for command in (*area_commands, *registry_commands, *scoring_commands):
        app.cli.add_command(command)


def main():
    cli = FlaskGroup(create_app=create_app_or_exit, help="Minh Chứng: evidence server (ODK Central-compatible).")
    cli(prog_name="minhchung")


def create_app_or_exit():
    """A configuration mistake is one sentence on stderr and exit status 1, not a traceback."""
    from . import create_app
    from .config import ConfigError
    try:
        return create_app()
    except ConfigError as error:
        fail(str(error))


def fail(message):
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def read_password():
    password = os.environ.get("MINHCHUNG_PASSWORD")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def prepare_database():
    """Bring the database to the latest migration and check it (PostGIS on PostgreSQL), or exit with why."""
    from .database import DatabaseNotReady, check_database_ready, upgrade_database
    try:
        upgrade_database()
        check_database_ready()
    except DatabaseNotReady as error:
        fail(str(error))
    except Exception as error:  # a driver error while migrating: say what, not a traceback
        fail(f"cannot prepare the database: {error.__class__.__name__}: {str(error).splitlines()[0]}")


def commit_or_fail(work, on_error=None):
    """Prepare the database, run `work()` and commit; a catalogue error is printed as a sentence (or
    handed to `on_error`, which prints more and exits)."""
    prepare_database()
    try:
        result = work()
        db.session.commit()
        return result
    except AppError as error:
        db.session.rollback()
        (on_error or (lambda problem: fail(problem.message)))(error)


@click.command("user-create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Make the user a site administrator.")
@click.option("--name", "display_name", help="Display name (defaults to the email).")
@with_appcontext
def user_create(email, admin, display_name):
    """Create a user; the password comes from MINHCHUNG_PASSWORD or a prompt."""
    from .auth import service
    password = read_password()

    def work():
        user = service.create_user(email, password, display_name)
        if admin:
            service.assign_role(user.actor, "admin")
        return user

    user = commit_or_fail(work)
    click.echo(f"Created user {user.email} (id {user.actor_id}){' as administrator' if admin else ''}.")


@click.command("user-promote")
@click.argument("email")
@with_appcontext
def user_promote(email):
    """Make an existing user a site administrator."""
    from .auth import queries, service
    prepare_database()
    user = queries.get_user_by_email(email) or fail(f"no user with email {email}")
    commit_or_fail(lambda: service.assign_role(user.actor, "admin"))
    click.echo(f"{email} is now an administrator.")


@click.command("user-set-password")
@click.argument("email")
@with_appcontext
def user_set_password(email):
    """Set a user's password (from MINHCHUNG_PASSWORD or a prompt)."""
    from .auth import queries, service
    prepare_database()
    user = queries.get_user_by_email(email) or fail(f"no user with email {email}")
    password = read_password()
    commit_or_fail(lambda: service.set_password(user, password))
    click.echo(f"Password changed for {email}.")


@click.command("project-create")
@click.argument("name")
@click.option("--description", default=None)
@with_appcontext
def project_create(name, description):
    """Create a project and print its id."""
    from .projects import service
    project = commit_or_fail(lambda: service.create_project(name, description))
    click.echo(f"Created project {project.id}: {project.name}")


@click.command("role-assign")
@click.argument("email")
@click.argument("role")
@click.option("--project", "project_id", type=int, help="Project id; without it the role is site-wide.")
@with_appcontext
def role_assign(email, role, project_id):
    """Give a user a role (admin, manager, viewer, formfill), site-wide or on one project."""
    from .auth import queries, service
    from .projects import queries as project_queries
    prepare_database()
    user = queries.get_user_by_email(email) or fail(f"no user with email {email}")
    if project_id is not None and project_queries.get_project(project_id) is None:
        fail(f"no project with id {project_id}")
    granted = commit_or_fail(lambda: service.assign_role(user.actor, role, project_id))
    click.echo(f"{email} is now {granted.name}" + (f" on project {project_id}." if project_id else " site-wide."))


@click.command("app-user-create")
@click.argument("project_id", type=int)
@click.argument("display_name")
@click.option("--form", "xml_form_ids", multiple=True, help="xmlFormId of a form it may fill; repeat for more.")
@click.option("--base-url", help="This server's address as phones reach it (default: MINHCHUNG_BASE_URL).")
@click.option("--managed", is_flag=True,
              help="Collect keeps exactly the assigned forms and sends finished ones at once.")
@with_appcontext
def app_user_create(project_id, display_name, xml_form_ids, base_url, managed):
    """Create an app user of a project, give it forms, and print its ODK Collect QR code and URL."""
    from .appusers import qr, service
    from .forms import queries as form_queries
    from .projects import queries as project_queries
    base_url = (base_url or current_app.config["PUBLIC_BASE_URL"] or "").rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        fail("give --base-url (the address phones reach this server at, e.g. http://192.168.1.10:8383) "
             "or set MINHCHUNG_BASE_URL.")
    prepare_database()
    project = project_queries.get_project(project_id) or fail(f"no project with id {project_id}")
    forms = [form_queries.get_form_by_project_and_xml_form_id(project.id, xml_form_id)
             or fail(f"no form {xml_form_id} in project {project_id}") for xml_form_id in xml_form_ids]

    def work():
        field_key = service.create_app_user(project, display_name)
        for form in forms:
            service.assign_form_role(form, field_key.actor, "app-user")
        return field_key

    field_key = commit_or_fail(work)
    server_url = qr.key_server_url(base_url, field_key.token, project.id)
    click.echo(f"Created app user {field_key.actor_id} ({field_key.actor.display_name}) in project {project.id}: "
               f"{project.name}; forms: {', '.join(xml_form_ids) or 'none yet'}.")
    click.echo(f"Server URL: {server_url}")
    click.echo(f"Token: {field_key.token}")
    click.echo("Scan in ODK Collect (Add project > Scan QR code). "
               "Anyone holding this code can submit as this app user.")
    qr.qr_terminal(qr.encode_settings(qr.collect_settings(server_url, project.name, managed)), sys.stdout)


@click.command("forms-build")
@click.option("--check", is_flag=True, help="Only report XForms in forms/ that differ from xlsforms/.")
def forms_build(check):
    """Convert every workbook in xlsforms/ into forms/<formID>.xml (pyxform + ODK Validate)."""
    from .forms.build import XFORM_DIR, build_xforms, drifted_xforms
    built = build_xforms()
    drifted = drifted_xforms(built)
    if check:
        if drifted:
            fail("forms/ is out of date with xlsforms/: " + ", ".join(drifted) + ". Run 'minhchung forms-build'.")
        click.echo(f"forms/ matches xlsforms/ ({len(built)} forms).")
        return
    XFORM_DIR.mkdir(exist_ok=True)
    for name in drifted:
        target = XFORM_DIR / name
        if name in built:
            target.write_bytes(built[name])
        else:
            target.unlink()
        click.echo(f"wrote forms/{name}" if name in built else f"removed forms/{name}")
    click.echo(f"{len(built)} forms built.")


@click.command("serve")
@click.option("--demo", is_flag=True, help="Load the demo project, forms and administrator first.")
@click.option("--host", default=lambda: os.environ.get("MINHCHUNG_HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("MINHCHUNG_PORT", 8383)), type=int, show_default="8383")
@click.option("--workers", default=lambda: int(os.environ.get("MINHCHUNG_WORKERS", 2)), type=int, show_default="2")
@click.option("--threads", default=lambda: int(os.environ.get("MINHCHUNG_THREADS", 4)), type=int, show_default="4")
@with_appcontext
def serve(demo, host, port, workers, threads):
    """Migrate the database, optionally load demo data, and serve with gunicorn (a production WSGI server)."""
    app = current_app._get_current_object()
    prepare_database()
    from .blobs.store import LocalBlobStore
    LocalBlobStore(app.config["BLOB_DIR"]).remove_stale_incoming()  # left by a crash mid-upload
    address = f"http://{host}:{port}"
    if demo:
        from .demo import DEMO_SUPERVISOR, DEMO_VIEWER, load_demo
        loaded = load_demo(app.config)
        project, volunteer, hamlet_volunteers = loaded.project, loaded.volunteer, loaded.hamlet_volunteers
        click.echo(f"Demo data loaded. Administrator: {loaded.email}  password: {loaded.password}")
        for role, user, (*_, commune) in (("Supervisor", loaded.supervisor, DEMO_SUPERVISOR),
                                          ("Viewer", loaded.viewer, DEMO_VIEWER)):
            click.echo(f"  {role} (commune {commune} only): {user.email}  password: {loaded.password}")
        click.echo(f"  Supervisors' desk: {address}/login  (any of these accounts)")
        from .appusers import qr
        collect_url = qr.key_server_url(app.config["PUBLIC_BASE_URL"] or address, volunteer.token, project.id)
        click.echo(f"ODK Collect (demo volunteer, every area): server URL {collect_url}")
        click.echo(f"  QR code to scan: {address}/v1/projects/{project.id}/app-users/{volunteer.actor_id}/qr.png "
                   "(log in as the administrator), or run 'minhchung app-user-create'.")
        click.echo(f"  One volunteer per hamlet ({len(hamlet_volunteers)}), each seeing only that hamlet's lists; "
                   f"QR codes at {address}/v1/projects/{project.id}/app-users/<id>/qr.png:")
        for key in hamlet_volunteers:
            click.echo(f"    {key.actor_id:>4}  {key.actor.display_name}")
    db.session.remove()
    db.engine.dispose()  # workers open their own connections after the fork
    click.echo(f"Minh Chứng is listening on {address}  (health: {address}/health, API: {address}/v1)")
    run_gunicorn(app, f"{host}:{port}", workers, threads)


def run_gunicorn(app, bind, workers, threads):
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            for key, value in {"bind": bind, "workers": workers, "threads": threads, "worker_class": "gthread",
                               "timeout": 120, "accesslog": "-", "preload_app": True,
                               "control_socket_disable": True}.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    Server().run()
