"""The Collect settings QR payload, as ODK Central builds it for an app user."""

import base64
import io
import json
import zlib

import pytest

from server.appusers import qr

URL = "https://minhchung.example.vn/v1/key/abc-_123/projects/7"


def test_key_server_url_has_the_token_and_project():
    assert qr.key_server_url("https://minhchung.example.vn/", "abc-_123", 7) == URL


@pytest.mark.parametrize("managed, general", [
    (False, {"server_url": URL}),
    (True, {"server_url": URL, "form_update_mode": "match_exactly", "autosend": "wifi_and_cellular"}),
])
def test_settings_match_centrals(managed, general):
    assert qr.collect_settings(URL, "Xã Thử Nghiệm", managed) == {
        "general": general, "project": {"name": "Xã Thử Nghiệm"}, "admin": {}}


def test_payload_is_base64_of_zlib_json_as_collect_decodes_it():
    settings = qr.collect_settings(URL, "Xã Thử Nghiệm")
    payload = qr.encode_settings(settings)
    assert payload.startswith("eJ")  # zlib header 78 9c, as pako.deflate writes it
    raw = zlib.decompress(base64.b64decode(payload, validate=True))
    assert json.loads(raw.decode("utf-8")) == settings
    assert "Xã Thử Nghiệm".encode() in raw and b", " not in raw  # UTF-8 and compact, like JSON.stringify
    assert qr.decode_payload(payload) == settings


def test_qr_is_error_correction_l_and_renders():
    payload = qr.encode_settings(qr.collect_settings(URL, "Xã Thử Nghiệm"))
    code = qr.make_qr(payload)
    assert code.error == "L" and not code.is_micro
    assert qr.qr_png(payload).startswith(b"\x89PNG\r\n\x1a\n")
    svg = qr.qr_svg(payload)
    assert svg.startswith(b"<svg") and svg.rstrip().endswith(b"</svg>")
    out = io.StringIO()
    qr.qr_terminal(payload, out)
    lines = out.getvalue().splitlines()
    assert len(lines) > 10 and {"▀", "▄", "█"} & set(out.getvalue())
