"""Which language the desk speaks: Vietnamese unless the person chose English (kept in a cookie for a year)."""

from flask import request

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
COOKIE = "minhchung_lang"
COOKIE_SECONDS = 365 * 24 * 3600


def select_language():
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT
