"""What every desk template may call: the CSRF token, the language, problems in the person's words, formats."""

import datetime as dt
from urllib.parse import urlencode

from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from ..forms.structure import label_in
from ..projects.queries import get_project
from .blueprint import bp
from .session import csrf_token


@bp.app_template_global()
def desk_language():
    return str(get_locale() or "vi")


bp.add_app_template_global(csrf_token, "csrf_token")


@bp.app_template_global()
def problem_title(error):
    return {401: _("Please log in"), 403: _("Not allowed"), 404: _("Not found"), 429: _("Too many attempts")}.get(
        error.status, _("Something is not right"))


@bp.app_template_global()
def problem_text(error):
    if error.code == 403.51:
        return _("This page's security token is missing or out of date. Reload the page and try again.")
    return {401: _("Your session has ended. Log in again."),
            403: _("Your role or your area does not allow this."),
            404: _("There is nothing here, or it is not in your area."),
            413: _("The file or request is too large."),
            429: _("Too many failed attempts. Wait a few minutes and try again.")}.get(
        error.status, _("The request could not be used: %(message)s", message=error.message))


@bp.app_template_filter("when")
def when(value):
    """A time in the person's language, in Vietnam's time zone."""
    if not isinstance(value, dt.datetime):
        return ""
    return format_datetime(value, "dd/MM/yyyy HH:mm")


@bp.app_template_global()
def project_name(project_id):
    project = get_project(project_id)
    return project.name if project else ""


@bp.app_template_filter("points")
def points(value):
    if value is None:
        return "–"
    return f"{value:g}"


@bp.app_template_global()
def label_text(texts):
    """A {language: text} label (rule sets, reasons, errors) in the person's language."""
    if isinstance(texts, str):
        return texts
    return label_in(texts or {}, desk_language())


@bp.app_template_global()
def url_encode(args):
    return urlencode(args, doseq=True)


@bp.app_template_global()
def flag_kinds():
    from ..evidence.settings import KINDS
    return KINDS


@bp.app_template_global()
def flag_kind_label(kind):
    """What a person calls a kind of evidence flag."""
    from ..evidence.labels import kind_label
    return kind_label(kind)
