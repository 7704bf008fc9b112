"""Results exports: the result that counts for each subject and period (the rows of GET …/results and
…/recognition) as a table an officer opens in Excel or Power BI — results.csv (one table, a column per model and
criterion), results.xlsx (a sheet per model, labels in Vietnamese or English above the names) and the rows of
the results OData feed (results_odata.py). Points per criterion are summed from the points kept per indicator,
under the rules that scored the result. Pure: counted rows, rule sets and areas in; records and bytes out."""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from ..db import LOCAL_TIME
from ..scoring.area_totals import self_and_above
from ..tables import csv_safe
from .xlsx_stream import sheet_title, workbook

AREA_LEVELS = ("province", "district", "commune", "hamlet")
# (name, OData type) of every column, in order; a name is also the column's header and the OData property
COLUMNS = (("model", "Edm.String"), ("subject", "Edm.String"), ("subjectLabel", "Edm.String"),
           ("period", "Edm.Int64"), ("areaCode", "Edm.String"), ("province", "Edm.String"),
           ("district", "Edm.String"), ("commune", "Edm.String"), ("hamlet", "Edm.String"),
           ("ruleSetId", "Edm.String"), ("total", "Edm.Decimal"), ("maxTotal", "Edm.Decimal"),
           ("result", "Edm.String"), ("resultLabel", "Edm.String"), ("level", "Edm.Int64"), ("proposal", "Edm.Boolean"),
           ("decision", "Edm.Boolean"), ("outcome", "Edm.Boolean"), ("decisionReason", "Edm.String"),
           ("decidedAt", "Edm.DateTimeOffset"), ("mandatoryMet", "Edm.Boolean"), ("unmet", "Edm.String"),
           ("heldBackBy", "Edm.String"), ("reviewState", "Edm.String"), ("xmlFormId", "Edm.String"),
           ("instanceId", "Edm.String"), ("scoredAt", "Edm.DateTimeOffset"), ("scoringError", "Edm.String"))
NAMES = tuple(name for name, _ in COLUMNS)


def column_labels() -> dict:
    """Each column's label in the current locale (call it under force_locale)."""
    return {"model": _("Model"), "subject": _("Subject"), "subjectLabel": _("Subject name"), "period": _("Period"),
            "areaCode": _("Area code"), "province": _("Province"), "district": _("District (former)"),
            "commune": _("Commune"), "hamlet": _("Hamlet"), "ruleSetId": _("Criteria set"), "total": _("Points"),
            "maxTotal": _("Maximum points"), "result": _("Result code"), "resultLabel": _("Result"),
            "level": _("Level"),
            "proposal": _("Proposed for recognition"), "decision": _("Officer's decision"),
            "outcome": _("Recognised"), "decisionReason": _("Reason for the decision"),
            "decidedAt": _("Decided at"), "mandatoryMet": _("Mandatory indicators met"),
            "unmet": _("Indicators not met"), "heldBackBy": _("Held back by"), "reviewState": _("Review state"),
            "xmlFormId": _("Form"), "instanceId": _("Submission"), "scoredAt": _("Scored at"),
            "scoringError": _("Why it could not be scored")}


@dataclass(frozen=True)
class Criterion:
    """A criterion column: the model and code it is of, its label by language, its maximum points."""
    kind: str
    code: str
    label: dict
    max_points: float | None

    @property
    def column(self) -> str:
        return f"{self.kind}.{self.code}"


def criteria_of(rule_sets: Iterable) -> dict:
    """{model: [Criterion]} of the rule sets, each code once per model, in the order the rule sets list them."""
    found = {}
    for rules in rule_sets:
        codes = found.setdefault(rules.kind, {})
        for criterion in rules.criteria:
            codes.setdefault(criterion.code, Criterion(rules.kind, criterion.code, criterion.label, criterion.points))
    return {kind: list(codes.values()) for kind, codes in found.items()}


def criterion_points(rules, points: dict) -> dict:
    """{criterion code: points earned} of a result's points per indicator under `rules` (None where none of its
    indicators earned a number, e.g. in the levels style)."""
    found = {}
    for criterion in rules.criteria:
        earned = [points.get(indicator.code) for indicator in criterion.indicators]
        earned = [value for value in earned if value is not None]
        found[criterion.code] = sum(earned) if earned else None
    return found


def area_names(area_code, areas_by_code, areas_by_id) -> dict:
    """{level: name} of the area and those above it (the nearest of each level)."""
    names, area = {}, areas_by_code.get(area_code)
    for found in self_and_above(area, areas_by_id) if area is not None else ():
        names.setdefault(found.level, found.name)
    return names


def result_record(counted, instance_id, xml_form_id, review_state, decision, outcome, rules, names, label,
                  lang="vi") -> dict:
    """One result as {column name: value} (plus "criteria": {code: points}): Python values, None for empty."""
    error = counted.error[lang] if counted.error else None
    return {"model": counted.kind, "subject": counted.subject, "subjectLabel": label, "period": counted.period,
            "areaCode": counted.area_code, **{level: names.get(level) for level in AREA_LEVELS},
            "ruleSetId": counted.ruleset_id, "total": counted.total,
            "maxTotal": rules.total if rules is not None else None, "result": counted.result,
            "resultLabel": _result_label(rules, counted.result, lang),
            "level": counted.level, "proposal": counted.recognised,
            "decision": decision.recognised if decision is not None else None, "outcome": outcome,
            "decisionReason": (decision.reason or None) if decision is not None else None,
            "decidedAt": decision.decided_at if decision is not None else None,
            "mandatoryMet": counted.mandatory_met, "unmet": " ".join(counted.unmet or ()) or None,
            "heldBackBy": " ".join(counted.held_back_by or ()) or None, "reviewState": review_state,
            "xmlFormId": xml_form_id, "instanceId": instance_id, "scoredAt": counted.scored_at,
            "scoringError": error,
            "criteria": criterion_points(rules, counted.points or {}) if rules is not None and not error else {}}


def _result_label(rules, name, lang):
    outcome = next((item for item in rules.bands + rules.levels if item.name == name), None) if rules else None
    return _label(outcome.label, lang) or None if outcome is not None else None


def _text(value) -> str:
    """A cell of the CSV: booleans as true/false (as Central writes them), times in ISO 8601 UTC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return csv_safe(value)


def results_csv(records: Iterable[dict], criteria: dict, bom: bool = False) -> Iterator[bytes]:
    """results.csv: the columns, then one column per model and criterion ("gia_dinh.TC1"), a row per result;
    streamed in chunks of rows."""
    columns = [item for kind in sorted(criteria) for item in criteria[kind]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff" if bom else "")
    writer.writerow([*NAMES, *(item.column for item in columns)])
    yield buffer.getvalue().encode("utf-8")  # the header at once: the records may take a while to count
    buffer.seek(0)
    buffer.truncate()
    for count, record in enumerate(records, 1):
        own = record["criteria"]
        writer.writerow([*(_text(record[name]) for name in NAMES),
                         *(_text(own.get(item.code)) if item.kind == record["model"] else "" for item in columns)])
        if count % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def results_xlsx(records: Iterable[dict], criteria: dict, lang: str = "vi") -> Iterator[bytes]:
    """results.xlsx: a sheet per model (in the order results come), row 1 the labels in `lang`, row 2 the names,
    then a row per result; times in Asia/Ho_Chi_Minh, numbers as Excel's own. Written as it is sent
    (xlsx_stream.py)."""
    with force_locale(lang):
        labels = column_labels()
        yes, no = _("yes"), _("no")
    return workbook(_sheet_rows(records, criteria, labels, yes, no, lang))


def _sheet_rows(records, criteria, labels, yes, no, lang):
    titles = {}
    for record in records:
        kind = record["model"]
        own = criteria.get(kind, [])
        if kind not in titles:
            titles[kind] = sheet_title(kind, titles.values())
            yield titles[kind], ([csv_safe(labels[name]) for name in NAMES]
                                 + [csv_safe(_label(item.label, lang) or item.code) for item in own])
            yield titles[kind], [*NAMES, *(item.code for item in own)]
        cells = [_cell(record[name], yes, no) for name in NAMES]
        yield titles[kind], cells + [record["criteria"].get(item.code) for item in own]
    if not titles:
        yield "results", [csv_safe(labels[name]) for name in NAMES]


def _cell(value, yes, no):
    if isinstance(value, bool):
        return yes if value else no
    if isinstance(value, dt.datetime):
        return value.astimezone(LOCAL_TIME).replace(tzinfo=None)
    if value is None or isinstance(value, int | float):
        return value
    return csv_safe(value)


def _label(label: dict, lang: str) -> str:
    return label.get(lang) or label.get("default") or next(iter(label.values()), "")
