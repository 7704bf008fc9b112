"""server/openrosa/upload.py: the multipart body ODK Collect POSTs, read into the XML and its files."""

import io
import tracemalloc

import pytest

from server.errors import AppError
from server.openrosa.upload import MAX_PARTS, MEMORY_BYTES, SPOOL_BYTES, read_submission_upload

XML = '<data id="ho_gia_dinh"><anh>anh.jpg</anh></data>'.encode()


def body(parts, boundary="b0undary", end=True):
    """A multipart/form-data body as okhttp writes it: (name, filename or None, content type, bytes) per part."""
    chunks = []
    for name, filename, content_type, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
                      .encode() + content + b"\r\n")
    return b"".join(chunks) + (f"--{boundary}--\r\n".encode() if end else b"")


def read(data, content_type="multipart/form-data; boundary=b0undary", length=True):
    return read_submission_upload(io.BytesIO(data), content_type, len(data) if length else None)


def problem(call):
    with pytest.raises(AppError) as raised:
        call()
    return raised.value


def test_the_xml_and_each_file_part_come_back_by_name_rewound_with_their_type():
    photo = bytes(range(256)) * 1000 + b"\r\n--b0undar"  # binary, with a near-delimiter inside
    xml, files = read(body([("xml_submission_file", "instance.xml", "text/xml", XML),
                            ("anh.jpg", "anh.jpg", "image/jpeg", photo)]))
    assert xml == XML
    assert list(files) == ["anh.jpg"]
    assert files["anh.jpg"].content_type == "image/jpeg" and files["anh.jpg"].stream.read() == photo


def test_the_xml_may_come_as_a_plain_field_and_without_a_length_chunked():
    xml, files = read(body([("xml_submission_file", None, "text/xml; charset=utf-8", XML)]), length=False)
    assert xml == XML and files == {}


def test_a_file_part_without_a_type_is_octet_stream_and_the_last_of_a_name_wins():
    xml, files = read(body([("xml_submission_file", "i.xml", "text/xml", XML), ("anh.jpg", "anh.jpg", "", b"first"),
                            ("anh.jpg", "anh.jpg", "", b"second")]).replace(b"Content-Type: \r\n", b""))
    assert files["anh.jpg"].content_type == "application/octet-stream" and files["anh.jpg"].stream.read() == b"second"


@pytest.mark.parametrize("content_type", ["text/xml", "multipart/form-data", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_multipart_with_a_boundary_is_400_7(content_type):
    error = problem(lambda: read(XML, content_type))
    assert error.code == 400.7 and "xml_submission_file" in error.message


def test_no_xml_part_is_400_7():
    assert problem(lambda: read(body([("anh.jpg", "anh.jpg", "image/jpeg", b"x")]))).code == 400.7


@pytest.mark.parametrize("broken", [
    body([("xml_submission_file", "i.xml", "text/xml", XML)], end=False),  # cut off before the closing delimiter
    b"no delimiter anywhere",
    b"--b0undary\r\nContent-Disposition: form-data; name=\"xml_submission_file\"\r\n" + b"X-Pad: y\r\n" * 20 + b"\r\n",
])
def test_a_malformed_body_is_400_1(broken):
    error = problem(lambda: read(broken))
    assert error.code == 400.1 and "multipart/form-data" in error.message


def test_more_parts_than_allowed_is_400_1():
    parts = [("xml_submission_file", "i.xml", "text/xml", XML)] + [(f"f{k}.jpg", f"f{k}.jpg", "image/jpeg", b"x")
                                                                   for k in range(MAX_PARTS)]
    assert problem(lambda: read(body(parts))).code == 400.1


def test_many_photos_in_one_request_are_spooled_to_disk_so_memory_stays_bounded():
    photo_count, photo = 40, b"\xff\xd8" + b"\x00" * (SPOOL_BYTES - 1024)  # each under the spool size: 20 MB in all
    data = body([("xml_submission_file", "i.xml", "text/xml", XML)]
                + [(f"{k}.jpg", f"{k}.jpg", "image/jpeg", photo) for k in range(photo_count)])
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        _, files = read_submission_upload(stream, "multipart/form-data; boundary=b0undary", len(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(files) == photo_count and all(upload.stream.read() == photo for upload in files.values())
    assert peak < MEMORY_BYTES + 4 * SPOOL_BYTES, f"peak {peak} bytes for {len(data)} bytes of body"
