"""Results that draw on their members' results: a hamlet's share of households recognised, a clan's, a
household's citizens. Rules read them as share_recognised('gia_dinh'), count_members(…), count_recognised(…).

Who is whose member is declared in server/subject_kinds.py: a hamlet's members are the subjects evaluated in it
(their area); a clan's, household's or unit's are those whose registry entity names it (`dong_ho`, `ho`,
`don_vi`; a clan also through the member's household). Members count by their outcome in the same period: the
officer's decision where there is one, else the engine's proposal. Members are rolled up before the subjects
that count them (a clan before its hamlet: subject_kinds.rollup_order).

Member counts are summed in the database. A result is scored again only for counts it was never scored with:
each (result, counts) is kept in member_scores, so reading the same results twice scores nothing.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from ..db import utcnow
from ..forms.fields import fields_of
from ..subject_kinds import kind_of, rollup_order
from ..submissions.instance import read_instance
from . import queries
from .answers import answer_values
from .member_counts import NO_MEMBERS, MemberCount, counts_digest, counts_to_json, rollup_values
from .scores import current_scorers

EVIDENCE = "evidence"  # in held_back_by: an error-severity evidence flag no supervisor has approved

class Rolled(NamedTuple):
    """A result scored with its members' counts."""
    score_id: int
    kind: str
    subject: str
    area_code: str | None
    period: int | None
    members: dict  # {member kind: MemberCount} it was scored with
    total: float | None
    result: str | None
    level: int | None
    recognised: bool  # the engine's proposal
    outcome: bool  # the officer's decision where there is one, else the proposal
    mandatory_met: bool
    unmet: list | None  # None when not read (with_reasons)
    held_back_by: list | None
    points: dict  # {indicator code: points earned, or null}


class Pending(NamedTuple):
    """A result to score with member counts it has no kept score for."""
    row: object  # a row of queries.list_counted_of_forms
    counts: dict  # {member kind: MemberCount}


@dataclass
class RollUp:
    """One reading of the roll-ups: what was asked, and what has been rolled up so far."""
    project_id: int
    period: int | None
    scorers: dict  # {form version id: (form version, Scorer)} of the kinds rolled up
    outcomes: list | None  # queries.count_outcomes rows, members linked by area are counted from them
    subjects: list | None  # only these subjects (with their members counted alone), or all
    with_reasons: bool  # read the unmet and held-back-by lists
    kept: dict = field(default_factory=dict)  # {(score id, counts digest): member score row kept}
    rolled: dict = field(default_factory=dict)  # {score id: Rolled}

    def rules_of(self, form_def_id):
        return self.scorers[form_def_id][1].rules


def rolled_up_results(project_id, period=None, upto=None, outcomes=None, with_reasons=False, subjects=None):
    """{score id: Rolled} for every result that counts (in `period`) and whose rules read roll-ups over its
    members, or only the kinds needed for `upto`. `outcomes`: queries.count_outcomes of the same period, when
    the caller has them. The unmet and held-back-by lists are read only `with_reasons` (else None, when they
    were scored before). `subjects`: only those (a commune's hamlets), unless a member is rolled up itself."""
    order = rollup_order(upto)
    reading = rolled_up_forms(project_id)
    scorers = {form_def_id: found for form_def_id, found in reading.items() if found[1].rules.kind in order}
    if not scorers:
        return {}
    kinds = {scorer.rules.kind for _, scorer in scorers.values()}
    members = sorted({member for _, scorer in scorers.values() for _, member in scorer.rules.rollups_referenced})
    if subjects is not None and kinds & set(members):
        subjects = None  # a member rolled up itself (a clan in a hamlet) needs its own members: all of them
    state = RollUp(project_id, period, scorers, outcomes, subjects, with_reasons)
    by_kind = _read_results(state, sorted(kinds))
    if state.outcomes is None:
        state.outcomes = queries.count_outcomes(project_id, period, list(reading), members, subjects)
    for kind in order:
        if by_kind.get(kind):
            _roll_up_kind(state, by_kind[kind])
    return state.rolled


def rolled_up_forms(project_id):
    """{form version id: (form version, Scorer)} of the current versions whose rules read roll-ups."""
    return {form_def_id: found for form_def_id, found in current_scorers(project_id).items()
            if found[1].rules.rollups_referenced}


def _read_results(state, kinds):
    """{kind: [result rows]} of the results to roll up, keeping their member scores in `state.kept`."""
    by_kind, seen = defaultdict(list), set()
    rows = queries.list_counted_of_forms(state.project_id, list(state.scorers), kinds, state.period,
                                         state.with_reasons, state.subjects)
    for row in rows:
        if row.score_id not in seen:
            seen.add(row.score_id)
            by_kind[row.kind].append(row)
        if row.member_counts_digest is not None:
            state.kept[row.score_id, row.member_counts_digest] = row
    return by_kind


def _roll_up_kind(state, rows):
    """Roll up the results `rows` of one kind into `state.rolled`, scoring those whose counts are new."""
    group_kind = rows[0].kind
    referenced = {member for row in rows for _, member in state.rules_of(row.form_def_id).rollups_referenced}
    counts = {member: _member_counts(state, group_kind, member) for member in referenced}
    pending = []
    for row in rows:
        read = {member: counts[member].get((row.period, row.subject), NO_MEMBERS)
                for _, member in state.rules_of(row.form_def_id).rollups_referenced}
        found = state.kept.get((row.score_id, counts_digest(read)))
        if found is None:
            pending.append(Pending(row, read))
        else:
            state.rolled[row.score_id] = _rolled(row, found._mapping, read, state.with_reasons)
    new = _score(pending, state.scorers)
    queries.add_member_scores([dict(values, scored_at=utcnow()) for values in new])
    for item, values in zip(pending, new):
        state.rolled[item.row.score_id] = _rolled(item.row, values, item.counts, True)


def _member_counts(state, group_kind, member):
    """{(period, group): MemberCount} of the `member` results counting for groups of `group_kind`. Members
    whose own result is rolled up (a clan in a hamlet) count as rolled, from `state.rolled`."""
    rolled_forms = [form_def_id for form_def_id in state.scorers if state.rules_of(form_def_id).kind == member]
    if kind_of(group_kind).member_link is None:  # members by area: summed with the outcomes already
        counts = {(period, area_code): MemberCount(evaluated, recognised)
                  for found, period, area_code, evaluated, recognised in state.outcomes if found == member}
    else:
        counts = {(period, group): MemberCount(evaluated, recognised) for period, group, evaluated, recognised
                  in queries.count_members(state.project_id, member, group_kind, state.period, rolled_forms,
                                           state.subjects)}
    if rolled_forms:
        _add_rolled_members(state, counts, group_kind, member, rolled_forms)
    return counts


def _add_rolled_members(state, counts, group_kind, member, rolled_forms):
    """Count into `counts` the `member` results whose own result was rolled up, by their outcome."""
    for score_id, period, group, decided in queries.list_member_groups(state.project_id, member, group_kind,
                                                                       state.period, rolled_forms):
        rolled = state.rolled.get(score_id)
        outcome = decided if decided is not None else rolled.outcome if rolled is not None else False
        evaluated, recognised = counts.get((period, group), NO_MEMBERS)
        counts[period, group] = MemberCount(evaluated + 1, recognised + bool(outcome))


def _score(pending, scorers):
    """The values to keep (dicts of MemberScore's columns) of each pending result, scored with its counts."""
    documents = queries.list_submission_xml(item.row.submission_def_id for item in pending)
    fields_read = {}  # form version id -> the fields its rules read (subject, area and period are on the row)
    found = []
    for item in pending:
        form_def, scorer = scorers[item.row.form_def_id]
        if form_def.id not in fields_read:
            fields_read[form_def.id] = [field for field in fields_of(form_def)
                                        if field.path[-1] in scorer.rules.fields_referenced]
        root = read_instance(documents[item.row.submission_def_id].encode("utf-8")).root
        rollups = rollup_values(scorer.rules.rollups_referenced, item.counts)
        score = scorer.score(answer_values(root, fields_read[form_def.id]), rollups)
        found.append({"score_id": item.row.score_id, "member_counts": counts_to_json(item.counts),
                      "member_counts_digest": counts_digest(item.counts), "total": score.total,
                      "result": score.result, "level": score.level, "recognised": score.recognised,
                      "mandatory_met": score.mandatory_met, "unmet": scorer.unmet(score),
                      "points": {indicator.code: points
                                 for indicator, points in zip(scorer.rules.indicators, score.points)},
                      "held_back_by": list(score.held_back_by)})
    return found


def _rolled(row, kept, counts, reasons):
    """A Rolled from a counted row, the member score kept for it (MemberScore's values by name) and its counts
    (with the unmet and held-back-by lists if `reasons`)."""
    recognised = kept["recognised"] and not row.held  # held back by its evidence (queries.held_by_evidence)
    outcome = row.decided if row.decided is not None else recognised
    held_back_by = [*kept["held_back_by"], *([EVIDENCE] if row.held else [])] if reasons else None
    return Rolled(row.score_id, row.kind, row.subject, row.area_code, row.period, counts, kept["total"],
                  kept["result"], kept["level"], recognised, outcome, kept["mandatory_met"],
                  kept["unmet"] if reasons else None, held_back_by, kept["points"])
