"""Recognition: the engine proposes (the result that counts), an officer confirms or overrides each proposal
with a reason, and the list of recognised subjects becomes the annex of the recognition decision."""

from .. import errors
from ..audit.service import log_action
from ..db import utcnow
from ..extensions import db
from ..tables import write_xlsx
from . import queries
from .area_totals import self_and_above
from .models import RecognitionDecision
from .results import counted_results

ANNEX_HEADERS = ("STT", "Tỉnh", "Huyện (cũ)", "Xã", "Thôn", "Mã địa bàn", "Đối tượng", "Kết quả", "Điểm", "Mức",
                 "Quyết định", "Lý do")


def decide(project_id, kind, period, subject, recognised, reason, actor, within=None):
    """Confirm or override the proposal for one subject and period (replacing an earlier decision).
    :raise 404.1: no result counts for that subject and period, :raise 403.1: its area is not in `within`
    (the set of area codes the officer works in, None: anywhere), :raise 400.2: an override without a reason."""
    proposal = next(iter(counted_results(project_id, kind, period, subjects=[subject])), None)
    if proposal is None:
        raise errors.not_found()
    score = proposal[0]
    if within is not None and score.area_code not in within:
        raise errors.insufficient_rights()
    if recognised != score.recognised and not (reason or "").strip():
        raise errors.missing_parameter(field="reason (a decision that differs from the proposal needs one)")
    decision = queries.get_decision(project_id, kind, subject, period) or RecognitionDecision(
        project_id=project_id, kind=kind, subject=subject, period=period)
    decision.recognised, decision.proposed, decision.score_id = recognised, score.recognised, score.id
    decision.reason, decision.decided_by, decision.decided_at = (reason or "").strip(), actor.id, utcnow()
    db.session.add(decision)
    db.session.flush()
    log_action(actor, "recognition.decide", "project", project_id,
               {"model": kind, "period": period, "subject": subject, "recognised": recognised,
                "proposed": score.recognised, "reason": decision.reason})
    return decision


def recognition_list(project_id, kind=None, period=None, area_code=None, within=None):
    """[(counted result row, its decision or None, recognised in the end)] for the subjects that have results."""
    decisions = {(decision.kind, decision.subject, decision.period): decision
                 for decision in queries.list_decisions(project_id, kind, period)}
    rows = []
    for row in counted_results(project_id, kind, period, area_code, within):
        score = row[0]
        decision = decisions.get((score.kind, score.subject, score.period))
        rows.append((row, decision, decision.recognised if decision else score.recognised))
    return rows


def annex_xlsx(project_id, kind, period, within=None):
    """The annex of the recognition decision: every subject recognised in the end, with its area hierarchy,
    result and points (XLSX bytes; cells formula-safe)."""
    return write_xlsx(f"{kind} {period}", ANNEX_HEADERS, annex_rows(project_id, kind, period, within))


def annex_rows(project_id, kind, period, within=None):
    """The annex's rows: number, the area's names by level, area code, subject, result, points, level, and
    whether the officer confirmed, overrode or left the proposal."""
    areas = {area.code: area for area in queries.list_area_rows()}
    by_id = {area.id: area for area in areas.values()}
    recognised_rows = [(row, decision) for row, decision, recognised in
                       recognition_list(project_id, kind, period, within=within) if recognised]
    for number, (row, decision) in enumerate(recognised_rows, 1):
        score = row[0]
        names = _names_by_level(areas.get(score.area_code), by_id)
        how = ("Điều chỉnh" if decision.proposed != decision.recognised else "Xác nhận") if decision else "Đề xuất"
        yield [number, *(names.get(level, "") for level in ("province", "district", "commune", "hamlet")),
               score.area_code or "", score.subject, score.result or "", score.total, score.level, how,
               decision.reason if decision else ""]


def _names_by_level(area, by_id):
    names = {}
    for found in self_and_above(area, by_id) if area else ():
        names.setdefault(found.level, found.name)
    return names
