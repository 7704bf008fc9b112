"""The gallery: the photos of a form's submissions (one question or all, with the table's filters), lazy-loaded
thumbnails, a viewer with previous/next and the submission's key facts, and bulk review of the ticked ones."""

from flask import render_template, request

from ..db import writes_on_read
from ..http import caller_scope, form_or_404
from ..params import int_param
from ..scoring.scores import score_pending
from ..submissions import listing
from ..submissions.instance import read_instance, values_at
from .blueprint import bp
from .session import signed_in
from .submissions import filter_choices, form_structure, label_in, language, may_review

PAGE = 48


def photo_questions(structure, lang):
    """(name, label) of the form's image questions, in form order."""
    found = []

    def walk(nodes):
        for node in nodes:
            if getattr(node, "children", None) is not None:
                walk(node.children)
            elif node.type == "binary":
                found.append(("/".join(node.path), label_in(node.label, lang) or node.path[-1]))

    walk(structure.nodes)
    return found


def gallery_page(form, scope, filters, question, offset):
    """Up to PAGE photos from raw `offset`, only those answering `question` (a path joined by "/") when given;
    and the offset to continue from (None at the end)."""
    path = tuple(question.split("/")) if question else None
    found = []
    while len(found) < PAGE:
        batch, more = listing.photos(form, scope, filters, PAGE, offset, with_xml=path is not None)
        offset += len(batch)
        for photo in batch:
            if path is None or photo.name in values_at(read_instance(photo.xml.encode("utf-8")).root, path):
                found.append(photo)
        if not more:
            return found, None
    return found, offset


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/gallery")
@signed_in
@writes_on_read
def gallery(project_id, xml_form_id):
    form = form_or_404(project_id, xml_form_id, "submission.list")
    scope = caller_scope(form.project_id)
    filters = listing.read_filters(request.args)
    lang = language()
    questions = photo_questions(form_structure(form.current_def), lang)
    question = request.args.get("question") if request.args.get("question") in dict(questions) else ""
    score_pending(form.project_id)
    photos, next_offset = gallery_page(form, scope, filters, question, int_param("offset", 0, maximum=10_000_000))
    context = dict(form=form, filters=filters, photos=photos, next_offset=next_offset, questions=questions,
                   question=question, may_review=may_review(form), **filter_choices(form, scope))
    if "HX-Request" in request.headers and request.args.get("offset"):
        return render_template("gallery_items.html", **context)
    return render_template("gallery.html", **context)
