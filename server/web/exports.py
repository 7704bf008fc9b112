"""The desk's download buttons: the API's exports (server/exports/routes.py) under the desk's session, carrying the
table's filters, so a supervisor downloads exactly what she is looking at, within her areas."""

from ..db import writes_on_read
from ..exports import results_routes
from ..exports import routes as exports
from .blueprint import bp
from .session import signed_in

DOWNLOADS = {"csv.zip": exports.csv_zip_export, "csv": exports.csv_export, "xlsx": exports.xlsx_export,
             "kml": exports.kml_export, "geojson": exports.geojson_export}


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/download/media.zip")
@signed_in
@writes_on_read
def download_media(project_id, xml_form_id):
    return exports.media_export(project_id, xml_form_id)


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/download/"
        "submissions.<any('csv.zip', csv, xlsx, kml, geojson):kind>")
@signed_in
@writes_on_read  # the export's audit entry
def download(project_id, xml_form_id, kind):
    return DOWNLOADS[kind](project_id, xml_form_id)


@bp.get("/projects/<int:project_id>/download/results.<any(csv, xlsx):kind>")
@signed_in
@writes_on_read
def download_results(project_id, kind):
    """The project's results (?model=, ?period=, ?area=, ?lang=) as the API's results.csv or results.xlsx."""
    if kind == "csv":
        return results_routes.results_csv_export(project_id)
    return results_routes.results_xlsx_export(project_id)
