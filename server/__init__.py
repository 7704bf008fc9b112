"""Minh Chứng: the Flask application factory."""

import logging

from flask import Flask

from . import errors
from .auth.keys import KeyPrefixMiddleware
from .config import load_config
from .db import configure_sqlite
from .extensions import db, migrate
from .params import DatabaseIntegerConverter
from .proxies import TrustedProxies


def create_app(config=None):
    """Create the app from the environment; `config` overrides settings (tests use it)."""
    app = Flask(__name__)
    app.config.from_mapping(load_config(config))
    app.config["DATA_DIR"].mkdir(parents=True, exist_ok=True)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.url_map.converters["int"] = DatabaseIntegerConverter  # before any route is added
    # Behind MINHCHUNG_TRUSTED_PROXIES proxies, X-Forwarded-* tell the public scheme, host and client address.
    app.wsgi_app = TrustedProxies(KeyPrefixMiddleware(app.wsgi_app), app.config)
    from . import models  # noqa: F401  (all tables in the metadata)
    db.init_app(app)
    migrate.init_app(app, db)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, writes_expected=request_may_write)
    register_blueprints(app)
    errors.register_error_handlers(app)
    from .web import init_web
    init_web(app)  # after the error handlers: its HTML problems come after OpenRosa's XML ones
    register_request_hooks(app)
    from .cli import register_commands
    register_commands(app)
    logging.basicConfig(level=logging.INFO)
    return app


def register_blueprints(app):
    from .appusers.routes import bp as appusers_bp
    from .audit.routes import bp as audit_bp
    from .auth.routes import bp as auth_bp
    from .evidence.routes import bp as evidence_bp
    from .exports.entities_odata import bp as entities_odata_bp
    from .exports.odata_routes import bp as odata_bp
    from .exports.results_routes import bp as results_exports_bp
    from .exports.routes import bp as exports_bp
    from .forms.routes import bp as forms_bp
    from .health import bp as health_bp
    from .openrosa.routes import bp as openrosa_bp
    from .projects.routes import bp as projects_bp
    from .submissions.routes import bp as submissions_bp
    for blueprint in (health_bp, auth_bp, projects_bp, forms_bp, audit_bp, openrosa_bp, appusers_bp, submissions_bp,
                      exports_bp, odata_bp, results_exports_bp, entities_odata_bp, evidence_bp):
        app.register_blueprint(blueprint)
    register_area_blueprints(app)


def register_area_blueprints(app):
    """The administrative tree, app users' area scopes, registries (entity lists), and scores."""
    from .areas.routes import bp as areas_bp
    from .registries.routes import bp as registries_bp
    from .scoring.routes import bp as scores_bp
    app.register_blueprint(areas_bp)
    app.register_blueprint(registries_bp)
    app.register_blueprint(scores_bp)


def register_request_hooks(app):
    """One transaction per request: commit once if the response is a success, else roll back."""
    from flask import g
    from sqlalchemy.exc import DataError

    from .auth.requests import load_actor
    from .openrosa.routes import check_openrosa_version

    app.before_request(refuse_nul_characters)
    app.before_request(check_openrosa_version)
    app.before_request(load_actor)

    @app.after_request
    def commit_or_roll_back(response):
        if response.status_code < 400:
            try:
                db.session.commit()
            except DataError:  # a value the database refuses only when the last changes are flushed
                db.session.rollback()
                return errors.render_problem(errors.refused_value())
            for action in g.pop("after_commit", ()):
                action()
        else:
            db.session.rollback()
        response.headers.setdefault("Cache-Control", "no-store" if response.status_code >= 400 else "private, no-cache")
        return response


def refuse_nul_characters():
    """No name we store can hold NUL (PostgreSQL text cannot), so a path with one names nothing."""
    from flask import request
    if "\x00" in request.path:
        raise errors.not_found()
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        raise errors.unexpected_value(field="query", value="(NUL)", reason="parameters may not contain NUL characters.")


def request_may_write():
    """Requests other than GET/HEAD/OPTIONS may write, and so may reads whose view is marked `writes_on_read`
    (results score what is pending first): on SQLite they take the writer lock up front."""
    from flask import current_app, g, has_app_context, has_request_context, request
    if not has_request_context():
        return has_app_context() and g.get("may_write", False)  # a background job says so (scoring/worker.py)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    return getattr(current_app.view_functions.get(request.endpoint), "writes_on_read", False)
