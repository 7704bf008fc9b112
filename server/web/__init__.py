"""The desk: the server-rendered pages people use in a browser (supervisors first), at / beside the API at /v1.

Pages call the same services and queries as the REST API, with the same role and area checks (server/http.py);
nothing here is a second copy of a rule. A person logs in with the same account as the API and gets a cookie
session (session.py) instead of a Bearer token; every change carries a CSRF token. Text goes through the message
catalogue in server/translations (Vietnamese by default, English one click away: language.py). Front-end files are
vendored under server/static (frontend/vendor.sh); security.py sends a Content-Security-Policy that loads nothing
from elsewhere.
"""

from pathlib import Path

from flask_babel import Babel, refresh

from ..db import LOCAL_TIME
from .language import select_language


def init_web(app):
    """Register the desk's blueprint, its session cookie, its catalogue and its headers."""
    from . import exports, gallery, maps, media, pages, submissions, templating  # noqa: F401  (their routes join the blueprint)
    from .blueprint import bp
    from .security import add_security_headers, render_html_problem
    from .session import DeskSessionInterface
    app.session_interface = DeskSessionInterface()
    app.config.update(SESSION_COOKIE_NAME="minhchung_desk", SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", LOCAL_TIME.key)
    Babel(app, locale_selector=select_language,
          default_translation_directories=str(Path(__file__).resolve().parent.parent / "translations"))
    app.before_request(refresh)  # the language is chosen afresh for every request
    app.register_blueprint(bp)
    app.after_request(add_security_headers)
    render_html_problem(app)
