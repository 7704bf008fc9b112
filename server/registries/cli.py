"""`minhchung registry-import PROJECT_ID DATASET FILE`: load a household, clan, unit or citizen registry."""

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("registry-import")
@click.argument("project_id", type=int)
@click.argument("dataset_name")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--key", help="Column that identifies an entity (a property such as ma_ho, or 'name' for UUIDs); "
                            "rows whose key is already there update that entity instead of adding one.")
@click.option("--by", "email", help="The user recorded as making the change (default: the first administrator).")
@with_appcontext
def registry_import(project_id, dataset_name, path, key, email):
    """Create or update the entities of entity list DATASET from a CSV (UTF-8) or XLSX file.

    Columns: label, then one per property (e.g. thon, chu_ho, so_thanh_vien); an optional name column of
    entity UUIDs. The entity list and any new properties are created as needed.
    """
    from ..areas.cli import read_file_table, run
    from ..auth import queries as auth_queries
    from ..cli import fail, prepare_database
    from ..projects import queries as project_queries
    from . import importing, queries, service
    table = read_file_table(path, "registry")
    prepare_database()
    project = project_queries.get_project(project_id) or fail(f"no project with id {project_id}")
    user = auth_queries.get_user_by_email(email) if email else None
    if email and user is None:
        fail(f"no user with email {email}")
    actor = user.actor if user else queries.first_administrator()

    def work():
        dataset = (queries.get_dataset(project.id, dataset_name)
                   or service.create_dataset(project, dataset_name, by=actor))
        return importing.import_entities(dataset, table, key, add_properties=True, by=actor,
                                         user_agent="minhchung registry-import", source={"name": Path(path).name})

    counts = run(work)
    click.echo(f"{dataset_name}: {counts['created']} created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged.")
    if counts["propertiesAdded"]:
        click.echo(f"Properties added: {', '.join(counts['propertiesAdded'])}")


COMMANDS = (registry_import,)
