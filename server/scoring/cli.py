"""`minhchung rescore`: score every submission version that has no score under its form version yet."""

import click
from flask.cli import with_appcontext


@click.command("rescore")
@click.option("--project", "project_ids", type=int, multiple=True, help="Only this project (repeatable).")
@with_appcontext
def rescore(project_ids):
    """Score what is pending (new submissions, edits, every result of a form whose new version was published),
    printing progress; idempotent."""
    from ..cli import commit_or_fail
    from ..projects import queries as project_queries
    from .scores import score_pending

    def work():
        projects = project_ids or [project.id for project in project_queries.list_projects()]
        return {project_id: score_pending(project_id, on_batch=lambda done, project_id=project_id: click.echo(
            f"project {project_id}: {done} scored so far")) for project_id in projects}

    for project_id, count in commit_or_fail(work).items():
        click.echo(f"project {project_id}: {count} submission version(s) scored")


COMMANDS = (rescore,)
