"""Sending a stored file to a client: one rule for form media and submission photos alike."""

from flask import send_file

from .service import open_blob

# Shown inline (Central does so for images since v2026.1); SVG can carry script, so it is downloaded instead.
INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/heic", "image/heif")


def blob_download(blob, name, content_type):
    """The file with a strong ETag (its md5); raster images inline, everything else as an attachment."""
    content_type = content_type or "application/octet-stream"
    response = send_file(open_blob(blob), mimetype=content_type, download_name=name,
                         as_attachment=content_type not in INLINE_TYPES, etag=blob.md5)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
