"""Configuration from the environment, read once when the app is created.

Every setting has a working default so that `minhchung serve --demo` runs with no configuration:
SQLite in the data directory, blobs beside it, a secret key generated on first start and kept there.
"""

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MEBIBYTE = 1024 * 1024


class ConfigError(RuntimeError):
    """A setting is unusable; the message says which one and why."""


def load_config(overrides=None):
    """Build the Flask config mapping from environment variables, then apply `overrides`."""
    env = os.environ
    overrides = dict(overrides or {})
    data_dir = Path(overrides.get("DATA_DIR") or env.get("MINHCHUNG_DATA_DIR") or "data").resolve()
    database_url = (overrides.get("SQLALCHEMY_DATABASE_URI") or env.get("DATABASE_URL")
                    or f"sqlite:///{data_dir / 'minhchung.sqlite3'}")
    config = {
        "DATA_DIR": data_dir,
        "BLOB_DIR": Path(env.get("MINHCHUNG_BLOB_DIR") or data_dir / "blobs"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "PUBLIC_BASE_URL": (env.get("MINHCHUNG_BASE_URL") or "").rstrip("/"),
        "MAX_CONTENT_LENGTH": int(env.get("MINHCHUNG_MAX_BODY_BYTES") or 100 * MEBIBYTE),
        "MAX_FORM_BYTES": int(env.get("MINHCHUNG_MAX_FORM_BYTES") or 20 * MEBIBYTE),
        "MAX_XLSX_UNZIPPED_BYTES": int(env.get("MINHCHUNG_MAX_XLSX_UNZIPPED_BYTES") or 100 * MEBIBYTE),
        "MAX_JSON_BYTES": int(env.get("MINHCHUNG_MAX_JSON_BYTES") or MEBIBYTE),
        # failed logins (password, Basic, Digest) for one account or from one address, within the window
        "LOGIN_FAILURES_ALLOWED": int(env.get("MINHCHUNG_LOGIN_FAILURES_ALLOWED") or 10),
        "LOGIN_FAILURE_WINDOW_SECONDS": int(env.get("MINHCHUNG_LOGIN_FAILURE_WINDOW") or 15 * 60),
        # how many proxies stand in front and set X-Forwarded-*: 0 (the default) trusts none of those headers
        "TRUSTED_PROXIES": int(env.get("MINHCHUNG_TRUSTED_PROXIES") or 0),
        "SESSION_LIFETIME_SECONDS": int(env.get("MINHCHUNG_SESSION_LIFETIME") or 24 * 3600),
        "ODK_VALIDATE": env.get("MINHCHUNG_ODK_VALIDATE", "1") != "0",
        "RESCORE_IN_BACKGROUND": env.get("MINHCHUNG_RESCORE_IN_BACKGROUND", "1") != "0",
        "CHECK_EVIDENCE_IN_BACKGROUND": env.get("MINHCHUNG_CHECK_EVIDENCE_IN_BACKGROUND", "1") != "0",
        "JSON_SORT_KEYS": False,
        # an online map tile server for the desk (e.g. https://tile.example.vn/{z}/{x}/{y}.png); none: boundaries only
        "TILE_URL": env.get("MINHCHUNG_TILE_URL") or "",
    }
    config.update(overrides)
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    config["DATA_DIR"] = Path(config["DATA_DIR"])
    config["BLOB_DIR"] = Path(overrides.get("BLOB_DIR") or config["BLOB_DIR"])
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = env.get("SECRET_KEY") or kept_secret_key(config["DATA_DIR"])
    return config


def normalise_database_url(url):
    """Accept the URL spellings operators use and pick our drivers; refuse anything else loudly."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise ConfigError(f"DATABASE_URL is not a database URL ({error}). "
                          "Use sqlite:////path/file.sqlite3 or postgresql://user@host/dbname.") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL uses '{parsed.get_backend_name()}'; "
                          "Minh Chứng runs on SQLite (embedded) or PostgreSQL with PostGIS.")
    return url


def kept_secret_key(data_dir):
    """Return the secret key kept in the data directory, generating it (mode 0600) on first use."""
    path = Path(data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
