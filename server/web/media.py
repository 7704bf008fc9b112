"""A submission's files at the desk: thumbnails made once on the server (blobs/thumbnails.py) and the originals,
with the same rights and area checks as the API's …/attachments/{name}."""

from flask import request

from .. import errors
from ..blobs.models import Blob
from ..blobs.responses import blob_download
from ..blobs.thumbnails import SIZES, thumbnail_of
from ..db import writes_on_read
from ..extensions import db
from ..http import submission_or_404
from ..params import int_param
from ..submissions import queries
from .blueprint import bp
from .session import signed_in


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>/files/<name>")
@signed_in
@writes_on_read  # the first request for a size stores the thumbnail
def submission_file(project_id, xml_form_id, instance_id, name):
    """The file of the current version: ?size=240 or 1280 for a thumbnail (a photo made small, EXIF orientation
    applied, metadata dropped), else the original (?download=1 as an attachment). :raise 404.1: no such file, or
    no thumbnail can be made of it."""
    _, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    attachment = queries.get_attachment(queries.get_current_def(submission.id).id, name)
    if attachment is None or attachment.blob is None:
        raise errors.not_found()
    size = int_param("size")
    if size is None:
        response = blob_download(attachment.blob, attachment.name, attachment.content_type)
        if request.args.get("download") == "1":
            response.headers["Content-Disposition"] = response.headers["Content-Disposition"].replace(
                "inline", "attachment", 1)
        return response
    if size not in SIZES:
        raise errors.not_found()
    thumbnail = thumbnail_of(attachment.blob, attachment.content_type, size)
    if thumbnail is None:
        raise errors.not_found()
    response = blob_download(db.session.get(Blob, thumbnail.thumb_blob_id), f"{size}-{attachment.name}.jpg",
                             "image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response

