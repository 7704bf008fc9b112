"""The desk's first pages: logging in and out, the language switch, the projects a person may see, and a project's
forms with their counts by review state, what is new since her last visit and how far the season has got."""

import sqlalchemy as sa
from flask import g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import errors
from ..areas.models import Area
from ..auth import queries as auth_queries
from ..auth import service as auth_service
from ..auth.requests import current_actor
from ..db import dialect_insert, utcnow, writes_on_read
from ..extensions import db
from ..forms import queries as form_queries
from ..http import caller_scope, project_or_404
from ..projects import queries as project_queries
from ..scoring.scores import score_pending, scorer_of_form_def
from ..scoring.season import season_progress
from ..submissions import listing
from .blueprint import bp
from .language import COOKIE, COOKIE_SECONDS, LANGUAGES
from .models import DeskVisit
from .session import load_desk_actor, safe_next, sign_in, sign_out, signed_in

bp.before_request(load_desk_actor)


@bp.get("/")
def home():
    if g.get("actor_id") is None:
        return redirect(url_for("web.login"))
    return redirect(url_for("web.projects"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; a wrong email or password says so without telling which; too many failures say when to
    try again (the API's throttling)."""
    problem, email = None, ""
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()[:320]
        try:
            user = sign_in(email, request.form.get("password") or "")
        except errors.AppError as error:
            if error.status != 429:
                raise
            problem = _("Too many failed logins. Try again in %(minutes)s minutes.",
                        minutes=max(1, (error.details or {}).get("retryAfter", 60) // 60))
            return render_template("login.html", problem=problem, email=email), 429
        if user is not None:
            return redirect(safe_next(request.args.get("next")))
        problem = _("The email or password is not right.")
        return render_template("login.html", problem=problem, email=email), 401
    if g.get("actor_id") is not None:
        return redirect(safe_next(request.args.get("next")))
    return render_template("login.html", problem=problem, email=email)


@bp.post("/logout")
def logout():
    sign_out()
    return redirect(url_for("web.login"))


@bp.get("/language/<code>")
def choose_language(code):
    """Switch the desk's language and come back to the page; remembered in a cookie."""
    response = make_response(redirect(safe_next(request.args.get("next"))))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response


@bp.get("/projects")
@signed_in
def projects():
    actor = current_actor()
    visible = None if auth_service.is_admin(actor) else auth_queries.project_ids_with_roles(actor.id)
    found = [project for project in project_queries.list_projects(visible)
             if "project.read" in auth_service.verbs_for(actor, project.id)]
    if len(found) == 1:
        return redirect(url_for("web.project", project_id=found[0].id))
    counts = project_queries.count_forms_by_project([project.id for project in found])
    return render_template("projects.html", projects=found, form_counts=counts)


@bp.get("/projects/<int:project_id>")
@signed_in
@writes_on_read
def project(project_id):
    """The project's forms: counts by review state and new since the last visit (within her areas), and for
    the form chosen (?form=, else the one with most submissions) how far the season has got per area."""
    project = project_or_404(project_id, "submission.list")
    scope = caller_scope(project.id)
    score_pending(project.id)
    forms = [form for form in form_queries.list_forms_by_project(project.id) if form.current_def is not None]
    counts = listing.review_counts([form.id for form in forms], scope)
    visits = dict(db.session.execute(sa.select(DeskVisit.form_id, DeskVisit.seen_at)
                                     .where(DeskVisit.actor_id == g.actor_id)).all())
    new = listing.count_since({form.id: visits.get(form.id) for form in forms}, scope)
    busiest = max(forms, key=lambda form: sum(counts[form.id].values()), default=None)
    chosen = next((form for form in forms if form.xml_form_id == request.args.get("form")), None) or busiest
    progress = []
    if chosen is not None and (scorer := scorer_of_form_def(chosen.current_def)) is not None:
        progress = season_progress(chosen, scorer.rules.kind, scope)
    limited = scope is not None and [area.name for area in _scope_areas(scope)]
    return render_template("project.html", project=project, forms=forms, counts=counts, new=new, visits=visits,
                           chosen=chosen, progress=progress, limited=limited, api_root=request.host_url.rstrip("/"))


def _scope_areas(scope):
    return db.session.execute(sa.select(Area).where(Area.id.in_(scope)).order_by(Area.code)).scalars().all()


def remember_visit(form):
    """Note that the person opened the form's submissions now (for "new since your last visit")."""
    insert = dialect_insert(db.session, DeskVisit)
    db.session.execute(insert.on_conflict_do_update(index_elements=["actor_id", "form_id"],
                                                    set_={"seen_at": insert.excluded.seen_at}),
                       [{"actor_id": g.actor_id, "form_id": form.id, "seen_at": utcnow()}])
