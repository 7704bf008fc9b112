"""A form's submissions at the desk: the table (filters in the URL, paged on the server), one submission's page
(answers with the form's labels, photos, location, score and why, versions, comments, review history) and the
review actions (one at a time with "save and next", or many at once from the table or the gallery)."""

from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import errors
from ..areas import queries as area_queries
from ..areas.models import Area
from ..areas.service import is_within
from ..audit import queries as audit_queries
from ..auth import queries as auth_queries
from ..auth.requests import current_actor
from ..auth.service import verbs_for
from ..db import writes_on_read
from ..evidence import service as evidence
from ..extensions import db
from ..forms import queries as form_queries
from ..forms.fields import binary_fields, fields_of
from ..forms.structure import answer_of, answer_tree, changed_answers, label_in, read_structure
from ..http import caller_scope, check_submission_area, form_or_404, submission_or_404
from ..registries import queries as registry_queries
from ..scoring import scores
from ..scoring.schemas import score_json
from ..submissions import listing, queries, service
from ..submissions.instance import read_instance
from .blueprint import bp
from .pages import remember_visit
from .session import signed_in

TABLE_FIELDS = 8  # the form's own fields shown in the table after ours
REVIEW_ACTIONS = ("approved", "hasIssues", "rejected")


def language():
    return str(get_locale() or "vi")


def form_structure(form_def):
    return read_structure(form_def.xml.encode("utf-8"))


def table_questions(structure):
    """The form's first questions outside repeats that a table can show in a cell (no notes or other read-only
    fields, files or locations)."""
    found = []

    def walk(nodes):
        for node in nodes:
            if getattr(node, "children", None) is not None:
                if not node.repeat:
                    walk(node.children)
            elif node.type not in ("binary", "geopoint", "geotrace", "geoshape") \
                    and node.control not in (None, "trigger") and not node.readonly:
                found.append(node)

    walk(structure.nodes)
    return found[:TABLE_FIELDS]


def name_listed_answers(trees, project_id):
    """Answers chosen from a list the form loads from a file (the hamlets, a registry: jr://file-csv/…) have no
    choice labels in the XForm: show the area's or the registry entry's name instead of its code or uuid. `trees`:
    answer trees (one per submission), named with two queries in all."""
    listed = []

    def walk(items):
        for node in items:
            if node.kind in ("section",):
                walk(node.children)
            elif node.kind == "repeat":
                for row in node.rows:
                    walk(row)
            elif node.kind == "answer" and node.control in ("select1", "select") and node.value \
                    and node.display == node.value:
                listed.append(node)

    for nodes in trees:
        walk(nodes)
    values = {value for node in listed for value in node.value.split()}
    names = {**area_queries.names_by_code(values), **registry_queries.labels_by_uuid(project_id, values)}
    for node in listed:
        node.display = ", ".join(names.get(value, value) for value in node.value.split())
    return trees


def table_cells(questions, xml, lang):
    """The answers to `questions` (outside repeats) in a submission's XML, one per question."""
    root = read_instance(xml.encode("utf-8")).root
    return [answer_of(question, root, lang) for question in questions]


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>")
@signed_in
def form_home(project_id, xml_form_id):
    return redirect(url_for("web.submissions", project_id=project_id, xml_form_id=xml_form_id, **request.args))


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/submissions")
@signed_in
@writes_on_read
def submissions(project_id, xml_form_id):
    form = form_or_404(project_id, xml_form_id, "submission.list")
    if form.current_def is None:
        abort(404)
    scope = caller_scope(form.project_id)
    evidence.check_pending(form.project_id)  # (scores what is pending first)
    filters = listing.read_filters(request.args)
    total = listing.count(form, scope, filters)
    rows = listing.page(form, scope, filters)
    flags = evidence.flags_by_submission(form.project_id, [row.submission_id for row in rows])
    settings = evidence.project_settings(form.project_id)
    held = {row.submission_id for row in rows
            if evidence.is_held(settings, row.review_state, flags.get(row.submission_id, []))}
    structure = form_structure(form.current_def)
    lang = language()
    questions = table_questions(structure)
    cells = name_listed_answers([table_cells(questions, row.xml, lang) for row in rows], form.project_id)
    remember_visit(form)
    context = dict(form=form, project=form.project_id, filters=filters, total=total, rows=list(zip(rows, cells)),
                   flags=flags, held=held,
                   questions=[(question.path, label_in(question.label, lang)) for question in questions],
                   pages=max(1, -(-total // filters.per_page)), may_review=may_review(form),
                   **filter_choices(form, scope))
    if "HX-Request" in request.headers and request.headers.get("HX-Target") == "submission-table":
        return render_template("submissions_table.html", **context)
    return render_template("submissions.html", **context)


MAX_AREA_CHOICES = 1000


def filter_choices(form, scope):
    """What the filters offer (_filters.html): areas, submitters, review states, evaluation periods, versions."""
    return dict(areas=area_choices(scope), submitters=listing.submitters(form, scope), states=listing.STATES,
                periods=listing.periods(form), versions=[version.version for version in
                                                         form_queries.list_published_defs(form.id)])


def area_choices(scope):
    """(code, name, level) of the areas the area filter offers: the caller's subtree (everything when she is not
    limited), hamlets left out when there are too many to list."""
    rows = area_queries.list_areas(area_ids=area_queries.descendant_ids(scope) if scope is not None else None)
    if len(rows) > MAX_AREA_CHOICES:
        rows = [row for row in rows if row["level"] != "hamlet"]
    return [(row["code"], row["name"], row["level"]) for row in rows]


def may_review(form):
    return "submission.update" in verbs_for(current_actor(), form.project_id, form.id)


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>")
@signed_in
@writes_on_read
def submission(project_id, xml_form_id, instance_id):
    form, found = submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    current = queries.get_current_def(found.id)
    lang = language()
    structure = form_structure(current_form_def(form, current))
    root = read_instance(current.xml.encode("utf-8")).root
    attachments = {attachment.name: attachment for attachment in current.attachments}
    filters = listing.read_filters(request.args)
    scope = caller_scope(form.project_id)
    previous_id, next_id = listing.neighbours(form, scope, filters, found)
    evidence.check_pending(form.project_id)
    flags = evidence.flags_by_submission(form.project_id, [found.id]).get(found.id, [])
    return render_template(
        "submission.html", form=form, submission=found, current=current,
        answers=name_listed_answers([answer_tree(structure, root, lang)], form.project_id)[0],
        attachments=attachments, score=score_of(form, found, instance_id), versions=version_history(found, structure),
        history=review_history(found), comments=comments_of(found), filters=filters,
        previous_id=previous_id, next_id=next_id, may_review=may_review(form), lang=lang,
        flags=flags, visible=visible_others(form.project_id, scope, flags),
        area=area_of(found.area_id), submitter=auth_queries.get_actor(found.submitter_id)
        if found.submitter_id else None)


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>.xml")
@signed_in
def submission_xml(project_id, xml_form_id, instance_id):
    """The current version's XML as received, shown as text."""
    _, found = submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    return current_app.response_class(queries.get_current_def(found.id).xml, mimetype="text/plain")


def visible_others(project_id, scope, flags):
    """The instance ids of the other submissions the flags name (a reused photo's) that the caller may open."""
    named = {flag["evidence"]["other"]["instanceId"] for flag in flags if (flag["evidence"].get("other") or {})
             .get("instanceId")}
    return {instance_id for instance_id, area_id in queries.areas_of_instances(project_id, named)
            if is_within(scope, area_id)}


def current_form_def(form, submission_def):
    """The form version the submission was filled in (its labels), else the form's current one."""
    return form_queries.get_def(submission_def.form_def_id) or form.current_def


def area_of(area_id):
    """(hamlet, commune) names of the submission's area, for the page header."""
    if area_id is None:
        return None
    area = db.session.get(Area, area_id)
    parent = db.session.get(Area, area.parent_id) if area.parent_id else None
    return {"id": area.id, "code": area.code, "name": area.name, "level": area.level,
            "parent": parent.name if parent else None}


def score_of(form, found, instance_id):
    """The score explanation as the API gives it (scoring/schemas.py score_json), or None without criteria."""
    scored = scores.score_submission(found, form)
    if scored is None:
        return None
    names = {field.path[-1] for field in binary_fields(fields_of(scored.form_def))}
    return evidence.explained(form.project_id, found, score_json(
        scored, f"/projects/{form.project_id}/forms/{form.xml_form_id}/submissions/{instance_id}/attachments", names))


def version_history(found, structure):
    """Each version, newest first, with what changed from the one before it."""
    versions = list(reversed(queries.list_versions(found.id)))  # oldest first
    actors = auth_queries.get_actors({version.submitter_id for version in versions if version.submitter_id})
    history, previous_root = [], None
    for version in versions:
        root = read_instance(version.xml.encode("utf-8")).root
        changes = changed_answers(previous_root, root) if previous_root is not None else []
        history.append({"version": version, "submitter": actors.get(version.submitter_id), "changes": changes})
        previous_root = root
    return list(reversed(history))


def comments_of(found):
    comments = queries.list_comments(found.id)
    actors = auth_queries.get_actors({comment.actor_id for comment in comments})
    return [{"comment": comment, "actor": actors.get(comment.actor_id)} for comment in comments]


def review_history(found):
    """The submission's audit entries (received, review states with their notes, edits, comments), oldest first."""
    entries = audit_queries.list_audits_of("submission", found.id)
    actors = auth_queries.get_actors({entry.actor_id for entry in entries if entry.actor_id})
    return [{"entry": entry, "actor": actors.get(entry.actor_id)} for entry in entries]


def review_action():
    """The review state a desk button asks for. :raise 400.8: not one of REVIEW_ACTIONS."""
    state = request.form.get("reviewState")
    if state not in REVIEW_ACTIONS:
        raise errors.unexpected_value(field="reviewState", value=repr(state), reason="expected approved, hasIssues "
                                                                                     "or rejected.")
    return state


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>/review")
@signed_in
def review(project_id, xml_form_id, instance_id):
    """Approve, mark as having issues, or reject, with an optional comment; then the same page, or the next
    submission of the filtered list ("save and next")."""
    form, found = submission_or_404(project_id, xml_form_id, instance_id, "submission.update")
    state = review_action()
    comment = (request.form.get("comment") or "").strip()
    filters = listing.read_filters(request.args)
    next_id = listing.neighbours(form, caller_scope(form.project_id), filters, found)[1] \
        if request.form.get("then") == "next" else None
    service.review_many(form, [found.instance_id], state, comment or None, current_actor(),
                        lambda submission: check_submission_area(form, submission))
    back = request.form.get("back") or ""
    if back.startswith("/projects/"):  # the gallery's viewer comes back to the gallery
        return redirect(back)
    target = next_id or instance_id
    return redirect(url_for("web.submission", project_id=project_id, xml_form_id=xml_form_id, instance_id=target,
                            reviewed=instance_id if next_id else None, **filters.as_args()))


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>/comments")
@signed_in
def comment(project_id, xml_form_id, instance_id):
    """Add a comment (who may review may comment, as in Central)."""
    _, found = submission_or_404(project_id, xml_form_id, instance_id, "submission.update")
    service.add_comment(found, (request.form.get("body") or "").strip()[:10_000], current_actor())
    return redirect(url_for("web.submission", project_id=project_id, xml_form_id=xml_form_id,
                            instance_id=instance_id, **listing.read_filters(request.args).as_args()) + "#comments")


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/submissions/review")
@signed_in
def review_selected(project_id, xml_form_id):
    """Bulk review from the table or the gallery: the ticked submissions get one state and one comment."""
    form = form_or_404(project_id, xml_form_id, "submission.update")
    state = review_action()
    chosen = request.form.getlist("instanceId")
    if not chosen:
        raise errors.missing_parameter(field="instanceId")
    done = service.review_many(form, chosen, state, (request.form.get("comment") or "").strip() or None,
                               current_actor(), lambda submission: check_submission_area(form, submission))
    back = urlsplit(request.form.get("back") or "")
    if not back.path.startswith("/projects/") or back.netloc or back.scheme:
        back = urlsplit(url_for("web.submissions", project_id=project_id, xml_form_id=xml_form_id))
    kept = [(key, value) for key, value in parse_qsl(back.query) if key not in ("done", "doneState")]
    return redirect(f"{back.path}?{urlencode(kept + [('done', len(done)), ('doneState', state)])}")


def state_label(state):
    """A review state in the person's language (translated once per request: a table shows one per row)."""
    if "state_labels" not in g:
        g.state_labels = {None: _("Received"), "received": _("Received"), "hasIssues": _("Has issues"),
                          "edited": _("Edited"), "approved": _("Approved"), "rejected": _("Rejected")}
    return g.state_labels.get(state, state)


@bp.app_template_global()
def review_state_label(state):
    return state_label(state)


@bp.app_template_global()
def desk_user_name():
    return current_actor().display_name if g.get("actor_id") else None
