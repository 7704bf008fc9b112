"""Absolute URLs we hand to clients (formList, manifest, QR codes): the public base, plus the app-user key prefix."""

from urllib.parse import quote

from flask import current_app, request


def public_base():
    """MINHCHUNG_BASE_URL when set, else the address the client used (ProxyFix applies X-Forwarded-*)."""
    return current_app.config["PUBLIC_BASE_URL"] or request.host_url.rstrip("/")


def api_url(path):
    """`path` under /v1, keeping /v1/key/{token} when the request came that way (Collect needs it in every link)."""
    return public_base() + (request.environ.get("minhchung.key_prefix") or "/v1") + path


def segment(value):
    return quote(value, safe="")
