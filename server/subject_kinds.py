"""The five kinds of subject a campaign evaluates, declared once (Decision 387/QĐ-TTg; docs/xlsform-scoring.md).

Everything else asks this module: which codes a rule set, the API's `?model=` and a roll-up may name, what a
subject of each kind is called, which registry (entity list) holds them, how a member names the group it belongs
to, at which level of the area tree a subject lives, and which plan-target indicator counts its recognition.

Who is whose member:
  citizen (cong_dan) → household (gia_dinh, by the citizen's `ho`) → hamlet (cong_dong, by area);
  household and citizen → clan (dong_ho, by `dong_ho` on the member or on its household);
  citizen → unit (don_vi, by `don_vi`).
A pure module.
"""

from typing import NamedTuple

GIA_DINH, DONG_HO, CONG_DONG, DON_VI, CONG_DAN = "gia_dinh", "dong_ho", "cong_dong", "don_vi", "cong_dan"


class SubjectKind(NamedTuple):
    code: str  # as rule sets, roll-up functions and the API (?model=) write it
    title_vi: str  # the recognition a subject of this kind can earn
    title_en: str
    subject_vi: str  # what one subject of this kind is
    subject_en: str
    registry: str | None  # the entity list that holds the subjects; None: hamlets are areas of the tree
    member_link: str | None  # the registry property by which a member names its group of this kind; None: by area
    members: tuple  # the kinds whose results this kind's rules may roll up
    area_level: str  # the level of area a subject of this kind lives at
    target_indicator: str  # the indicator of plan-targets.csv that counts its recognised share
    target_population: str  # the population that indicator's share is of


KINDS = (
    SubjectKind(GIA_DINH, "Gia đình học tập", "Learning family", "hộ gia đình", "household", "ho_gia_dinh", "ho",
                (CONG_DAN,), "hamlet", "GDHT", "households"),
    SubjectKind(DONG_HO, "Dòng họ học tập", "Learning clan", "dòng họ", "clan", "dong_ho", "dong_ho",
                (GIA_DINH, CONG_DAN), "commune", "DHHT", "clans"),
    SubjectKind(CONG_DONG, "Cộng đồng học tập", "Learning community", "thôn, tổ dân phố", "hamlet", None, None,
                (GIA_DINH, DONG_HO, CONG_DAN), "hamlet", "CDHT_COMMUNITY", "hamlets"),
    SubjectKind(DON_VI, "Đơn vị học tập", "Learning unit", "đơn vị", "unit", "don_vi", "don_vi",
                (CONG_DAN,), "commune", "DVHT", "units"),
    SubjectKind(CONG_DAN, "Công dân học tập", "Learning citizen", "công dân", "citizen", "cong_dan", None,
                (), "hamlet", "CITIZEN", "citizens"),
)
CODES = tuple(kind.code for kind in KINDS)  # in this order in every summary
BY_CODE = {kind.code: kind for kind in KINDS}
HOUSEHOLD_LINK = BY_CODE[GIA_DINH].member_link  # a citizen's household: a clan's member may be named through it


def kind_of(code: str) -> SubjectKind | None:
    """The kind with this code, or None."""
    return BY_CODE.get(code)


def members_of(code: str) -> tuple:
    """The kinds whose results a rule set of kind `code` may roll up (none for an unknown code)."""
    kind = BY_CODE.get(code)
    return kind.members if kind else ()


def groups_of(member: str) -> tuple:
    """The kinds a subject of kind `member` can be a member of, in KINDS order."""
    return tuple(kind.code for kind in KINDS if member in kind.members)


def rollup_order(upto: str | None = None) -> tuple:
    """The kinds that have members, each after the members it counts (a clan before its hamlet); with `upto`,
    only that kind and those it needs, directly or through its members."""
    needed = _needed(upto) if upto is not None else set(CODES)
    pending, done = [kind for kind in KINDS if kind.code in needed and kind.members], []
    while pending:
        ready = [kind for kind in pending if all(member in done or not BY_CODE[member].members
                                                 for member in kind.members)]
        done += [kind.code for kind in ready]
        pending = [kind for kind in pending if kind not in ready]
    return tuple(done)


def _needed(code: str) -> set:
    found, pending = set(), [code] if code in BY_CODE else []
    while pending:
        current = pending.pop()
        found.add(current)
        pending += [member for member in BY_CODE[current].members if member not in found]
    return found


def by_target_indicator(indicator: str) -> SubjectKind | None:
    """The kind whose recognised share a plan-target indicator (GDHT, DHHT, …) counts, or None."""
    return next((kind for kind in KINDS if kind.target_indicator == indicator), None)
