"""What the scoring engine reads from a submission: its answers by field name, checked by their XForm type,
and the subject, area and evaluation period its rule set names. A pure module over the parsed instance and
the form's fields.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone

from lxml import etree

from ..forms.fields import Field
from ..submissions.instance import values_at
from ..submissions.values import read_year
from .rules.ruleset import RuleSet

VIETNAM = timezone(timedelta(hours=7), "ICT")  # campaigns count years in Vietnam's time (no DST)


def answer_values(root: etree._Element, fields: Iterable[Field]) -> dict:
    """{field name: the answer's text} for every field of the form ('' when unanswered). Expressions name a
    field by the last step of its path (${ten}), as XLSForm does; in a repeat, the first answer counts.
    Not checked here: scores.py checks them by type (submissions/values.py) before they are scored."""
    values = {}
    for field in fields:
        found = values_at(root, field.path)
        values.setdefault(field.path[-1], found[0] if found else "")
    return values


def subject_area_period(rules: RuleSet, values: Mapping[str, str], submitted_at: datetime) -> tuple:
    """(subject id, area code, evaluation year) for a scored submission: the fields the rule set declares;
    the period defaults to the year it was submitted, in Vietnam; unanswered, it is None.
    :raise BadValue: a period that is not a year of four ASCII digits."""
    subject = values.get(rules.subject_field) or None
    area = (values.get(rules.area_field) or None) if rules.area_field else None
    if rules.period_field:
        period = read_year(rules.period_field, values.get(rules.period_field) or "")
    else:
        period = submitted_at.astimezone(VIETNAM).year
    return subject, area, period
