"""How far a form's season has got, per area: subjects evaluated out of those registered there.

Registered: the live entries of the form's subject registry (subject_kinds.py) placed in each area; hamlets
themselves for a rule set that evaluates hamlets. Evaluated: distinct subjects with a score under the form's current
rules from live submissions that are not rejected, by the area each submission was placed in.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..areas.models import Area
from ..areas.queries import descendants_select
from ..extensions import db
from ..registries.models import Dataset, Entity
from ..subject_kinds import kind_of
from ..submissions.models import Submission, SubmissionDef
from .models import SubjectScore


@dataclass(frozen=True)
class AreaProgress:
    code: str
    name: str
    parent: str | None
    registered: int
    evaluated: int

    @property
    def share(self):
        """Evaluated / registered (0 to 1), or None when nothing is registered."""
        return min(self.evaluated / self.registered, 1) if self.registered else None


def season_progress(form, kind_code, scope) -> list[AreaProgress]:
    """Per area (within `scope`, a SELECT of area ids or None), in code order; areas with nothing registered and
    nothing evaluated are left out."""
    kind = kind_of(kind_code)
    if kind is None or form.current_def_id is None:
        return []
    evaluated = (sa.select(Submission.area_id, sa.func.count(sa.distinct(SubjectScore.subject)))
                 .join(SubmissionDef, sa.and_(SubmissionDef.submission_id == Submission.id,
                                              SubmissionDef.current.is_(True)))
                 .join(SubjectScore, sa.and_(SubjectScore.submission_def_id == SubmissionDef.id,
                                             SubjectScore.form_def_id == form.current_def_id))
                 .where(Submission.form_id == form.id, Submission.deleted_at.is_(None), Submission.area_id.is_not(None),
                        sa.or_(Submission.review_state.is_(None), Submission.review_state != "rejected"),
                        SubjectScore.error.is_(None))
                 .group_by(Submission.area_id))
    if kind.registry is None:
        registered = sa.select(Area.id, sa.literal(1)).where(Area.level == kind.area_level)
    else:
        registered = (sa.select(Entity.area_id, sa.func.count()).join(Dataset, Dataset.id == Entity.dataset_id)
                      .where(Dataset.project_id == form.project_id, Dataset.name == kind.registry,
                             Entity.deleted_at.is_(None), Entity.area_id.is_not(None))
                      .group_by(Entity.area_id))
    if scope is not None:
        within = descendants_select(scope)
        evaluated = evaluated.where(Submission.area_id.in_(within))
        registered = registered.where((Area.id if kind.registry is None else Entity.area_id).in_(within))
    counts = {}
    for area_id, number in db.session.execute(registered):
        counts.setdefault(area_id, [0, 0])[0] = number
    for area_id, number in db.session.execute(evaluated):
        counts.setdefault(area_id, [0, 0])[1] = number
    if not counts:
        return []
    parent = aliased(Area)
    areas = db.session.execute(sa.select(Area.id, Area.code, Area.name, parent.name)
                               .outerjoin(parent, parent.id == Area.parent_id)
                               .where(Area.id.in_(list(counts))).order_by(Area.code)).all()
    return [AreaProgress(code, name, parent_name, *counts[area_id]) for area_id, code, name, parent_name in areas]
