"""The ODK Collect settings QR code for an app user, as ODK Central builds it (pure: no Flask, no database).

Collect reads the QR text as Base64 of zlib-compressed JSON settings
(docs.getodk.org/collect-import-export, "Making your own QR code"); Central's app-user QR holds the
server URL with the token in it, the project's name, and an empty `admin` object. The "managed"
variant also makes Collect keep exactly the forms the server lists and send finished forms at once.
"""

import base64
import io
import json
import zlib
from typing import TextIO

import segno

# Central renders with error correction "L": the payload is long, and L keeps the code smallest.
ERROR_CORRECTION = "L"
MANAGED_SETTINGS = {"form_update_mode": "match_exactly", "autosend": "wifi_and_cellular"}


def key_server_url(base_url: str, token: str, project_id: int) -> str:
    """The URL Collect is configured with: requests below it authenticate as the app user."""
    return f"{base_url.rstrip('/')}/v1/key/{token}/projects/{project_id}"


def collect_settings(server_url: str, project_name: str, managed: bool = False) -> dict:
    """Collect's settings object: `general` and `admin` are required, `project` names the project on the phone."""
    general = {"server_url": server_url, **(MANAGED_SETTINGS if managed else {})}
    return {"general": general, "project": {"name": project_name}, "admin": {}}


def encode_settings(settings: dict) -> str:
    """Base64(zlib(JSON)): what Collect's CompressionUtils.decompress reads back (starts with "eJ")."""
    text = json.dumps(settings, ensure_ascii=False, separators=(",", ":"))  # as JSON.stringify writes it
    return base64.b64encode(zlib.compress(text.encode("utf-8"))).decode("ascii")


def decode_payload(payload: str | bytes) -> dict:
    """The settings inside a QR payload (the inverse of encode_settings)."""
    return json.loads(zlib.decompress(base64.b64decode(payload)).decode("utf-8"))


def make_qr(payload: str) -> segno.QRCode:
    """The QR code for a payload, at exactly error-correction level L (no automatic boost)."""
    return segno.make_qr(payload, error=ERROR_CORRECTION, boost_error=False)


def qr_png(payload: str, scale: int = 6, border: int = 4) -> bytes:
    buffer = io.BytesIO()
    make_qr(payload).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def qr_svg(payload: str, scale: int = 6, border: int = 4) -> bytes:
    buffer = io.BytesIO()
    make_qr(payload).save(buffer, kind="svg", scale=scale, border=border, xmldecl=False)
    return buffer.getvalue()


def qr_terminal(payload: str, out: TextIO) -> None:
    """Print the QR code with Unicode half blocks (two rows per line) to the text stream `out`."""
    make_qr(payload).terminal(out=out, compact=True)
