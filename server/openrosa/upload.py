"""The body ODK Collect POSTs to /submission: multipart/form-data with the instance XML in the part
`xml_submission_file` and one part per file, named by the file's name.

Parsed with `multipart`'s push parser, which finds the delimiter with bytes.find. Werkzeug's parser
compiles two regular expressions per boundary, and Collect sends a fresh boundary with every request:
that was a fifth of the server's CPU per submission. Each part is spooled: kept in memory while it is
small and the request's parts in memory stay under MEMORY_BYTES, else written to a temporary file, so
no upload is held whole in memory. The request stream enforces the body limit (413).
"""

from dataclasses import dataclass
from tempfile import SpooledTemporaryFile
from typing import BinaryIO

import multipart
from werkzeug.http import parse_options_header

from .. import errors

XML_PART = "xml_submission_file"
MAX_XML_BYTES = 20 * 1024 * 1024
SPOOL_BYTES = 512 * 1024  # as Werkzeug: a part up to this size may stay in memory…
MEMORY_BYTES = 4 * 1024 * 1024  # …while the request's parts in memory stay under this
MAX_PARTS = 1000  # as Werkzeug's max_form_parts
CHUNK = 64 * 1024


@dataclass(frozen=True)
class UploadedFile:
    stream: BinaryIO
    content_type: str


def read_submission_upload(stream: BinaryIO, content_type: str | None,
                           content_length: int | None) -> tuple[bytes, dict[str, UploadedFile]]:
    """(instance XML bytes, {part name: UploadedFile}) from a submission body; the XML part may be a file
    or a plain field. :raise 400.7: not multipart, or no xml_submission_file, :raise 400.1: malformed,
    :raise 413.1: the XML part is over MAX_XML_BYTES."""
    mimetype, options = parse_options_header(content_type or "")
    if mimetype != "multipart/form-data" or not options.get("boundary"):
        raise errors.missing_multipart_field(field=XML_PART)
    parts = parse_parts(stream, options["boundary"], content_length)
    xml_part = parts.pop(XML_PART, None)
    if xml_part is None:
        raise errors.missing_multipart_field(field=XML_PART)
    xml = xml_part.stream.read(MAX_XML_BYTES + 1)
    if len(xml) > MAX_XML_BYTES:
        raise errors.body_too_large(limit=MAX_XML_BYTES)
    return xml, parts


def parse_parts(stream: BinaryIO, boundary: str, content_length: int | None) -> dict[str, UploadedFile]:
    """{name: UploadedFile}, each rewound; the last part of a name wins (as Werkzeug's dict of files).
    :raise 400.1: malformed or over MAX_PARTS parts."""
    parts, segment, part, in_memory = {}, None, None, 0
    parser = multipart.PushMultipartParser(boundary, -1 if content_length is None else content_length,
                                           max_segment_count=MAX_PARTS)
    try:
        for event in parser.parse_blocking(stream.read, CHUNK):
            if isinstance(event, multipart.MultipartSegment):
                segment = event
                content_type = segment.content_type or "application/octet-stream"
                part = UploadedFile(SpooledTemporaryFile(SPOOL_BYTES), content_type)
            elif event:
                part.stream.write(event)
            else:
                in_memory = settle(part.stream, segment.size, in_memory)
                parts[segment.name] = part
    except multipart.MultipartError as error:
        raise errors.unparseable(length=content_length or 0, format=f"multipart/form-data ({error})") from None
    return parts


def settle(spooled: SpooledTemporaryFile, size: int, in_memory: int) -> int:
    """Rewind a finished part of `size` bytes, moving it to disk if it would take the request past
    MEMORY_BYTES in memory (a larger one is there already); return the bytes now held in memory."""
    if size <= SPOOL_BYTES:
        if in_memory + size > MEMORY_BYTES:
            spooled.rollover()
        else:
            in_memory += size
    spooled.seek(0)
    return in_memory
