"""`minhchung areas-import FILE` and `minhchung areas-boundaries FILE.geojson`."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..forms.xlsform import XLS_CONTENT_TYPE, XLSX_CONTENT_TYPE

CONTENT_TYPES = {".csv": "text/csv", ".xlsx": XLSX_CONTENT_TYPE, ".xls": XLS_CONTENT_TYPE}


def content_type_of(path):
    from ..cli import fail
    content_type = CONTENT_TYPES.get(Path(path).suffix.lower())
    if content_type is None:
        fail(f"{path}: give a .csv (UTF-8) or .xlsx file.")
    return content_type


def read_file_table(path, what):
    """The file as a Table, or exit with the reason (and the row) on stderr."""
    from ..cli import fail
    from ..tables import TableError, read_table
    try:
        return read_table(Path(path).read_bytes(), content_type_of(path), current_app.config["MAX_XLSX_UNZIPPED_BYTES"])
    except TableError as error:
        fail(f"{path}: the {what} cannot be read" + (f" (row {error.row})" if error.row else "") + f": {error.message}")


def fail_with_problems(error):
    """Print a catalogue error with its per-row (or per-feature) problems, then exit 1."""
    from ..cli import fail
    for item in (error.details or {}).get("errors", []):
        where = f"row {item['row']}" if "row" in item else f"feature {item.get('feature')}"
        column = f", {item['column']}" if item.get("column") else ""
        click.echo(f"  {where}{column}: {item['message']}", err=True)
    fail(error.message)


def run(work):
    """Prepare the database, run `work()`, commit; print catalogue errors with their details."""
    from ..cli import commit_or_fail
    return commit_or_fail(work, on_error=fail_with_problems)


@click.command("areas-import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def areas_import(path):
    """Create or update areas from a CSV or XLSX list (columns ma, ten, cap, ma_cha, ma_huyen_cu); idempotent."""
    from . import service
    table = read_file_table(path, "area list")
    counts = run(lambda: service.import_areas(table, source=Path(path).name))
    click.echo(f"Areas: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged.")
    if counts["ignoredColumns"]:
        click.echo(f"Ignored columns: {', '.join(counts['ignoredColumns'])}")


@click.command("areas-boundaries")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--property", "match_property", help="Feature property holding the area code (default: code, ma, …).")
@with_appcontext
def areas_boundaries(path, match_property):
    """Set area boundaries from a GeoJSON FeatureCollection of Polygons/MultiPolygons."""
    from . import service
    counts = run(lambda: service.import_boundaries(Path(path).read_bytes(), match_property))
    click.echo(f"Boundaries set for {counts['updated']} areas.")


COMMANDS = (areas_import, areas_boundaries)
